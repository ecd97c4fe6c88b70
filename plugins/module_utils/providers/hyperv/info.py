# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""replica_info on Hyper-V: one READ per site (per host of a site of several), joined per VM.

RPO compliance is the rule of every provider (plan/rpo.py): the newest recovery point is no older than the RPO,
measured on the clock of the host that answered (``now`` of its command). On Hyper-V the RPO is the replication
frequency (replica_enable sets it from policy.rpo); it is also reported on its own, as
``replication_frequency_seconds``."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError, VmdrError
from ansible_collections.vmdr.replication.plugins.module_utils.plan import rpo, unreadable_site
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import inventory, scripts, settings

STEP = "read replication"


def info(p, refs):
    src = p.host("source", required=False)
    tgt = p.host("target", required=False)
    if src is None and tgt is None:
        raise InputError("replica_info needs the source or the target site", step="connect",
                         hint="Set source and/or target")
    payload = {"vms": [settings.vm_entry(i, r) for i, r in enumerate(refs)], "all": not refs, "nics": False,
               "measure": True, "check": True}
    sides = {}
    for role, host in (("source", src), ("target", tgt)):
        if host is None:
            continue
        if refs or not p.site(role).multi:
            data, now = inventory.optional_run(p, role, STEP, scripts.READ, payload)
        else:
            data, now = read_all_hosts(p, role, payload)
        if data is not None:
            sides[role] = (data.get("vms") or [], now)
    unread = [unreadable_site.Unread(role, p.unreachable[role].site, p.unreachable[role])
              for role in ("source", "target") if role in p.unreachable]
    if not sides:
        raise unreadable_site.nothing_read(unread)
    pairs, order = {}, []
    for role in ("source", "target"):
        if role not in sides:
            continue
        items, now = sides[role]
        for item in items:
            key = item.get("i")
            if refs and isinstance(key, int) and key < len(refs):
                label = refs[key].label
            else:
                label = (item.get("data") or {}).get("vm", {}).get("name") or str(key)
            if label not in pairs:
                pairs[label] = {"now": now}
                order.append(label)
            pairs[label][role] = item
            pairs[label]["now"] = pairs[label]["now"] or now
    # a site given that could not be read fails the call: the rule of every provider (plan/unreadable_site.py)
    return unreadable_site.check([entry(label, pairs[label]) for label in order], unread)


def read_all_hosts(p, role, payload):
    """replica_info without names on a site of several hosts: every host's replicated VMs, joined."""
    items, now = [], None
    for host in p.site(role).hosts:
        try:
            data, now = host.run(STEP, scripts.READ, payload)
        except VmdrError as exc:  # the other hosts are still read; the call then fails, or reports health unknown
            p.unreachable[role] = exc
            continue
        items += data.get("vms") or []
    return ({"vms": items}, now) if now is not None else (None, None)


def entry(label, pair):
    """One replications[] entry from the READ items of the VM at each site (``pair``: {"source", "target", "now"},
    ``now`` the answering host's time)."""
    out = {"name": label, "state": "unknown", "health": "critical", "source": None, "replica": None,
           "policy": None, "last_sync": None, "recovery_points": [], "rpo_seconds": None, "age_seconds": None,
           "rpo_compliant": False, "replication_frequency_seconds": None, "test_vms": [], "failover": None}
    errors, reps = [], {}
    for role in ("source", "target"):
        item = pair.get(role)
        if item is None:
            continue
        if not item.get("ok"):
            errors.append("%s: %s" % (role, (item.get("error") or {}).get("message")))
            continue
        data = item.get("data") or {}
        repl = data.get("replication")
        vm = dict(data.get("vm") or {})
        if repl:
            vm.update(role={"Primary": "source", "Replica": "replica"}.get(repl.get("mode"), repl.get("mode")),
                      replication_state=repl.get("state"), replication_health=repl.get("health"))
            reps[role] = repl
        out["source" if role == "source" else "replica"] = vm
        if data.get("recovery_points"):
            out["recovery_points"] = sorted(data["recovery_points"], key=lambda p: p.get("time") or "", reverse=True)
        if data.get("test_vm"):
            out["test_vms"] = [data["test_vm"]]
        if data.get("measure"):
            out.setdefault("measure", {})[role] = data["measure"]
    if errors:
        out["errors"] = errors
    main = reps.get("source") or reps.get("target")
    if not main:
        return out
    freq = settings.frequency(main)
    state = main.get("state")
    out["policy"] = settings.policy_of(main)
    out["replication_frequency_seconds"] = freq
    out["replication_state"] = state
    last = (reps.get("target") or {}).get("last_replication") or main.get("last_replication")
    out["last_sync"] = last
    out.update(rpo.status(freq, last, pair.get("now"), paused=state in settings.PAUSED))
    replica_state = (reps.get("target") or {}).get("state")
    if state in settings.PAUSED:
        out["state"], out["health"] = "paused", "warning"
    elif "source" in reps or "source" not in pair:
        out["state"] = "enabled" if "source" in reps else "unknown"
        health = main.get("health")
        out["health"] = "ok" if health == "Normal" and out["rpo_compliant"] else (
            "warning" if health == "Warning" else "critical")
    if replica_state in settings.FAILED_OVER:
        out["health"] = "failed_over"
        out["failover"] = {"state": replica_state}
    return out
