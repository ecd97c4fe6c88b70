# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Steps shared by network_map, reip and every failover mode: finding replicas at the recovery site,
choosing a recovery point, and planning NIC networks and re-IP from the replica's own record."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import re

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError, NotFoundError, VmdrError
from ansible_collections.vmdr.replication.plugins.module_utils.clients.vsphere_props import retrieve_objects
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import metadata, vm_spec, guest
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere.copy_engine import parse_iso

try:
    from pyVmomi import vim
except ImportError:
    pass

REPLICA_PATHS = vm_spec.HARDWARE_PATHS + ["resourcePool", "parent", "runtime.host", "datastore"]


def find_replicas(inv, refs, roles=(metadata.ROLE_REPLICA,), records=None, paths=tuple(REPLICA_PATHS)):
    """Replicas carry their source's name; refuses VMs that are not replicas in an allowed role.

    Every VM of the datacenter is read with its identity and records only; the hardware and placement
    ``paths`` (REPLICA_PATHS) are read afterwards for the replicas found, in one more bulk call (none for a
    step that only needs the records, such as test cleanup)."""
    records = records if records is not None else inv.vms()
    found = inv.resolve(refs, records=[r for r in records if r.record or not r.test])
    errors = []
    for label, rec in found.items():
        role = (rec.record or {}).get("role")
        if role not in roles:
            what = "has no replication record" if role is None else "is a '%s', not a replica" % role
            errors.append("'%s' %s" % (label, what))
    if errors:
        raise InputError("; ".join(errors), vm=sorted(found)[0], site=inv.site.name, step="find replicas",
                         hint="Run the step against the recovery site of an enabled replication")
    if paths:
        inv.load(found.values(), paths)
    return found, records


def choose_generation(label, record, wanted, site):
    """``wanted``: 'latest', a generation id, or an ISO time (the newest point at or before it)."""
    gens = record.get("generations") or []
    if not gens:
        raise NotFoundError("the replica has no recovery point yet", vm=label, site=site,
                            step="choose recovery point", hint="Run replica_sync first")
    if not wanted or wanted == "latest":
        return gens[-1]
    for gen in gens:
        if gen["id"] == wanted:
            return gen
    moment = _parse_moment(wanted, label)
    if moment is not None:
        older = [g for g in gens if parse_iso(g["time"]) <= moment]
        if older:
            return older[-1]
    raise NotFoundError("no recovery point matches '%s'" % wanted, vm=label, site=site, step="choose recovery point",
                        hint="Available: %s" % ", ".join("%s (%s)" % (g["id"], g["time"]) for g in gens))


def _parse_moment(text, label):
    if re.match(r"^\d{8}T\d{6}Z$", text or ""):
        return None  # a recovery point id, not a time
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.datetime.strptime(text, fmt)
        except (TypeError, ValueError):
            continue
    if isinstance(text, str) and text[:2] == "20" and "T" in text:
        raise InputError("recovery_point '%s' is not a time like 2026-11-21T10:00:00Z" % text, vm=label,
                         step="choose recovery point")
    return None


def nic_targets(label, record, nmap, mode, inv):
    """{nic index: (network name, network info)} for the replica's recorded NICs."""
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
    return set(p["target_ip"] for p in nic_plans if p.get("target_ip") and p["action"] != "dhcp")


def reconfig_job(vm, spec):
    return lambda: vm.ReconfigVM_Task(spec=spec)


def extra_spec(changes, device_changes=None):
    return vim.vm.ConfigSpec(extraConfig=metadata.option_values(changes), deviceChange=device_changes or [])


def wanted_point(ref, settings):
    return ref.options.get("recovery_point") or settings.get("recovery_point") or "latest"


def reip_plans(refs, found, settings):
    planner = settings.get("reip")
    if planner is None:
        return dict((ref.label, None) for ref in refs)
    plans = planner.plan(dict((ref.label, reip_nics(found[ref.label].record)) for ref in refs))
    check_sysprep(planner, found, plans)
    return plans


def check_sysprep(planner, found, plans):
    """Refuse, before anything changes, to re-IP Windows guests through Sysprep unless the caller opted in."""
    windows = sorted(label for label in plans if is_windows(found[label].record, found[label].props))
    if windows and not planner.allow_sysprep:
        raise InputError(
            "re-IP of the Windows guests %s would run Sysprep through vSphere guest customization, which gives "
            "them a new SID and can break their domain membership" % ", ".join(windows), vm=windows[0],
            step="validate re-IP", hint="Set reip allow_sysprep=true to accept (for example for isolated test "
                                        "copies), or re-IP those guests from inside the guest")


def power_on_and_wait(p, site, batch, vms, expected, settings, started, step_label, powered_on=()):
    """Powers on ``vms`` ({label: vm}) that are off, then waits for readiness of all of them.

    ``powered_on``: labels this call has just powered on (their state is not read again)."""
    runner = p.runner(site)
    unknown = [vm for label, vm in vms.items() if label not in powered_on]
    states = dict((o._moId, props.get("runtime.powerState")) for o, props in retrieve_objects(
        site.si, unknown, ["runtime.powerState"], obj_type=vim.VirtualMachine))
    jobs = [(label, _power_on(vm)) for label, vm in vms.items()
            if label not in powered_on and states.get(vm._moId) != "poweredOn"]
    for label, outcome in runner.run(jobs).items():
        if not outcome.ok:
            batch.fail_outcome(label, outcome, site.name, "power on %s" % step_label)
    await_ready(site, batch, vms, expected, settings, started, step_label)


def await_ready(site, batch, vms, expected, settings, started, step_label):
    """Waits (when asked) for readiness of the ``vms`` that did not fail; marks the others failed."""
    waiting = dict((label, vm) for label, vm in vms.items() if not batch[label].failed)
    if not settings.get("wait_ready", True) or not waiting:
        return
    ready, not_ready = guest.wait_ready(site.si, waiting, expected, settings.get("ready_timeout", 600),
                                        need_ip=settings.get("wait_for_ip", True), started=started)
    for label, seconds in ready.items():
        batch[label].details["time_to_ready_seconds"] = seconds
    for label, seen in not_ready.items():
        batch.fail(label, VmdrError(
            "not ready after %s s (power %s, tools %s, addresses %s; expected %s)"
            % (settings.get("ready_timeout", 600), (seen or {}).get("power_state"), (seen or {}).get("tools"),
               ", ".join((seen or {}).get("ips") or []) or "none",
               ", ".join(sorted(expected.get(label) or [])) or "any"),
            step="wait for %s readiness" % step_label, site=site.name,
            hint="Check the guest console; raise ready_timeout for slow boots"))


def _power_on(vm):
    return vm.PowerOnVM_Task


def achieved_rpo(started, gen):
    return int((started - parse_iso(gen["time"])).total_seconds())
