# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers shared by network_map, reip and every failover mode on vSphere: finding replicas at the recovery site,
choosing a recovery point (plan.recovery_point), planning NIC networks and re-IP from the replica's own record, and
deciding when the re-IP's guest customization is applied.

Every ``problems`` argument is an engine.refusal.Problems: input problems are collected for every VM and refuse the
whole call before anything changes; nothing here raises for one VM.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError, VmdrError
from ansible_collections.vmdr.replication.plugins.module_utils.plan import recovery_point
from ansible_collections.vmdr.replication.plugins.module_utils.plan.reip import overlap_errors
from ansible_collections.vmdr.replication.plugins.module_utils.plan import timeparse
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import metadata, vm_spec, guest

try:
    from pyVmomi import vim
except ImportError:
    pass

PENDING_PATH = "config.tools.pendingCustomization"
REPLICA_PATHS = vm_spec.HARDWARE_PATHS + ["resourcePool", "parent", "runtime.host", "datastore", PENDING_PATH]


def task_error(outcome, site_name, step):
    """A failed TaskOutcome as the VM's error."""
    return VmdrError(outcome.error, site=site_name, step=step, hint=outcome.hint, fault=outcome.fault)


def find_replicas(inv, refs, problems, roles=(metadata.ROLE_REPLICA,), records=None, paths=tuple(REPLICA_PATHS)):
    """Replicas carry their source's name; VMs not found, or not replicas in an allowed role, are problems.

    Every VM of the datacenter is read with its identity and records only; the hardware and placement
    ``paths`` (REPLICA_PATHS) are read afterwards for the replicas found, in one more bulk call (none for a
    step that only needs the records, such as test cleanup). Returns ({label: VmRecord} of good ones, records)."""
    records = records if records is not None else inv.vms()
    found, errors = inv.resolve_each(refs, records=[r for r in records if r.record or not r.test])
    problems.extend(errors)
    good = {}
    for label, rec in found.items():
        role = (rec.record or {}).get("role")
        if role not in roles:
            what = "has no replication record" if role is None else "is a '%s', not a replica" % role
            problems.add(InputError("'%s' %s" % (label, what), vm=label, site=inv.site.name, step="find replicas",
                                    hint="Run the step against the recovery site of an enabled replication"))
            continue
        good[label] = rec
    if paths:
        inv.load(good.values(), paths)
    return good, records


def point_spec(ref, settings, problems):
    """The PointSpec of the VM's ``recovery_point`` (its own, else the call's); None when it is not valid."""
    wanted = ref.options.get("recovery_point") or settings.get("recovery_point") or "latest"
    return problems.check(recovery_point.PointSpec.parse, wanted, ref.label, vm=ref.label)


def choose_point(label, record, spec, site_name, problems):
    """The generation ``spec`` names among the replica's recovery points (plan.recovery_point.choose)."""
    if spec is None:
        return None
    return problems.check(recovery_point.choose, (record or {}).get("generations") or [], spec, label, site_name,
                          vm=label, site=site_name)


def recorded_point(record):
    """The generation a promoted replica was started from (its failover record), else its newest one."""
    gens = (record or {}).get("generations") or []
    chosen = ((record or {}).get("failover") or {}).get("generation")
    for gen in gens:
        if gen.get("id") == chosen:
            return gen
    return gens[-1] if gens else None


def achieved_rpo(started, gen):
    """Seconds between the recovery point and the start of the call (both as the sites' clocks tell)."""
    return timeparse.seconds_between(gen.get("time"), started)


def nic_targets(label, record, nmap, mode, inv):
    """{nic index: (network name, network info)} for the replica's recorded NICs; raises the first problem."""
    targets = {}
    for nic in record.get("nics") or []:
        if mode == "test" and nmap.test is None and record.get("test_network"):
            staged = record["test_network"]
            name = staged.get(nic["network"]) if isinstance(staged, dict) else staged
            if not name:
                raise InputError("no test network staged for source network '%s'" % nic["network"], vm=label,
                                 site=inv.site.name, step="map networks")
        else:
            name = nmap.target_for(nic["network"], mode, vm=label, site=inv.site.name)
        targets[nic["index"]] = (name, inv.network(name, vm=label))
    return targets


def nic_edits(devices, targets, inv):
    """Edits for NICs whose backing differs from the target; returns (changes, per-NIC report)."""
    by_key = dict((n["key"], name) for name, n in inv.networks().items() if n["key"])
    changes, report = [], []
    for nic in vm_spec.nics_of(devices):
        if nic["index"] not in targets:
            continue
        name, net = targets[nic["index"]]
        same = vm_spec.backing_matches(nic["backing"], net, name)
        report.append({"index": nic["index"], "network": name, "changed": not same,
                       "current": vm_spec.network_name_of_backing(nic["backing"], by_key)})
        if not same:
            device = [d for d in devices if d.key == nic["key"]][0]
            changes.append(vm_spec.nic_edit_change(device, net, name))
    return changes, report


