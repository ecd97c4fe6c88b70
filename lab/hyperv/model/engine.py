"""Replication over simulated time: scheduled starts, initial copies, resyncs, delta cycles and
recovery points, and guests that boot after a failover (model/guest.py). `advance(model, now)` is idempotent
and is called before every command and by the lab's advance hook, so nothing depends on a background thread."""
from __future__ import annotations

import math

from . import guest
from .core import new_id

_ACCEPTING = ("Replicating", "Suspended", "Resynchronizing", "WaitingForUpdateCompletion")


def source_rels(model):
    for host in list(model.hosts):
        for vm in model.vms(host):
            for key, rel in list(vm["repl"].items()):
                if rel.get("role") == "source":
                    yield host, vm, key, rel


def advance(model, now):
    for host, vm, key, rel in list(source_rels(model)):
        _advance_rel(model, host, vm, rel, now)
    guest.boot(model, now)


def _partner_ok(model, rel):
    p = model.partner(rel)
    if p is None:
        return None, "missing"
    _, pvm, prel = p
    if prel.get("role") != "target":
        return p, "not-target"
    if prel["state"] in _ACCEPTING or prel["state"] == "WaitingForInitialReplication":
        return p, "ok"
    return p, prel["state"]


def start_initial(model, rel, t, mode="network"):
    s = model.settings
    model.set_state(rel, "InitialReplicationInProgress")
    rel["initial_start_at"] = None
    rel["initial_mode"] = mode
    rel["initial_ends_at"] = t + s["initial_copy_seconds"] if mode in ("network", "backup") else None
    rel["stats"]["window_start"] = rel["stats"]["window_start"] or t


def complete_initial(model, rel, t):
    """Both sides become Replicating; the copy counts as the first completed replication."""
    model.set_state(rel, "Replicating")
    rel["initial_ends_at"] = None
    rel["initial_mode"] = None
    rel["last_replication"] = t
    rel["last_type"] = 1
    rel["next_cycle"] = t + rel["frequency"]
    p = model.partner(rel)
    if p is not None:
        _, pvm, prel = p
        if prel["state"] in ("WaitingForInitialReplication", "Replicating"):
            model.set_state(prel, "Replicating")
        prel["last_replication"] = t
        prel["last_applied"] = t
        prel["last_type"] = 1
        prel["next_rp"] = _next_rp(model, t)


def _next_rp(model, t):
    iv = model.settings["recovery_point_interval"]
    return (math.floor(t / iv) + 1) * iv


def _advance_rel(model, host, vm, rel, now):
    s = model.settings
    if rel["state"] == "ReadyForInitialReplication" and rel.get("initial_start_at") is not None \
            and rel["initial_start_at"] <= now:
        start_initial(model, rel, rel["initial_start_at"])
    if rel["state"] == "InitialReplicationInProgress" and rel.get("initial_ends_at") is not None \
            and rel["initial_ends_at"] <= now:
        complete_initial(model, rel, rel["initial_ends_at"])
    if rel["state"] == "WaitingForStartResynchronize" and rel.get("resync_start_at") is not None \
            and rel["resync_start_at"] <= now:
        t = rel["resync_start_at"]
        rel["resync_start_at"] = None
        model.set_state(rel, "Resynchronizing")
        rel["resync_ends_at"] = t + s["resync_seconds"]
    if rel["state"] == "Resynchronizing" and rel.get("resync_ends_at") is not None and rel["resync_ends_at"] <= now:
        t = rel["resync_ends_at"]
        rel["resync_ends_at"] = None
        model.set_state(rel, "Replicating")
        rel["last_replication"] = t
        rel["next_cycle"] = t + rel["frequency"]
        p = model.partner(rel)
        if p is not None and p[2]["state"] in ("Resynchronizing", "Replicating"):
            model.set_state(p[2], "Replicating")
            p[2]["last_replication"] = p[2]["last_applied"] = t
    if rel["state"] == "Replicating" and rel.get("next_cycle") is not None and rel["next_cycle"] <= now:
        _cycles(model, host, vm, rel, now)


def _cycles(model, host, vm, rel, now):
    freq = rel["frequency"]
    first = rel["next_cycle"]
    n = int((now - first) // freq) + 1
    last = first + (n - 1) * freq
    p, status = _partner_ok(model, rel)
    st = rel["stats"]
    if status != "ok":
        # the replica no longer accepts changes (failed over, removed, gone): replication fails
        model.set_state(rel, "Error")
        rel["next_cycle"] = None
        st["errors"] += 1
        return
    _, pvm, prel = p
    size = _cycle_bytes(model, vm, freq)
    st["ok"] += n
    st["bytes"] += size * n
    st["max"] = max(st["max"], size)
    rel["last_replication"] = last
    rel["last_type"] = 1
    rel["next_cycle"] = last + freq
    prel["last_replication"] = last
    if prel["state"] == "Suspended":
        return  # the replica receives the logs but does not apply them
    prev_applied = prel.get("last_applied") or first
    prel["last_applied"] = last
    _recovery_points(model, pvm, prel, prev_applied, last)


def _cycle_bytes(model, vm, freq):
    disks_gb = sum(d.get("size_gb", 40) for d in vm.get("disks", [])) or 40
    return int(model.settings["change_rate_bytes_per_sec"] * freq * (disks_gb / 40.0))


def _recovery_points(model, vm, rel, since, until):
    keep = rel.get("recovery_history", 0)
    if keep <= 0:
        return
    iv = model.settings["recovery_point_interval"]
    nxt = rel.get("next_rp") or _next_rp(model, since)
    if nxt > until:
        return
    count = int((until - nxt) // iv) + 1
    start_idx = max(0, count - keep)  # only the newest `keep` can survive pruning
    vss = rel.get("vss_hours", 0)
    for i in range(start_idx, count):
        t = nxt + i * iv
        app = vss > 0 and int(t // 3600) % vss == 0
        if app:
            rel["last_vss"] = t
        vm["snapshots"].append({
            "id": new_id(), "type": 7 if app else 6, "created": t,
            "name": "%s - %s - (%s)" % (vm["name"], "Application-consistent Replica" if app else "Standard Replica",
                                        _stamp(t)),
        })
    rel["next_rp"] = nxt + count * iv
    recovery = [s for s in vm["snapshots"] if s["type"] in (6, 7, 8)]
    if len(recovery) > keep:
        drop = {s["id"] for s in sorted(recovery, key=lambda s: s["created"])[:len(recovery) - keep]}
        vm["snapshots"] = [s for s in vm["snapshots"] if s["id"] not in drop]


def _stamp(t):
    import datetime
    d = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=t)
    h = d.hour % 12 or 12
    return "%d/%d/%d - %d:%02d:%02d %s" % (d.month, d.day, d.year, h, d.minute, d.second,
                                         "AM" if d.hour < 12 else "PM")


def pending_bytes(model, vm, rel, now):
    if rel.get("role") != "source" or rel["state"] not in ("Replicating", "Suspended", "Error",
                                                            "WaitingForStartResynchronize"):
        return 0
    last = rel.get("last_replication")
    if last is None:
        return 0
    disks_gb = sum(d.get("size_gb", 40) for d in vm.get("disks", [])) or 40
    return int(max(0.0, now - last) * model.settings["change_rate_bytes_per_sec"] * (disks_gb / 40.0))
