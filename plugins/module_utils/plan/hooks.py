# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hooks of a recovery plan: Ansible task files the runbooks run around priority groups and after cleanup.

``hooks.before_group`` and ``hooks.after_group`` name one task file for every priority group, or map a
priority (1-5) to its own file; ``hooks.after_cleanup`` names the file run after the test copies are removed.
Their shape is checked by the plan schema (``schema.py``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

GROUP_EVENTS = ("before_group", "after_group")
EVENTS = GROUP_EVENTS + ("after_cleanup",)


def hook_files(plan):
    """(path in the plan, task file) of every hook, in event order."""
    hooks = (plan or {}).get("hooks")
    if not isinstance(hooks, dict):
        return []
    out = []
    for event in EVENTS:
        value = hooks.get(event)
        if isinstance(value, dict) and event in GROUP_EVENTS:
            for priority, path in sorted(value.items(), key=lambda kv: str(kv[0])):
                if isinstance(path, str) and path.strip():
                    out.append(("hooks.%s.%s" % (event, priority), path))
        elif isinstance(value, str) and value.strip():
            out.append(("hooks.%s" % event, value))
    return out


def hook_file(plan, event, priority=None):
    """The task file of ``event`` (for ``priority`` with a group event), or None."""
    value = ((plan or {}).get("hooks") or {}).get(event)
    if isinstance(value, dict):
        for key, path in value.items():
            if str(key) == str(priority):
                return path
        return None
    return value or None
