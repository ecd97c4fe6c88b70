# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The recovery plan schema, and the one validator the preflight and every runbook run before any module call.

``plan_problems`` returns every problem of a plan at once, each as {check, vm, path, message}: unknown keys
(with the nearest valid key), secrets, types and ranges (policy limits come from ``policy.py`` for the
provider whose VMs use the policy), references to sites and VMs that do not exist, the start order, the re-IP
rules and network maps, and, given the folders the roles look them up in, every hook and readiness task file.
Documented in docs/recovery-plan.md ("How the plan is validated").
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.common.argument_spec import TRANSPORTS
from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.plan import (
    hooks, ordering, readiness, reip, site_pairs, task_files, vm_refs)
from ansible_collections.vmdr.replication.plugins.module_utils.plan.network_map import NetworkMap
from ansible_collections.vmdr.replication.plugins.module_utils.plan.policy import ReplicationPolicy
from ansible_collections.vmdr.replication.plugins.module_utils.plan.schema_fields import (
    Bool, Choice, Either, Int, Keys, ListOf, Loc, MapOf, Number, Report, Str, Tagged, did_you_mean, line)

PROVIDERS = site_pairs.PROVIDERS
REQUIRED = ("plan", "protected_site", "recovery_site", "sites", "vms")


class VmName(Str):
    """A VM name as the modules accept it (``vm_refs``)."""

    def check(self, value, loc, report):
        if not Str.check(self, value, loc, report):
            return False
        try:
            vm_refs.parse_vms([value])
        except InputError as exc:
            report.add(loc, "is not a usable VM name: %s" % exc.message)
            return False
        return True


def _priority_key(key):
    if not isinstance(key, bool) and str(key) in [str(p) for p in ordering.PRIORITIES]:
        return None
    return "maps %r to a task file; key a group's hook by its priority, %d to %d" % (
        key, min(ordering.PRIORITIES), max(ordering.PRIORITIES))


def _provider_key(key):
    if key in PROVIDERS:
        return None
    return "has provider '%s'; use %s%s" % (key, " or ".join(PROVIDERS), did_you_mean(key, PROVIDERS))


NAME = Str(what="a name")
PATH = Str(what="a file path")
TASK_FILE = Str(what="a task file")
NETWORK = Str(what="a network name")
ADDRESSES = ListOf(Str(what="an address"))
POSITIVE = Number(positive=True)

HOOK = Either("a task file, or a map from priority (1-5) to a task file", TASK_FILE, MapOf(TASK_FILE, _priority_key))
HOOKS = Keys({"before_group": HOOK, "after_group": HOOK, "after_cleanup": TASK_FILE})

RULE = Keys({"source": Str(what="a subnet"), "target": Str(what="a subnet"), "gateway": Str(what="an address"),
             "dns": ADDRESSES, "dns_suffix": Str()}, required=("source", "target"))
NIC_OVERRIDE = Keys({"nic": Int(minimum=0), "network": NETWORK, "ip": Str(what="an address with its prefix"),
                     "gateway": Str(what="an address"), "dns": ADDRESSES, "dns_suffix": Str()}, required=("ip",))
REIP_SET = Keys({"rules": ListOf(RULE),
                 "overrides": MapOf(ListOf(NIC_OVERRIDE), what="a map from VM name to a list of NIC settings"),
                 "unmatched": Choice(reip.UNMATCHED), "allow_sysprep": Bool()})

# the settings a site pair may give its provider's VMs instead of the plan's (site_pairs.OVERRIDES)
SETTINGS = {
    # types only: the ranges depend on the provider, and policy.py checks them once the providers are known
    "policy": Keys({"rpo": Number(), "recovery_points": Int(), "quiesce": Bool()}),
    "placement": Keys(dict((key, NAME) for key in ("cluster", "host", "resource_pool", "datastore", "folder"))),
    "network_map": Keys({
        "live": MapOf(NETWORK, what="a map from source network to recovery network"),
        "test": Either("a network name, or a map from source network to test network", NETWORK,
                       MapOf(NETWORK))}),
    "reip": Keys({"live": REIP_SET, "test": REIP_SET, "back": REIP_SET}),
    "capacity": Keys({"reserve_percent": Number(0, 99), "vcpus_per_core": POSITIVE}),
    "configure_replica_server": ListOf(Choice(("source", "target"))),
}
PAIR = Keys(dict([("protected_site", NAME), ("recovery_site", NAME)] +
                 [(key, SETTINGS[key]) for key in site_pairs.OVERRIDES]), required=("protected_site", "recovery_site"))

