# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Site pairs of a recovery plan: which protected and recovery site serve the VMs of each provider.

The plan's ``protected_site`` / ``recovery_site`` are the default pair; its provider is the provider
of the protected site. ``site_pairs`` adds (or replaces) the pair of a provider, and may override the
plan's ``policy``, ``placement``, ``network_map``, ``reip``, ``capacity`` and ``configure_replica_server``
(Hyper-V) for the VMs of that provider. A VM names its ``provider`` (default: the default pair's). The runbooks
call every batch module once per batch: the VMs of one provider, with that provider's sites and settings.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.plan.schema_fields import did_you_mean

PROVIDERS = ("vsphere", "hyperv")
OVERRIDES = ("policy", "placement", "network_map", "reip", "configure_replica_server", "capacity")


def _sites(plan):
    sites = plan.get("sites")
    return sites if isinstance(sites, dict) else {}


def _site_provider(plan, site):
    entry = _sites(plan).get(site) if isinstance(site, str) else None
    provider = (entry.get("provider") or "vsphere") if isinstance(entry, dict) else None
    return provider if isinstance(provider, str) else None


def default_provider(plan):
    return _site_provider(plan or {}, (plan or {}).get("protected_site")) or "vsphere"


def vm_provider(plan, vm):
    return vm.get("provider") or default_provider(plan)


def pairs(plan):
    """{provider: {"protected_site", "recovery_site", and any override}} as the plan declares them."""
    plan = plan or {}
    out = {}
    if isinstance(plan.get("protected_site"), str) and plan["protected_site"] in _sites(plan):
        out[default_provider(plan)] = {"protected_site": plan.get("protected_site"),
                                       "recovery_site": plan.get("recovery_site")}
    extra = plan.get("site_pairs")
    for provider, pair in sorted((extra if isinstance(extra, dict) else {}).items(), key=lambda kv: str(kv[0])):
        if provider in PROVIDERS and isinstance(pair, dict):
            out[provider] = dict(pair)
    return out


def _site_problem(plan, key, site, provider=None):
    """What is wrong with ``key: site`` (of a pair of ``provider``), or None."""
    sites = _sites(plan)
    if not isinstance(site, str):
        return None  # the schema reports a missing or malformed name
    if site not in sites:
        return "%s '%s' is not one of the plan's sites (%s)%s" % (key, site, ", ".join(sorted(sites)) or "none",
                                                                  did_you_mean(site, sites))
    if provider is not None and _site_provider(plan, site) != provider:
        return "%s '%s' is a %s site" % (key, site, _site_provider(plan, site))
    return None


def pair_problems(plan):
    """Problems of the site pairs, each with its path in the plan: unknown or equal sites, a site of another
    provider, a VM whose provider has no pair. The shape of ``site_pairs`` is checked by the plan schema."""
    plan = plan or {}
    problems = []

    def add(check, path, vm, message):
        problems.append({"check": check, "vm": vm, "path": path, "message": message})

    declared = [("", None, plan)]
    extra = plan.get("site_pairs")
    for provider, pair in sorted((extra if isinstance(extra, dict) else {}).items(), key=lambda kv: str(kv[0])):
        if provider in PROVIDERS and isinstance(pair, dict):
            declared.append(("site_pairs.%s" % provider, provider, pair))
    for path, provider, pair in declared:
        for key in ("protected_site", "recovery_site"):
            problem = _site_problem(plan, key, pair.get(key), provider)
            if problem:
                add("sites", path, None, problem)
        protected, recovery = pair.get("protected_site"), pair.get("recovery_site")
        if isinstance(protected, str) and protected and protected == recovery:
            add("sites", path, None, "protected_site and recovery_site are the same site '%s'" % protected)
        elif provider is None and protected in _sites(plan) and recovery in _sites(plan) and \
                _site_provider(plan, protected) != _site_provider(plan, recovery):
            add("sites", path, None, "protected_site '%s' is a %s site and recovery_site '%s' a %s site; a pair "
                "has two sites of one provider" % (protected, _site_provider(plan, protected), recovery,
                                                   _site_provider(plan, recovery)))
    known = pairs(plan)
    # with protected_site unknown the default pair's provider is unknown too, and that problem is reported above
    unsure = None if _site_provider(plan, plan.get("protected_site")) else default_provider(plan)
    vms = plan.get("vms")
    for index, vm in enumerate(vms if isinstance(vms, list) else []):
        if not isinstance(vm, dict) or not isinstance(vm.get("name"), str):
            continue
        provider = vm_provider(plan, vm)
        if provider in PROVIDERS and provider not in known and provider != unsure:
            add("provider", "vms[%d]" % index, vm["name"], "no site pair for provider %s: add site_pairs.%s with "
                "its protected_site and recovery_site" % (provider, provider))
    return problems


def batches(plan, names=None):
    """The VMs ``names`` (default: all VMs of the plan) split by provider, in plan order of first appearance:
    [{"provider", "protected_site", "recovery_site", "vms", "policy", "placement", "network_map", "reip"}].
    Settings missing from the pair and the plan are left out; the re-IP overrides of each set are those of the
    batch's VMs (the modules refuse overrides of VMs they were not given)."""
    plan = plan or {}
    known = pairs(plan)
    wanted = None if names is None else list(names)
    by_name = dict((vm.get("name"), vm) for vm in plan.get("vms") or [] if isinstance(vm, dict))
    order = wanted if wanted is not None else [vm.get("name") for vm in plan.get("vms") or [] if isinstance(vm, dict)]
    out = []
    index = {}
    for name in order:
        if name not in by_name:
            raise ValueError("VM '%s' is not in the plan" % name)
        provider = vm_provider(plan, by_name[name])
        if provider not in known:
            raise ValueError("VM '%s': no site pair for provider %s" % (name, provider))
        if provider not in index:
            pair = known[provider]
            batch = {"provider": provider, "protected_site": pair["protected_site"],
                     "recovery_site": pair["recovery_site"], "vms": []}
            for key in OVERRIDES:
                value = pair.get(key, plan.get(key))
                if value is not None:
                    batch[key] = value
            index[provider] = len(out)
            out.append(batch)
        out[index[provider]]["vms"].append(name)
    for batch in out:
        if isinstance(batch.get("reip"), dict):
            batch["reip"] = _reip_for(batch["reip"], batch["vms"])
    return out


def _reip_for(reip, names):
    out = {}
    for kind, rules in reip.items():
        if isinstance(rules, dict) and isinstance(rules.get("overrides"), dict):
            rules = dict(rules, overrides=dict((vm, nics) for vm, nics in rules["overrides"].items() if vm in names))
        out[kind] = rules
    return out
