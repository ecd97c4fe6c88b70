# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Site pairs of a recovery plan: which protected and recovery site serve the VMs of each provider.

The plan's ``protected_site`` / ``recovery_site`` are the default pair; its provider is the provider
of the protected site. ``site_pairs`` adds (or replaces) the pair of a provider, and may override the
plan's ``policy``, ``placement``, ``network_map``, ``reip``, ``capacity`` and ``configure_replica_server``
(Hyper-V) for the VMs of that provider. A VM
names its ``provider`` (default: the default pair's). The runbooks call every batch module once per
batch: the VMs of one provider, with that provider's sites and settings.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

PROVIDERS = ("vsphere", "hyperv")
OVERRIDES = ("policy", "placement", "network_map", "reip", "configure_replica_server", "capacity")


def _sites(plan):
    sites = plan.get("sites")
    return sites if isinstance(sites, dict) else {}


def _site_provider(plan, site):
    entry = _sites(plan).get(site)
    return (entry.get("provider") or "vsphere") if isinstance(entry, dict) else None


def default_provider(plan):
    return _site_provider(plan or {}, (plan or {}).get("protected_site")) or "vsphere"


def vm_provider(plan, vm):
    return vm.get("provider") or default_provider(plan)


def pairs(plan):
    """{provider: {"protected_site", "recovery_site", and any override}} as the plan declares them."""
    plan = plan or {}
    out = {}
    if plan.get("protected_site") in _sites(plan):
        out[default_provider(plan)] = {"protected_site": plan.get("protected_site"),
                                       "recovery_site": plan.get("recovery_site")}
    extra = plan.get("site_pairs")
    for provider, pair in sorted((extra if isinstance(extra, dict) else {}).items()):
        if isinstance(pair, dict):
            out[provider] = dict(pair)
    return out


def pair_problems(plan):
    """Problems of the site pairs: unknown or equal sites, a site of another provider, a VM without a pair."""
    plan = plan or {}
    problems = []

    def add(check, vm, message):
        problems.append({"check": check, "vm": vm, "message": message})

    extra = plan.get("site_pairs")
    if extra is not None and not isinstance(extra, dict):
        add("sites", None, "site_pairs must map a provider (vsphere, hyperv) to its protected_site and recovery_site")
        extra = {}
    for provider, pair in sorted((extra or {}).items()):
        if provider not in PROVIDERS:
            add("sites", None, "site_pairs has provider '%s'; use vsphere or hyperv" % provider)
            continue
        if not isinstance(pair, dict):
            add("sites", None, "site_pairs.%s must have protected_site and recovery_site" % provider)
            continue
        for key in ("protected_site", "recovery_site"):
            site = pair.get(key)
            if site not in _sites(plan):
                add("sites", None, "site_pairs.%s.%s '%s' is not one of the plan's sites" % (provider, key, site))
            elif _site_provider(plan, site) != provider:
                add("sites", None, "site_pairs.%s.%s '%s' is a %s site" % (provider, key, site,
                                                                           _site_provider(plan, site)))
        if pair.get("protected_site") and pair.get("protected_site") == pair.get("recovery_site"):
            add("sites", None, "site_pairs.%s: protected_site and recovery_site are the same site" % provider)
    known = pairs(plan)
    for vm in plan.get("vms") or []:
        if not isinstance(vm, dict) or not vm.get("name"):
            continue
        provider = vm_provider(plan, vm)
        if provider in PROVIDERS and provider not in known:
            add("provider", vm["name"], "no site pair for provider %s: add site_pairs.%s with its protected_site "
                "and recovery_site" % (provider, provider))
    return problems


def batches(plan, names=None):
    """The VMs ``names`` (default: all VMs of the plan) split by provider, in plan order of first appearance:
    [{"provider", "protected_site", "recovery_site", "vms", "policy", "placement", "network_map", "reip"}].
    Settings missing from the pair and the plan are left out."""
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
    return out
