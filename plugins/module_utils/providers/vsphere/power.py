# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Power on vSphere for the engine's failover: stop and start sources, confirm they are off, start replicas, and
the bulk readiness poll. Every wait is engine.waits.wait (one bulk PropertyCollector read per round); every power
task runs on the site's TaskRunner (bounded, one bulk poll of the tasks in flight)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.errors import VmdrError
from ansible_collections.vmdr.replication.plugins.module_utils.clients.vsphere_props import retrieve_objects
from ansible_collections.vmdr.replication.plugins.module_utils.engine import waits
from ansible_collections.vmdr.replication.plugins.module_utils.engine.chain import Outcome
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import guest, recovery

try:
    from pyVmomi import vim
except ImportError:
    pass

POWER = {"poweredOn": "on", "poweredOff": "off", "suspended": "suspended"}
POWERED_OFF = waits.Waiter("powered off", lambda state: (waits.SUCCESS, None) if state == "poweredOff"
                           else (waits.RETRY, None), delay=1.0, describe=lambda state: "power state %s" % state)


def power_states(site, vms):
    """{label: runtime.powerState} of ``vms`` ({label: vim.VirtualMachine}) in one read."""
    if not vms:
        return {}
    by_moid = dict((vm._moId, label) for label, vm in vms.items())
    return dict((by_moid[obj._moId], props.get("runtime.powerState")) for obj, props in retrieve_objects(
        site.si, list(vms.values()), ["runtime.powerState"], obj_type=vim.VirtualMachine) if obj._moId in by_moid)


def poll_vms(site, vms, expected, need_ip=True):
    """The engine.readiness state of ``vms`` ({label: vim.VirtualMachine}) in one read: power, VMware Tools, the
    addresses the guest reports and the ones the re-IP promised (``expected``: {label: set})."""
    by_moid = dict((vm._moId, label) for label, vm in vms.items())
    out = {}
    for obj, props in retrieve_objects(site.si, list(vms.values()), guest.READY_PATHS, obj_type=vim.VirtualMachine):
        label = by_moid.get(obj._moId)
        if label is None:
            continue
        want = sorted(expected.get(label) or [])
        out[label] = {"power": POWER.get(props.get("runtime.powerState"), props.get("runtime.powerState")),
                      "agent": props.get("guest.toolsRunningStatus") == "guestToolsRunning",
                      "addresses": sorted(guest.reported_ips(props)), "expected": want,
                      "need_address": bool(need_ip and not want)}
    return out


# ---- sources (planned failover)

def stop_sources(p, ctx, labels):
    """Guest shutdown of every running source, one wait for all; a hard power-off only with force_power_off.
    A source that does not stop fails its VM and keeps running; nothing else of it changed."""
    out, running = {}, {}
    for label in labels:
        vm = ctx.vms[label]
        if vm.get("fresh") and vm["source"].power_state == "poweredOn":
            running[label] = vm["source"]
        else:
            out[label] = Outcome()
    if not running:
        return out
    site, settings = ctx.source, ctx.settings
    runner = p.runner(site)
    force = settings.get("force_power_off")
    timeout = settings.get("shutdown_timeout", 300)
    hard = []
    for label, outcome in runner.run([(label, rec.obj.ShutdownGuest) for label, rec in running.items()]).items():
        if outcome.ok or outcome.fault == "InvalidPowerState":
            continue
        if force:
            hard.append(label)  # the guest cannot shut itself down: power it off now rather than after the wait
        else:
            out[label] = Outcome(error=recovery.task_error(outcome, site.name, "shut down source guest"))
    waiting = [label for label in running if label not in out and label not in hard]
    got = waits.wait(POWERED_OFF, waiting, lambda pending: power_states(
        site, dict((label, running[label].obj) for label in pending)), timeout, site=site.name,
        step="shut down source guest") if waiting else {}
    for label, (_state, error, seconds) in got.items():
        if error is None:
            ctx.vms[label]["stopped"] = True
            out[label] = Outcome(changed=True, details={"source_shutdown_seconds": seconds})
        elif force:
            hard.append(label)
        else:
            out[label] = Outcome(error=VmdrError(
                "the guest did not shut down within %s s; the replica was not touched and the source was left as "
                "it is (running, or still shutting down)" % timeout, site=site.name, step="shut down source guest",
                hint="Check VMware Tools in the guest, raise shutdown_timeout, or set force_power_off=true"))
    for label, outcome in runner.run([(label, running[label].obj.PowerOffVM_Task) for label in hard]).items():
        if outcome.ok or outcome.fault == "InvalidPowerState":
            ctx.vms[label]["stopped"] = True
            out[label] = Outcome(changed=True, details={"source_powered_off": True})
        else:
            out[label] = Outcome(error=recovery.task_error(outcome, site.name, "power off source"))
    return out


