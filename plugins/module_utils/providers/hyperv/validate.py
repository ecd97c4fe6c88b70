# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Planned, unplanned and test failover on Hyper-V before anything changes: one bulk read of each site (the replica
host's READ holds each replica's relationship, NICs, recovery points and test VM), then every input problem of every
VM (unknown VM, not a replica, a recovery point that does not exist, an unmapped or unisolated network, a bad re-IP
plan, a source that still runs), so that the engine refuses the whole call at once (engine/refusal.py).

Each VM gets a phase: ``failover`` (the whole chain), ``start`` (failed over by an earlier run, still to be started
or committed) or none (done: reported unchanged)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.engine.context import RunContext
from ansible_collections.vmdr.replication.plugins.module_utils.engine.refusal import Problems
from ansible_collections.vmdr.replication.plugins.module_utils.plan.network_map import NetworkMap
from ansible_collections.vmdr.replication.plugins.module_utils.plan.recovery_point import PointSpec
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import (
    inventory, networks, promote, reip, scripts, servers)
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv.settings import (
    FAILED_OVER, TEST_SUFFIX, vm_entry)

FAILOVER, START = "failover", "start"
CAN_FAIL_OVER = ("Replicating", "Suspended", "Resynchronizing", "WaitingForUpdateCompletion")


class HvContext(RunContext):
    """The engine's RunContext with what the Hyper-V adapter read: ``vms[label]`` holds ``entry`` (the VM as the
    scripts take it), ``target``/``source`` (READ data), ``phase``, ``point`` and ``ps_point`` (the chosen recovery
    point and how the failover step names it), ``live``/``test``/``reip``/``raw`` plans and ``expected`` addresses;
    the steps add what they did (``prepare``, ``promoted``, ``started`` ...)."""

    def __init__(self, p, batch, refs, mode, settings):
        src = p.host("source", required=False)
        super(HvContext, self).__init__(mode, settings, source_name=src.name if src else None,
                                        target_name=p.host("target").name)
        self.p = p
        self.batch = batch
        self.refs = refs
        self.found = Problems()
        self.nmap = NetworkMap()
        self.planner = self.settings.get("reip")
        self.power_on = bool(self.settings.get("power_on", True))

    def phase(self, label):
        return self.vms[label].get("phase") if label not in self.done else None

    def entries(self, labels, **keys):
        """Script entries of ``labels``, each with the per-VM ``keys`` named (taken from ctx.vms)."""
        out = []
        for label in labels:
            entry = dict(self.vms[label]["entry"])
            for key in keys:
                if self.vms[label].get(keys[key]) is not None:
                    entry[key] = self.vms[label][keys[key]]
            out.append(entry)
        return out

    def recovered_entries(self, labels):
        """Entries naming the VM that comes up at the recovery site: the replica itself, or its test VM."""
        out = []
        for label in labels:
            vm = (self.vms[label].get("target") or {}).get("vm") or {}
            entry = dict(self.vms[label]["entry"])
            if self.mode == "test":
                entry.update(name=(vm.get("name") or entry["name"] or label) + TEST_SUFFIX, id=None)
            else:
                entry.update(id=vm.get("id") or entry["id"])
            out.append(entry)
        return out


