# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hooks of a recovery plan: Ansible task files the runbooks run around priority groups and after cleanup.

``hooks.before_group`` and ``hooks.after_group`` name one task file for every priority group, or map a
priority (1-5) to its own file; ``hooks.after_cleanup`` names the file run after the test copies are removed.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

GROUP_EVENTS = ("before_group", "after_group")
EVENTS = GROUP_EVENTS + ("after_cleanup",)


def hook_problems(plan):
    hooks = (plan or {}).get("hooks")
    if hooks is None:
        return []
    if not isinstance(hooks, dict):
        return [{"check": "hooks", "vm": None, "message": "hooks must map %s to task files" % ", ".join(EVENTS)}]
    problems = []
    for event, value in sorted(hooks.items()):
        if event not in EVENTS:
            problems.append({"check": "hooks", "vm": None,
                             "message": "hooks.%s is not one of %s" % (event, ", ".join(EVENTS))})
        elif isinstance(value, dict) and event in GROUP_EVENTS:
            for priority, path in sorted(value.items(), key=lambda kv: str(kv[0])):
                if str(priority) not in ("1", "2", "3", "4", "5") or not isinstance(path, str) or not path:
                    problems.append({"check": "hooks", "vm": None, "message":
                                     "hooks.%s maps priority %r to %r; use 1-5 and a task file" % (event, priority, path)})
        elif not isinstance(value, str) or not value:
            problems.append({"check": "hooks", "vm": None, "message": "hooks.%s must name a task file" % event})
    return problems


def hook_file(plan, event, priority=None):
    """The task file of ``event`` (for ``priority`` with a group event), or None."""
    value = ((plan or {}).get("hooks") or {}).get(event)
    if isinstance(value, dict):
        for key, path in value.items():
            if str(key) == str(priority):
                return path
        return None
    return value or None
