# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Power of sources and replicas during a failover, and the readiness poll, each one command per host.

stop sources       STOP_PRIMARY on the source host: Stop-VM of the primaries that run (a guest shutdown; -TurnOff only
                   with force_power_off).
start sources      (compensation) START_VMS: Start-VM of the primaries the stop shut down. Hyper-V refuses to start a
                   primary still prepared for failover or a VM that became a replica, so a source runs again only
                   once the undo of the final sync cancelled its prepared failover; one whose replication was
                   reversed is not tried at all.
confirm sources    the primaries are read again: off, and prepared for failover (or already the replica).
start replicas     on the replica host: Set-VMReplication -Reverse (planned) or Complete-VMFailover (unplanned with
                   commit), then Start-VM: the point of no return.
poll ready         READ of the recovered VMs: power state, heartbeat and the IPv4 addresses the guest reports (KVP),
                   next to the addresses promised: by the call's re-IP, else the failover IPs an earlier reip call
                   staged on the connected NICs (validate.py; engine/readiness.GUEST_READY)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.errors import VmdrError
from ansible_collections.vmdr.replication.plugins.module_utils.engine.chain import Outcome
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import inventory, scripts

START_STEP = "start recovered VM"  # the last script step of FAILOVER_REPLICA: reverse or commit ran before it


def state_of(data):
    repl = (data or {}).get("replication") or {}
    return repl.get("mode") or "None", repl.get("state"), ((data or {}).get("vm") or {}).get("power_state")


def answers(got, labels, accept):
    """{label: Outcome} from run_outcomes' answers; ``accept(label, data)`` gives the Outcome of an answer."""
    out = {}
    for label in labels:
        data, error = got.get(label, (None, None))
        if error is not None:
            out[label] = Outcome(error=error)
        elif data is not None:
            out[label] = accept(label, data)
    return out


def stop_sources(p, ctx, labels):
    todo = []
    out = {}
    for label in labels:
        mode, dummy, dummy = state_of(ctx.vms[label].get("source"))
        if ctx.phase(label) != "failover" or mode != "Primary":
            out[label] = Outcome()
            continue
        todo.append(label)
    got = inventory.run_outcomes(p, "source", "stop source", scripts.STOP_PRIMARY,
                                 {"force_power_off": bool(ctx.settings.get("force_power_off"))}, ctx.entries(todo))

    def stopped(label, data):
        ctx.vms[label]["stopped"] = True
        # it ran before the stop: the compensation starts it again
        ctx.vms[label]["was_running"] = bool(data.get("changed"))
        return Outcome(changed=bool(data.get("changed")))
    out.update(answers(got, todo, stopped))
    return out


def start_sources(p, ctx, labels):
    out, todo = {}, []
    for label in labels:
        vm = ctx.vms[label]
        if vm.get("reversed"):
            out[label] = Outcome(error=VmdrError(
                "the source was not started again: replication was reversed, so it is the replica now", vm=label,
                site=p.host_of("source", label).name, step="start source again",
                hint="Start the VM at the recovery site by hand, or run a planned failover back"))
        elif vm.get("was_running"):
            todo.append(label)
        else:
            out[label] = Outcome()
    got = inventory.run_outcomes(p, "source", "start source again", scripts.START_VMS, {}, ctx.entries(todo))

    def running(label, data):
        power = (data.get("vm") or {}).get("power_state")
        if power != "Running":
            return Outcome(error=VmdrError("the source is %s and was not started again" % power, vm=label,
                                           site=p.host_of("source", label).name, step="start source again",
                                           hint="Start it at the protected site (Stop-VMFailover first if it is "
                                                "still PreparedForFailover)"))
        return Outcome(changed=bool(data.get("changed")))
    out.update(answers(got, todo, running))
    return out


def confirm_sources_off(p, ctx, labels):
    todo = [label for label in labels if ctx.phase(label) == "failover" and ctx.vms[label].get("prepare")]
    out = dict((label, Outcome()) for label in labels if label not in todo)
    got = inventory.run_outcomes(p, "source", "confirm source off", scripts.READ, {"nics": False, "measure": False},
                                 ctx.entries(todo))

    def off(label, data):
        mode, state, power = state_of(data)
        if power != "Off" or (mode == "Primary" and state != "PreparedForFailover"):
            return Outcome(error=VmdrError("the source is %s (replication %s %s) after the final sync, so its replica "
                                           "is not started" % (power, mode, state), vm=label,
                                           site=p.host_of("source", label).name, step="confirm source off",
                                           hint="Something started the source; stop it and run the failover again"))
        return Outcome()
    out.update(answers(got, todo, off))
    return out


def start_replicas(p, ctx, labels):
    todo = [label for label in labels if ctx.phase(label) in ("failover", "start")]
    out = dict((label, Outcome()) for label in labels if label not in todo)
    commit = bool(ctx.settings.get("commit")) and ctx.mode == "unplanned"
    if not ctx.power_on and ctx.mode != "planned" and not commit:
        out.update((label, Outcome()) for label in todo)
        return out
    got = inventory.run_outcomes(p, "target", "start replica", scripts.FAILOVER_REPLICA,
                                 {"mode": ctx.mode, "commit": commit, "power_on": ctx.power_on},
                                 ctx.entries(todo))
    for label in todo:
        data, error = got.get(label, (None, None))
        if error is not None:
            if error.step == START_STEP:  # the reverse (planned) or the commit ran before Start-VM failed
                ctx.vms[label]["reversed" if ctx.mode == "planned" else "committed"] = ctx.mode == "planned" or commit
            out[label] = Outcome(error=error)
        elif data is not None:
            ctx.vms[label]["started"] = data
            out[label] = Outcome(changed=bool(data.get("changed")))
    return out


def _agent(heartbeat):
    """Hyper-V's heartbeat (Get-VM Heartbeat, OkApplications...) answers; a host that reports none is not read as
    silent: the guest's addresses (read through KVP) are then the evidence."""
    return not heartbeat or str(heartbeat).startswith("Ok")


def poll_ready(p, ctx, labels):
    got = inventory.run_outcomes(p, "target", "wait until ready", scripts.READ, {"nics": True, "measure": False},
                                 ctx.recovered_entries(labels))
    out = {}
    for label in labels:
        data = got.get(label, (None, None))[0]
        if data is None:
            continue  # not read this round (the wait polls again until its deadline)
        vm = data.get("vm") or {}
        power = vm.get("power_state")
        out[label] = {"power": "on" if power == "Running" else (power or "unknown").lower(),
                      "agent": _agent(vm.get("heartbeat")),
                      "addresses": sorted(set(ip for nic in data.get("nics") or [] for ip in nic.get("ips") or [])),
                      "expected": list(ctx.vms[label].get("expected") or [])}
    return out