def failover_context(p, batch, refs, mode, settings):
    ctx = HvContext(p, batch, refs, mode, settings)
    problems = ctx.found
    ctx.nmap = problems.check(NetworkMap.from_params, ctx.settings.get("network_map")) or NetworkMap()
    if mode == "test":
        problems.check(ctx.nmap.check_test_apart_from_live)
    todo = []
    for index, ref in enumerate(refs):
        if ref.moid and not ref.name and not ref.uuid:
            problems.add(InputError("Hyper-V VMs are named by name or uuid (VM Id), not moid", vm=ref.label,
                                    step="validate vms"))
            continue
        wanted = ref.options.get("recovery_point") or ctx.settings.get("recovery_point")
        spec = problems.check(PointSpec.parse, wanted, ref.label, vm=ref.label)
        ctx.vms[ref.label] = {"entry": vm_entry(index, ref), "spec": spec}
        todo.append(ctx.vms[ref.label]["entry"])
    target = inventory.read_checked(p, "target", todo, problems)
    source = _read_source(p, ctx, [entry for entry in todo if entry["label"] in target], problems)
    for label in [label for label in ctx.vms if label in target]:
        vm = ctx.vms[label]
        vm.update(target=target[label], source=source.get(label), target_host=p.host_of("target", label).name)
        vm["phase"] = _phase(ctx, label, problems)
        if vm["phase"] is None:
            ctx.done.add(label)
            continue
        _plan(p, ctx, label, problems)
        if ctx.power_on:
            ctx.wait_for.add(label)
    _plan_reip(p, ctx, problems)
    if mode == "planned":
        labels = [label for label in ctx.vms if ctx.phase(label) == FAILOVER and label in source]
        problems.check(servers.ensure_servers, p, "source", servers.pairs(p, labels, "source", "target"),
                       "prepare reverse replication")
    return ctx


def failover_problems(ctx, problems):
    problems.items.extend(ctx.found.items)


def _read_source(p, ctx, todo, problems):
    """{label: READ data} of the sources: a planned failover needs the source site; the others read it when it is
    configured and answers (unplanned: to refuse a running source; networks and re-IP: the source's NICs)."""
    if ctx.mode == "planned":
        return inventory.read_checked(p, "source", todo, problems)
    if ctx.mode == "test" and ctx.planner is None and not ctx.nmap.test:
        return {}
    data, dummy = inventory.optional_run(p, "source", "read source VMs", scripts.READ,
                                         {"vms": todo, "nics": True, "check": True})
    out = {}
    for item in inventory.items_of(data):
        if item.get("ok") and isinstance(item.get("i"), int) and item["i"] < len(ctx.refs):
            out[ctx.refs[item["i"]].label] = item.get("data") or {}
    return out


def _state(data):
    repl = (data or {}).get("replication") or {}
    return repl.get("mode") or "None", repl.get("state"), ((data or {}).get("vm") or {}).get("power_state")


def _phase(ctx, label, problems):
    vm = ctx.vms[label]
    mode, state, power = _state(vm["target"])
    site = vm["target_host"]
    off_and_wanted = ctx.power_on and power != "Running"
    if ctx.mode == "test":
        if mode != "Replica":
            problems.add(InputError("the VM is not a replica here (mode %s)" % mode, vm=label, site=site,
                                    step="check replica", hint="Name the replica at the recovery site"))
            return None
        test_vm = vm["target"].get("test_vm")
        if test_vm:
            return START if ctx.power_on and test_vm.get("power_state") != "Running" else None
        return FAILOVER
    if mode == "Primary":  # failed over and reversed by an earlier run
        return START if off_and_wanted else None
    if mode != "Replica":
        problems.add(InputError("the VM is not a replica here (mode %s)" % mode, vm=label, site=site,
                                step="check replica", hint="Name the replica at the recovery site"))
        return None
    if state in FAILED_OVER and ctx.mode == "unplanned":
        needs_commit = ctx.settings.get("commit") and state != "FailedOver"
        return START if off_and_wanted or needs_commit else None
    src = vm.get("source")
    src_mode, dummy, src_power = _state(src)
    if ctx.mode == "planned" and src is not None and src_mode != "Primary" and state not in FAILED_OVER:
        problems.add(InputError("the source VM is not the primary of this replication (mode %s)" % src_mode,
                                vm=label, site=ctx.p.host_of("source", label).name, step="check source",
                                hint="Check the direction: source must be the protected site"))
    if ctx.mode == "unplanned" and src is not None and not ctx.settings.get("allow_source_running") and \
            src_power == "Running" and src_mode == "Primary":
        problems.add(InputError("the source VM still runs at the protected site", vm=label,
                                site=ctx.p.host_of("source", label).name, step="check source",
                                hint="Use mode=planned, stop the source, or set allow_source_running=true"))
    if state not in CAN_FAIL_OVER and state not in FAILED_OVER:
        problems.add(InputError("the replica cannot fail over in replication state %s" % state, vm=label,
                                site=site, step="check replica",
                                hint="Wait for the initial replication, or resume the replication"))
    return FAILOVER