# what the site_connection filter passes to the modules, in this order; provider and role only describe the site
CONNECTION_FIELDS = (("hostname", NAME), ("address", NAME), ("port", Int(1, 65535)), ("username", NAME),
                     ("datacenter", NAME), ("ca_path", PATH), ("validate_certs", Bool()),
                     ("transport", Choice(TRANSPORTS)), ("client_cert", PATH), ("client_key", PATH))
CONNECTION_KEYS = tuple(key for key, dummy in CONNECTION_FIELDS)
SITE = Keys(dict(CONNECTION_FIELDS, provider=Choice(PROVIDERS), role=Choice(("protected", "recovery"))),
            site=lambda loc: loc.key)

TARGETS = Keys({"rpo_seconds": POSITIVE, "rto_seconds": POSITIVE})
CHECK_SETTINGS = {"type": Choice(readiness.TYPES), "timeout": POSITIVE, "delay": POSITIVE}
CHECK_FIELDS = {
    "tcp": (dict(port=Int(1, 65535), host=NAME), ("port",)),
    "http": (dict(url=Str(what="a URL"), status=Int(100, 599), ca_path=PATH, validate_certs=Bool()), ("url",)),
    "tasks": (dict(file=TASK_FILE), ("file",)),
}
CHECK = Tagged("type", dict((kind, Keys(dict(CHECK_SETTINGS, **CHECK_FIELDS[kind][0]), CHECK_FIELDS[kind][1]))
                            for kind in readiness.TYPES))
VM = Keys({"name": VmName(what="a VM name"), "priority": Int(min(ordering.PRIORITIES), max(ordering.PRIORITIES)),
           "depends_on": Either("a VM name or a list of VM names", NAME, ListOf(NAME)),
           "provider": Choice(PROVIDERS), "readiness": ListOf(CHECK),
           "rto_seconds": POSITIVE, "rpo_seconds": POSITIVE, "targets": TARGETS}, required=("name",))

PLAN = Keys(dict({
    "plan": Keys({"name": NAME, "version": Either("a number or a string", Number(), Str()),
                  "description": Str(empty=True)}, required=("name",)),
    "protected_site": NAME, "recovery_site": NAME,
    "sites": MapOf(SITE, what="a map from site name to its connection"),
    "site_pairs": MapOf(PAIR, _provider_key, what="a map from provider to its site pair"),
    "targets": TARGETS, "hooks": HOOKS,
    "vms": ListOf(VM, min_items=1, vm_key="name",
                  empty="lists no VM: a plan without VMs would do nothing; list at least one (name, priority)"),
}, **SETTINGS), required=REQUIRED)


def plan_problems(plan, search_dirs=None):
    """Every problem of ``plan``, not only the first. ``search_dirs``: the folders a relative task file is looked
    up in (the role's tasks folder, then the playbook's); without them, task files are not checked."""
    if plan is None or plan == {}:
        return [_problem("vms", "", None, "the plan is empty; it needs %s" % ", ".join(REQUIRED))]
    if not isinstance(plan, dict):
        return [_problem("schema", "", None, "the plan must be a mapping of %s and more, got %s"
                         % (", ".join(REQUIRED), type(plan).__name__))]
    report = Report()
    PLAN.check(plan, Loc(), report)
    problems = report.problems + site_pairs.pair_problems(plan) + ordering.order_problems(plan)
    problems += _policy_problems(plan) + _network_map_problems(plan) + _reip_problems(plan)
    if search_dirs:
        problems += _file_problems(plan, [str(d) for d in search_dirs if d])
    return problems


problem_line = line


def _problem(check, path, vm, message):
    return {"check": check, "vm": vm, "path": path, "message": message}


def _text(exc):
    return "%s. %s" % (exc.message.rstrip("."), exc.hint) if exc.hint else exc.message


def _providers_in_use(plan):
    known = site_pairs.pairs(plan)
    used = set(site_pairs.vm_provider(plan, vm) for vm in ordering.plan_vms(plan))
    return sorted(provider for provider in used if isinstance(provider, str) and provider in known)


def _effective(plan, provider, key):
    """(path, value) of the setting ``key`` the VMs of ``provider`` get: their pair's own, else the plan's."""
    pair = site_pairs.pairs(plan).get(provider) or {}
    if key in pair:
        return "site_pairs.%s.%s" % (provider, key), pair[key]
    return key, plan.get(key)


def _typed_policy(policy):
    number = Number()
    return isinstance(policy, dict) and number.accepts(policy.get("rpo", 0)) and \
        Int().accepts(policy.get("recovery_points", 1)) and isinstance(policy.get("quiesce", False), bool)