def reip_nics(record):
    return [{"index": n["index"], "network": n.get("network"), "ip": n.get("ip"), "prefix": n.get("prefix")}
            for n in record.get("nics") or []]


def is_windows(record, props=None):
    family = (record or {}).get("guest_family") or ""
    guest_id = (props or {}).get("config.guestId") or ""
    return family.startswith("windows") or guest_id.startswith("win")


def expected_ips(nic_plans):
    return set(p["target_ip"] for p in nic_plans or [] if p.get("target_ip") and p["action"] != "dhcp")


def reconfig_job(vm, spec):
    return lambda: vm.ReconfigVM_Task(spec=spec)


def extra_spec(changes, device_changes=None):
    return vim.vm.ConfigSpec(extraConfig=metadata.option_values(changes), deviceChange=device_changes or [])


def reip_plans(labels, found, planner, problems, site_name=None):
    """{label: NIC plan} of ``planner`` (None without one) for the replicas ``found``; every problem of every VM
    (rules, overrides, overlapping addresses, Sysprep) goes to ``problems``."""
    if planner is None:
        return dict((label, None) for label in labels)
    plans = {}
    for label in labels:
        plan = problems.check(planner.plan_vm, label, reip_nics(found[label].record), vm=label, site=site_name,
                              step="compute re-IP plan")
        if plan is not None:
            plans[label] = plan
    # two NICs given one address, or an address that is another NIC's gateway: the shared rule (plan/reip.py)
    problems.extend(overlap_errors(plans), site=site_name)
    windows = sorted(label for label in plans if is_windows(found[label].record, found[label].props))
    if windows and not planner.allow_sysprep:
        problems.add(InputError(
            "re-IP of the Windows guests %s would run Sysprep through vSphere guest customization, which gives "
            "them a new SID and can break their domain membership" % ", ".join(windows), vm=windows[0],
            site=site_name, step="validate re-IP",
            hint="Set reip allow_sysprep=true to accept (for example for isolated test copies), or re-IP those "
                 "guests from inside the guest"))
    return dict((label, plans.get(label)) for label in labels)


def pending_customization(rep):
    """(pending, what) of a replica: is a guest customization pending (vSphere keeps at most one, applied at the
    next power-on and not replaceable), and the record of the plan it holds ({hash, nics}) when this tool staged it."""
    if not rep.props.get(PENDING_PATH):
        return False, None
    record = rep.record or {}
    # promote.py records what it staged; the reip of earlier versions staged record["reip"] as a customization
    return True, record.get("customization") or record.get("reip")


def customization_decision(label, rep, plan, problems, site_name):
    """How the re-IP ``plan`` (None: none asked, use the staged one) reaches the guest of replica ``rep`` when it
    powers on. Returns (effective plan or None, customize now: bool). A pending customization that differs from
    the plan cannot be replaced: that is a problem found before anything changes."""
    if plan is None:
        plan = ((rep.record or {}).get("reip") or {}).get("nics")
    pending, staged = pending_customization(rep)
    if not pending:
        if plan is not None:
            nics = len(vm_spec.nics_of(rep.props.get("config.hardware.device"))) if "config.hardware.device" in \
                rep.props else len(plan)
            if nics != len(plan):
                problems.add(InputError(
                    "the re-IP plan has %d NIC%s but the replica has %d; guest customization needs one setting per "
                    "NIC" % (len(plan), "" if len(plan) == 1 else "s", nics), vm=label, site=site_name,
                    step="build guest customization", hint="Sync the replica again so that its record lists its NICs"))
            problems.check(guest.customization_spec, plan, "check", vm=label, site=site_name,
                           step="build guest customization")
        return plan, plan is not None
    if staged and (plan is None or staged.get("hash") == guest.plan_hash(plan)):
        return staged.get("nics") or plan, False  # the pending one is this plan: it applies at power-on
    what = ("staged with another re-IP plan (%s)" % staged.get("hash")) if staged else "not staged by vmdr.replication"
    effect = "this re-IP plan could not be applied" if plan is not None else \
        "the guest would be changed in a way this call did not ask for"
    problems.add(InputError(
        "a guest customization %s is pending on the replica; vSphere applies it at the next power-on and cannot "
        "replace or withdraw it, so %s" % (what, effect),
        vm=label, site=site_name, step="check staged guest customization",
        hint="Nothing was changed. Run with the re-IP plan that was staged (the same reip rules and overrides), or "
             "let the pending customization apply by powering the replica on and off once on an isolated network"))
    return plan, False
