# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``vms`` list every module takes: names, or dicts with name/uuid/moid plus per-VM settings."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError

ID_KEYS = ("name", "uuid", "moid")
MAX_NAME = 80
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")


class VmRef(object):
    """One VM as the caller named it. Names are data: they are never turned into code or paths."""

    def __init__(self, name=None, uuid=None, moid=None, options=None):
        self.name = name
        self.uuid = uuid.lower() if uuid else None
        self.moid = moid
        self.options = options or {}

    @property
    def label(self):
        return self.name or self.uuid or self.moid

    def __repr__(self):
        return "VmRef(%r)" % self.label


def _check_name(name):
    if not isinstance(name, str) or not name.strip():
        raise InputError("a VM name must be a non-empty string, got %r" % (name,), step="validate vms")
    if len(name) > MAX_NAME:
        raise InputError("VM name is longer than %d characters" % MAX_NAME, vm=name[:40] + "...", step="validate vms")
    if _CONTROL.search(name):
        raise InputError("VM name contains control characters", vm=name.encode("unicode_escape").decode("ascii"),
                         step="validate vms")


def parse_vms(items, allowed_options=()):
    """Normalize and validate; refuses unknown keys, duplicates and malformed ids before anything changes."""
    if not items:
        raise InputError("vms is empty: name at least one VM", step="validate vms")
    refs = []
    seen = set()
    for item in items:
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, dict):
            raise InputError("each entry of vms must be a name or a dict, got %r" % (item,), step="validate vms")
        if "name" in item:
            _check_name(item["name"])
        ids = [k for k in ID_KEYS if item.get(k)]
        if len(ids) != 1:
            raise InputError("each entry of vms needs exactly one of name, uuid, moid: %r" % (item,),
                             step="validate vms")
        unknown = set(item) - set(ID_KEYS) - set(allowed_options)
        if unknown:
            raise InputError("unknown per-VM keys %s (allowed: %s)"
                             % (", ".join(sorted(unknown)), ", ".join(ID_KEYS + tuple(allowed_options))),
                             vm=item.get(ids[0]), step="validate vms")
        if item.get("uuid") and not _UUID.match(str(item["uuid"])):
            raise InputError("'%s' is not a UUID" % item["uuid"], step="validate vms")
        ref = VmRef(item.get("name"), item.get("uuid"), item.get("moid"),
                    dict((k, item[k]) for k in allowed_options if k in item))
        key = (ids[0], ref.label)
        if key in seen:
            raise InputError("VM listed twice", vm=ref.label, step="validate vms")
        seen.add(key)
        refs.append(ref)
    return refs
