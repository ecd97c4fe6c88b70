# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over a recovery plan: its problems (the plan schema), its start order, and its batches per provider."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible.errors import AnsibleFilterError

from ansible_collections.vmdr.replication.plugins.module_utils.plan import (
    hooks, ordering, readiness, schema, site_pairs)

try:
    import yaml
    HAS_YAML = True
except ImportError:  # ansible-core requires PyYAML; without it the reason comes from include_vars alone
    HAS_YAML = False


def plan_problems(plan, search_dirs=None):
    """Every problem of the plan (``schema.plan_problems``); ``search_dirs``: where relative task files are."""
    if search_dirs is not None and not isinstance(search_dirs, (list, tuple)):
        search_dirs = [search_dirs]
    return schema.plan_problems(plan, search_dirs)


def recovery_waves(plan):
    problems = schema.plan_problems(plan)
    if problems:
        raise AnsibleFilterError("the recovery plan cannot be ordered: %s"
                                 % "; ".join(schema.problem_line(p) for p in problems))
    try:
        return ordering.recovery_waves(plan)
    except ValueError as exc:
        raise AnsibleFilterError("the recovery plan cannot be ordered: %s" % exc)


def plan_file_error(path, failed_result=None):
    """Why the plan file ``path`` could not be loaded (``failed_result``: the failed include_vars), with the
    line and column of a YAML error."""
    failed_result = failed_result or {}
    reason = failed_result.get("message") or failed_result.get("msg") or "it could not be loaded"
    try:
        with open(os.path.expanduser(str(path)), "rb") as handle:
            raw = handle.read()
    except (IOError, OSError):
        return "The recovery plan %s cannot be loaded: %s" % (path, reason)
    if not HAS_YAML or raw.lstrip().startswith(b"$ANSIBLE_VAULT"):
        return "The recovery plan %s cannot be loaded: %s" % (path, reason)
    try:
        loaded = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = "line %d, column %d: " % (mark.line + 1, mark.column + 1) if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        context = " (%s)" % context if context else ""
        return "The recovery plan %s is not valid YAML: %s%s%s" % (path, where, problem, context)
    if not isinstance(loaded, dict):
        return "The recovery plan %s must be a YAML mapping (plan, sites, vms, ...), not %s" % (
            path, "an empty file" if loaded is None else "a %s" % type(loaded).__name__)
    return "The recovery plan %s cannot be loaded: %s" % (path, reason)


def plan_batches(plan, vms=None):
    try:
        return site_pairs.batches(plan, vms)
    except ValueError as exc:
        raise AnsibleFilterError("the recovery plan cannot be split by provider: %s" % exc)


def readiness_checks(plan, vm_results, timeout=600):
    return readiness.checks(plan, vm_results, timeout)


def readiness_outcomes(registered, *more):
    return readiness.outcomes(registered, *more)


def plan_hook(plan, event, priority=None):
    if event not in hooks.EVENTS:
        raise AnsibleFilterError("hook event '%s' is not one of %s" % (event, ", ".join(hooks.EVENTS)))
    return hooks.hook_file(plan, event, priority)


def site_connection(plan, site, passwords):
    """The module connection options (source/target) for one site of the plan, with its password."""
    sites = (plan or {}).get("sites") or {}
    if site not in sites:
        raise AnsibleFilterError("site '%s' is not in the plan (%s)" % (site, ", ".join(sorted(sites))))
    connection = dict((k, v) for k, v in sites[site].items() if k in schema.CONNECTION_KEYS)
    connection["name"] = site
    if site in (passwords or {}):
        connection["password"] = passwords[site]
    return connection


def swap_item(item):
    return {"key": item["value"], "value": item["key"]}


class FilterModule(object):
    def filters(self):
        return {"plan_problems": plan_problems, "recovery_waves": recovery_waves,
                "plan_batches": plan_batches, "readiness_checks": readiness_checks, "plan_hook": plan_hook,
                "readiness_outcomes": readiness_outcomes, "site_connection": site_connection,
                "swap_item": swap_item, "plan_file_error": plan_file_error}
