# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an adapter read for one engine call, shared by its validation and its operations."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time


class RunContext(object):
    """Per-call state: the VMs still to act on, what was read per VM, the site names, the start time.

    Adapters keep their own read data in ``vms[label]`` (a dict) and may subclass this to add more."""

    def __init__(self, mode, settings, source_name=None, target_name=None, started=None):
        self.mode = mode
        self.settings = settings or {}
        self.source_name = source_name
        self.target_name_default = target_name
        self.started = started if started is not None else time.time()
        self.vms = {}
        self.done = set()  # already in the wanted state: nothing to do, reported unchanged
        self.wait_for = set()  # labels whose readiness the engine waits for

    def todo(self):
        return [label for label in self.vms if label not in self.done]

    def needs_wait(self, label):
        return label in self.wait_for

    def source_site_name(self):
        return self.source_name

    def target_site_name(self):
        return self.target_name_default

    def target_name(self, label):
        """The site (or host) of the VM's replica; multi-host adapters override this."""
        return (self.vms.get(label) or {}).get("target_host") or self.target_name_default
