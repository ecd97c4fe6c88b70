# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over a recovery plan: its structural problems, its start order, and its batches per provider."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.vmdr.replication.plugins.module_utils.plan import hooks, ordering, readiness, site_pairs


def plan_problems(plan):
    return ordering.plan_problems(plan)


def recovery_waves(plan):
    try:
        return ordering.recovery_waves(plan)
    except ValueError as exc:
        raise AnsibleFilterError("the recovery plan cannot be ordered: %s" % exc)


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


CONNECTION_KEYS = ("hostname", "address", "port", "username", "datacenter", "ca_path", "validate_certs", "transport",
                   "client_cert", "client_key")


def site_connection(plan, site, passwords):
    """The module connection options (source/target) for one site of the plan, with its password."""
    sites = (plan or {}).get("sites") or {}
    if site not in sites:
        raise AnsibleFilterError("site '%s' is not in the plan (%s)" % (site, ", ".join(sorted(sites))))
    connection = dict((k, v) for k, v in sites[site].items() if k in CONNECTION_KEYS)
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
                "swap_item": swap_item}