def _plan(p, ctx, label, problems):
    """Recovery point, networks and the NICs the recovered VM has connected, for one VM (problems recorded)."""
    vm = ctx.vms[label]
    site = vm["target_host"]
    tnics = vm["target"].get("nics") or []
    src = vm.get("source")
    if vm["phase"] == FAILOVER and vm.get("spec") is not None:
        point = problems.check(promote.choose_point, label, vm["target"], vm["spec"], site, vm=label, site=site)
        if point is not None:
            vm["point"], vm["ps_point"] = point
            if ctx.mode == "planned" and not point[0].get("latest"):
                p.warn("the planned failover of '%s' fails over to recovery point %s: the final sync of "
                       "Start-VMFailover -Prepare and every change after that point are discarded"
                       % (label, point[0].get("time")))
    # an unplanned failover whose source cannot be read plans its live networks from the replica's own NICs
    from_replica = src is None and ctx.mode == "unplanned"
    needs_source = ctx.planner is not None or (ctx.mode != "test" and ctx.nmap.live and not from_replica) or \
        (ctx.mode == "test" and ctx.nmap.test)
    if needs_source and src is None and vm["phase"] == FAILOVER:
        source_host = p.host("source", required=False)
        problems.add(InputError("the source VM could not be read, so its networks and addresses are unknown",
                                vm=label, site=source_host.name if source_host else None, step="read source VMs",
                                hint="Run without network_map/reip, or stage them beforehand with network_map and "
                                     "reip while the source site is up"))
        return
    if ((src or {}).get("replication") or {}).get("mode") == "Replica":
        src = None  # failed over and reversed already: nothing to plan from the old primary
    connected = set(n["index"] for n in tnics if n.get("test_switch" if ctx.mode == "test" else "switch"))
    wants_switches = vm["phase"] == FAILOVER and (ctx.nmap.live if ctx.mode != "test" else True)
    switches = problems.check(inventory.switches, p, "target", label, vm=label, site=site) if wants_switches else {}
    if switches is None:
        return
    if vm["phase"] == FAILOVER and ctx.mode != "test" and ctx.nmap.live and src is not None:
        vm["live"] = problems.check(networks.switch_plan, label, src.get("nics"), ctx.nmap, "live", switches, site)
    elif vm["phase"] == FAILOVER and ctx.nmap.live and from_replica:
        vm["live"] = problems.check(networks.replica_switch_plan, label, tnics, ctx.nmap, switches, site)
    elif vm["phase"] == FAILOVER and ctx.mode == "test" and ctx.nmap.test and src is not None:
        vm["test"] = problems.check(networks.switch_plan, label, src.get("nics"), ctx.nmap, "test", switches, site)
    elif vm["phase"] == FAILOVER and ctx.mode == "test":
        staged = networks.staged_test_problem(label, tnics, switches, site)
        if staged is not None:
            problems.add(staged)
    connected |= set(n["index"] for n in vm.get("live") or vm.get("test") or [])
    vm["connected"] = connected
    vm["reip_nics"] = (src or {}).get("nics") if src is not None else None


def _plan_reip(p, ctx, problems):
    nics = dict((label, vm["reip_nics"]) for label, vm in ctx.vms.items()
                if vm.get("reip_nics") is not None and ctx.phase(label) is not None)
    hv, raw = reip.plans(ctx.planner, list(ctx.vms), nics, problems, lambda label: ctx.vms[label]["target_host"])
    for label, vm in ctx.vms.items():
        if label in hv:
            vm["raw"], vm["expected"] = raw[label], reip.promised(raw[label], vm.get("connected") or set())
            if vm["phase"] == FAILOVER:
                vm["reip"] = hv[label]
        elif vm.get("target") is not None and ctx.phase(label) is not None:
            # no re-IP in this call: the failover IPs staged earlier (reip module) are what the guest will take
            vm["expected"] = reip.staged(vm["target"].get("nics"), vm.get("connected") or set())