def _policy_problems(plan):
    problems = []
    for provider in _providers_in_use(plan):
        path, policy = _effective(plan, provider, "policy")
        if policy is not None and _typed_policy(policy):
            # one call per limit, so an RPO and a recovery point count out of range are both reported
            for keys in (("rpo", "quiesce"), ("recovery_points",)):
                try:
                    ReplicationPolicy.from_params(dict((k, policy[k]) for k in keys if k in policy), provider)
                except InputError as exc:
                    shared = "" if path.startswith("site_pairs.") or provider == site_pairs.default_provider(plan) \
                        else " (the %s VMs use the plan's policy: give site_pairs.%s its own)" % (provider, provider)
                    problems.append(_problem("policy", path, None, _text(exc) + shared))
        path, servers = _effective(plan, provider, "configure_replica_server")
        if provider != "hyperv" and servers:
            problems.append(_problem("replication", path, None, "is a Hyper-V setting, and replica_enable refuses it "
                                     "for the %s VMs: move it to site_pairs.hyperv" % provider))
    return problems


def _settings_at(plan, key):
    """(path, value) of ``key`` at the top of the plan and in every site pair."""
    found = [(key, plan.get(key))]
    extra = plan.get("site_pairs")
    for provider, pair in sorted((extra if isinstance(extra, dict) else {}).items(), key=lambda kv: str(kv[0])):
        if isinstance(pair, dict):
            found.append(("site_pairs.%s.%s" % (provider, key), pair.get(key)))
    return [(path, value) for path, value in found if isinstance(value, dict)]


def _names(mapping):
    return isinstance(mapping, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items())


def _network_map_problems(plan):
    problems = []
    for path, value in _settings_at(plan, "network_map"):
        live, test = value.get("live") or {}, value.get("test")
        if _names(live) and (test is None or isinstance(test, str) or _names(test)):
            try:
                NetworkMap(live, test).check_test_apart_from_live()
            except InputError as exc:
                problems.append(_problem("network_map", path, None, _text(exc)))
    return problems


def _reip_problems(plan):
    problems = []
    vm_names = [vm["name"] for vm in ordering.plan_vms(plan)]
    for path, value in _settings_at(plan, "reip"):
        for kind, rules in sorted(value.items(), key=lambda kv: str(kv[0])):
            if not isinstance(rules, dict):
                continue
            where = "%s.%s" % (path, kind)
            for index, rule in enumerate(rules.get("rules") if isinstance(rules.get("rules"), list) else []):
                problem = _rule_problem(index, rule)
                if problem:
                    problems.append(_problem("reip", "%s.rules[%d]" % (where, index), None, problem))
            overrides = rules.get("overrides")
            for vm, nics in sorted((overrides if isinstance(overrides, dict) else {}).items(),
                                   key=lambda kv: str(kv[0])):
                if vm not in vm_names:
                    problems.append(_problem("reip", "%s.overrides" % where, None, "names VM '%s', which is not in "
                                             "the plan%s" % (vm, did_you_mean(vm, vm_names))))
                for number, nic in enumerate(nics if isinstance(nics, list) else []):
                    ip = nic.get("ip") if isinstance(nic, dict) else None
                    if isinstance(ip, str) and "/" not in ip:
                        problems.append(_problem("reip", "%s.overrides.%s[%d]" % (where, vm, number), vm,
                                                 "ip '%s' needs its prefix length, for example 10.20.1.15/24" % ip))
    return problems


def _rule_problem(index, rule):
    """What the re-IP planner would refuse in one well-typed rule (subnets, gateway, DNS), or None."""
    keys = ("source", "target", "gateway", "dns", "dns_suffix")
    if not isinstance(rule, dict) or set(rule) - set(keys):
        return None
    if not all(isinstance(rule.get(k), str) for k in ("source", "target")) or \
            not isinstance(rule.get("gateway", ""), str) or \
            not (isinstance(rule.get("dns", []), list) and all(isinstance(d, str) for d in rule.get("dns", []))):
        return None
    try:
        reip.ReipRule(index, **dict((k, rule.get(k)) for k in keys))
    except InputError as exc:
        return _text(exc)
    return None


def _file_problems(plan, search_dirs):
    problems = []
    for path, name in hooks.hook_files(plan):
        if task_files.resolve(name, search_dirs) is None:
            problems.append(_problem("hooks", path, None, task_files.missing_text(name, search_dirs)))
    for path, vm, name in readiness.task_files(plan):
        if task_files.resolve(name, search_dirs) is None:
            problems.append(_problem("readiness", path, vm, task_files.missing_text(name, search_dirs)))
    return problems
