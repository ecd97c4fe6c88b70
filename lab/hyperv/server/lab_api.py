"""Lab-only control paths (Basic-authenticated, served next to /wsman on every listener).

GET  /lab/stats                      per-host counters (WinRM Command messages, shells, cmdlets ...)
POST /lab/stats/reset                zero the counters
POST /lab/advance?seconds=N          move simulated time forward (replication cycles, recovery points)
POST /lab/time?factor=F              accelerate (or slow) simulated time
POST /lab/latency?ms=N[&host=H]      delay every command on a host (all hosts without `host`)
POST /lab/fault   {json}             drop a connection or make a cmdlet fail (see README)
POST /lab/fault/clear[?host=H]       remove injected faults
POST /lab/force   {json}             force a relationship's state/health (states the lab cannot reach)
POST /lab/vms     {json}             add VMs to a host (scale tests)
POST /lab/hardware {json}            set a host's processors, memory, host reserve or volumes (capacity tests)
POST /lab/restore {json}             restore a VM from "backup" onto another host (same Id, Off, no replication)
POST /lab/reset                      back to the seeded site, counters zeroed
GET  /lab/model                      the raw model document
GET  /lab/hosts                      host names and roles
"""
from __future__ import annotations

from ..model.core import default_health
from ..model.enums import VMReplicationHealthState, VMReplicationState
from .. import seed as seeding


def _host(srv, name):
    if not name:
        return None
    canon = srv.site.model.resolve_host(name)
    if canon is None:
        raise KeyError("unknown host %r" % name)
    return canon


def handle(srv, method, path, query, data):
    site = srv.site
    args = dict(query)
    args.update(data if isinstance(data, dict) else {})
    try:
        if path == "/lab/stats" and method == "GET":
            return 200, stats(site)
        if path == "/lab/stats/reset" and method == "POST":
            site.reset_stats()
            return 200, stats(site)
        if path == "/lab/advance" and method == "POST":
            now = site.advance(float(args.get("seconds", 0)))
            return 200, {"sim_time": now}
        if path == "/lab/time" and method == "POST":
            site.set_time_factor(float(args["factor"]))
            return 200, {"sim_time": site.clock.now(), "factor": site.clock.factor}
        if path == "/lab/latency" and method == "POST":
            host = _host(srv, args.get("host"))
            for h in ([host] if host else list(site.latency_ms)):
                site.latency_ms[h] = int(args.get("ms", 0))
            return 200, {"latency_ms": site.latency_ms}
        if path == "/lab/fault" and method == "POST":
            site.add_fault(_host(srv, args.get("host")), args)
            return 200, {"faults": site.faults}
        if path == "/lab/fault/clear" and method == "POST":
            site.clear_faults(_host(srv, args.get("host")))
            return 200, {"faults": site.faults}
        if path == "/lab/force" and method == "POST":
            return force(site, srv, args)
        if path == "/lab/vms" and method == "POST":
            return add_vms(site, srv, args)
        if path == "/lab/hardware" and method == "POST":
            return set_hardware(site, srv, args)
        if path == "/lab/restore" and method == "POST":
            return restore(site, srv, args)
        if path == "/lab/reset" and method == "POST":
            site.reset()
            return 200, {"reset": True, "sim_time": site.clock.now()}
        if path == "/lab/model" and method == "GET":
            with site.lock:
                return 200, site.model.snapshot_copy()
        if path == "/lab/hosts" and method == "GET":
            return 200, {h: {"role": r["role"], "netbios": r["netbios"]} for h, r in site.model.hosts.items()}
    except KeyError as e:
        return 400, {"error": "missing or unknown value: %s" % e}
    except (ValueError, TypeError) as e:
        return 400, {"error": str(e)}
    return 404, {"error": "no such lab path: %s %s" % (method, path)}


def stats(site):
    return {"hosts": site.stats_snapshot(), "sim_time": site.clock.now(), "time_factor": site.clock.factor,
            "latency_ms": dict(site.latency_ms)}


def _find_vm(site, host, name):
    hits = [v for v in site.model.vms(host) if v["name"].lower() == str(name).lower() or v["id"] == str(name).lower()]
    if not hits:
        raise KeyError("vm %r on %s" % (name, host))
    return hits[0]


def force(site, srv, args):
    host = _host(srv, args["host"])
    with site.lock:
        site.tick()
        vm = _find_vm(site, host, args["vm"])
        rel = vm["repl"].get(str(args.get("rel", "0")))
        if rel is None:
            return 409, {"error": "no relationship %s on %s" % (args.get("rel", "0"), vm["name"])}
        if "state" in args:
            state = VMReplicationState(args["state"]).name
            rel["state"] = state
            rel["health"] = default_health(state)
            if state == "Replicating" and rel.get("role") == "source" and rel.get("next_cycle") is None:
                rel["next_cycle"] = site.clock.now() + rel["frequency"]
        if "health" in args:
            rel["health"] = VMReplicationHealthState(args["health"]).name
        if "vm_state" in args:
            vm["state"] = args["vm_state"]
        site.save()
        return 200, {"vm": vm["name"], "state": rel["state"], "health": rel["health"]}


def add_vms(site, srv, args):
    host = _host(srv, args["host"])
    created = []
    with site.lock:
        for spec in args.get("vms", []):
            vm = seeding.add_vm(site.model, host, spec["name"], spec.get("switch"), spec.get("ip"),
                                int(spec.get("prefix", 24)), spec.get("gateway"), spec.get("dns"),
                                spec.get("state", "Running"), tuple(spec.get("disks_gb", (40,))), site.clock.now(),
                                int(spec.get("memory_mb", 4096)), int(spec.get("cpus", 2)), spec.get("nics"))
            created.append({"name": vm["name"], "id": vm["id"]})
        site.save()
    return 200, {"created": created}


def set_hardware(site, srv, args):
    """{"host", "logical_processors", "memory_mb", "host_reserve_mb", "volumes": [{"letter", "label", "size_gb",
    "used_gb"}]}: the keys given replace the host's; {"host", "reset": true} restores the defaults."""
    from ..cmdlets.host import hardware
    host = _host(srv, args["host"])
    with site.lock:
        if args.get("reset"):
            site.model.hosts[host].pop("hardware", None)
        hw = hardware(site.model, host)
        for key in ("logical_processors", "memory_mb", "host_reserve_mb"):
            if key in args:
                hw[key] = int(args[key])
        if "volumes" in args:
            hw["volumes"] = [{"letter": str(v["letter"])[:1].upper(), "label": v.get("label", ""),
                              "size_gb": float(v["size_gb"]), "used_gb": float(v.get("used_gb", 0))}
                             for v in args["volumes"]]
        site.save()
        return 200, {"host": host, "hardware": hw}


def restore(site, srv, args):
    """{"host", "vm", "to"}: what restoring the VM's backup on another host gives: the same Id and name, Off,
    no replication, adapters on same-named switches (or not connected). The copy is marked as restored, which
    is what Start-VMInitialReplication -UseBackup needs on the replica side."""
    from ..cmdlets.replication import create_replica_vm
    host, dest = _host(srv, args["host"]), _host(srv, args["to"])
    with site.lock:
        site.tick()
        vm = _find_vm(site, host, args["vm"])
        if site.model.vm(dest, vm["id"]) is not None:
            return 409, {"error": "a VM with the Id of %s already exists on %s" % (vm["name"], dest)}
        copy = create_replica_vm(site.model, dest, vm, site.model.hosts[dest]["replication_server"].get("default_storage"))
        copy["restored"] = True
        site.save()
        return 200, {"vm": copy["name"], "id": copy["id"], "host": dest}