def start_sources(p, ctx, labels):
    """Compensation of stop_sources: power on again the sources this call stopped (no other)."""
    out = dict((label, Outcome()) for label in labels if not ctx.vms[label].get("stopped"))
    todo = [label for label in labels if label not in out]
    jobs = [(label, ctx.vms[label]["source"].obj.PowerOnVM_Task) for label in todo]
    for label, outcome in p.runner(ctx.source).run(jobs).items():
        if outcome.ok or outcome.fault == "InvalidPowerState":
            ctx.vms[label]["stopped"] = False
            out[label] = Outcome(changed=True)
            p.warn("VM '%s': the failover did not go on, so its source was powered on again at site %s"
                   % (label, ctx.source.name))
        else:
            out[label] = Outcome(error=recovery.task_error(outcome, ctx.source.name, "start source again"))
            p.warn("VM '%s': the failover did not go on and the source could not be powered on again at site %s: "
                   "%s" % (label, ctx.source.name, outcome.error))
    return out


def confirm_sources_off(p, ctx, labels):
    """Reads every source's power again: a replica is started only after its source was seen off."""
    vms = dict((label, ctx.vms[label]["source"].obj) for label in labels)
    states = power_states(ctx.source, vms)
    out = {}
    for label in labels:
        state = states.get(label)
        if state == "poweredOff":
            out[label] = Outcome()
        else:
            out[label] = Outcome(error=VmdrError("the source is %s; the replica was not started" % (state or "gone"),
                                                 site=ctx.source.name, step="confirm source off"))
    return out


# ---- replicas

def start_replicas(p, ctx, labels):
    """Power on the promoted replicas (all at once); the engine waits for the ones added to ``ctx.wait_for``."""
    if not ctx.settings.get("power_on", True):
        return dict((label, Outcome()) for label in labels)
    site = ctx.target
    vms = dict((label, ctx.vms[label]["replica"].obj) for label in labels)
    states = power_states(site, vms)
    out = {}
    jobs = []
    for label in labels:
        if states.get(label) == "poweredOn":
            out[label] = Outcome()
        else:
            jobs.append((label, vms[label].PowerOnVM_Task))
    failed = {}
    for label, outcome in p.runner(site).run(jobs).items():
        if outcome.ok or outcome.fault == "InvalidPowerState":
            out[label] = Outcome(changed=True)
        else:
            failed[label] = outcome
    # a power-on that failed but left the VM running is a start (the source must then stay off)
    again = power_states(site, dict((label, vms[label]) for label in failed))
    for label, outcome in failed.items():
        if again.get(label) == "poweredOn":
            out[label] = Outcome(changed=True)
        else:
            # a power-on still running in vCenter at the deadline may yet start the replica: demote refuses then
            ctx.vms[label]["start_uncertain"] = outcome.fault == "Timeout"
            out[label] = Outcome(error=recovery.task_error(outcome, site.name, "power on recovered VM"))
    for label, outcome in out.items():
        if outcome.ok:
            ctx.vms[label]["power_after"] = "poweredOn"
            if ctx.settings.get("wait_ready", True):
                ctx.wait_for.add(label)
    return out


def poll_ready(p, ctx, labels):
    vms = dict((label, ctx.vms[label]["replica"].obj) for label in labels)
    expected = dict((label, ctx.vms[label].get("expected") or set()) for label in labels)
    return poll_vms(ctx.target, vms, expected, ctx.settings.get("wait_for_ip", True))
