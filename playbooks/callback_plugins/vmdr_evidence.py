# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Loads vmdr.replication.evidence for the playbooks in this folder, so every runbook writes its evidence
without any ansible.cfg change. When the callback is also enabled by name, this copy stays silent."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible import constants as C
from ansible.plugins.callback import CallbackBase

try:
    from ansible_collections.vmdr.replication.plugins.callback.evidence import CallbackModule as Evidence
    IMPORT_ERROR = None
except ImportError as exc:
    Evidence = CallbackBase
    IMPORT_ERROR = exc

ENABLED_BY_NAME = "vmdr.replication.evidence" in (C.CALLBACKS_ENABLED or [])


class CallbackModule(Evidence):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "vmdr_evidence"
    CALLBACK_NEEDS_ENABLED = ENABLED_BY_NAME or IMPORT_ERROR is not None

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        if IMPORT_ERROR is not None:
            self._display.warning("vmdr evidence is off: the collection vmdr.replication is not on the "
                                  "collections path (%s)" % IMPORT_ERROR)
