"""The model document and the queries/mutations every cmdlet area shares.

Layout (JSON, persisted): hosts[name] = {switches, vms{id: vm}, replication_server, auth_entries}.
A VM's replication relationships live in vm["repl"]: "0" is its own relationship (the simple one, or
the extended-replica side on the third host), "1" the extended relationship a replica VM sends on.
Each relationship names its partner (host + relationship key), so both sides stay consistent.
"""
from __future__ import annotations

import copy
import hashlib
import uuid

DEFAULT_SETTINGS = {
    "initial_copy_seconds": 60,      # simulated duration of a network initial copy
    "resync_seconds": 120,           # simulated duration of a resynchronization
    "recovery_point_interval": 3600,  # Hyper-V takes additional recovery points hourly
    "change_rate_bytes_per_sec": 65536,
    "guest_boot_seconds": 0,          # a started guest applies its failover TCP/IP settings this much later
}

HEALTH_FOR_STATE = {
    "Disabled": "NotApplicable", "Error": "Critical", "WaitingForStartResynchronize": "Critical",
    "UpdateError": "Critical", "Suspended": "Warning", "ResynchronizeSuspended": "Warning",
    "FailedOver": "Warning",
}


def new_id():
    return str(uuid.uuid4())


def mac_for(seed):
    h = hashlib.sha1(seed.encode()).hexdigest().upper()
    return "00155D" + h[:6]


def default_health(state):
    return HEALTH_FOR_STATE.get(state, "Normal")


class Model:
    def __init__(self, data):
        self.data = data
        self.data.setdefault("settings", dict(DEFAULT_SETTINGS))
        for k, v in DEFAULT_SETTINGS.items():
            self.data["settings"].setdefault(k, v)
        self.data.setdefault("media", {})
        self.data.setdefault("hosts", {})

    @property
    def settings(self):
        return self.data["settings"]

    @property
    def hosts(self):
        return self.data["hosts"]

    # ------------------------------------------------------------------ hosts
    def resolve_host(self, name):
        """Canonical host name for an FQDN, NetBIOS name or 'localhost' style alias; None if unknown."""
        if not name:
            return None
        low = name.strip().lower().rstrip(".")
        for h, rec in self.hosts.items():
            if low == h.lower() or low == rec["netbios"].lower():
                return h
        return None

    def host(self, name):
        canon = self.resolve_host(name)
        return self.hosts[canon] if canon else None

    # ------------------------------------------------------------------ VMs
    def vms(self, host):
        return list(self.hosts[host]["vms"].values())

    def vm(self, host, vmid):
        return self.hosts[host]["vms"].get(str(vmid).lower())

    def add_vm(self, host, vm):
        self.hosts[host]["vms"][vm["id"]] = vm
        return vm

    def remove_vm(self, host, vmid):
        self.hosts[host]["vms"].pop(str(vmid).lower(), None)

    def new_vm(self, host, name, state="Off", vmid=None, adapters=None, disks=None, generation=2,
               memory_mb=4096, cpus=2, created=0.0):
        vmid = (vmid or new_id()).lower()
        vm = {
            "id": vmid, "name": name, "state": state, "generation": generation, "memory_mb": memory_mb,
            "cpus": cpus, "started_at": created if state == "Running" else None, "created": created, "notes": "",
            "path": "C:\\ProgramData\\Microsoft\\Windows\\Hyper-V", "adapters": adapters or [], "disks": disks or [],
            "repl": {}, "test_of": None, "test_vm": None, "snapshots": [],
        }
        return self.add_vm(host, vm)

    @staticmethod
    def new_adapter(vm_seed, name="Network Adapter", switch=None, ipv4=None, prefix=24, gateway=None, dns=None):
        return {
            "id": new_id(), "name": name, "switch": switch, "mac": mac_for(vm_seed + name),
            "vlan": {"mode": "Untagged", "access": 0, "native": 0, "allowed": []},
            "guest": {"ipv4": [ipv4] if ipv4 else [], "prefix": [prefix] if ipv4 else [],
                      "gateway": [gateway] if gateway else [], "dns": list(dns or [])},
            "failover": None, "test_replica_switch": None,
        }

    def find_vms_by_name(self, host, name):
        low = name.lower()
        return [v for v in self.vms(host) if v["name"].lower() == low]

    # ------------------------------------------------------------------ relationships
    @staticmethod
    def rel(vm, key="0"):
        return vm["repl"].get(key) if vm else None

    def partner(self, rel):
        """(host, vm, rel) on the other end of a relationship, or None if that side is gone."""
        p = rel.get("partner") if rel else None
        if not p:
            return None
        host = p["host"]
        if host not in self.hosts:
            return None
        vm = self.vm(host, p["vm"])
        if vm is None:
            return None
        prel = vm["repl"].get(p["rel"])
        if prel is None:
            return None
        return host, vm, prel

    @staticmethod
    def new_rel(vm_id, mode, relationship, role, state, primary, replica, settings, partner=None):
        rel = {
            "vm_id": vm_id, "mode": mode, "relationship": relationship, "role": role, "state": state,
            "health": default_health(state), "primary": primary, "replica": replica,
            "port": settings.get("port"), "auth": settings.get("auth", "Kerberos"),
            "thumbprint": settings.get("thumbprint"), "frequency": settings.get("frequency", 300),
            "recovery_history": settings.get("recovery_history", 0), "vss_hours": settings.get("vss_hours", 0),
            "compression": settings.get("compression", True), "bypass_proxy": settings.get("bypass_proxy", False),
            "kvp": settings.get("kvp", True), "auto_resync": settings.get("auto_resync", False),
            "auto_resync_start": settings.get("auto_resync_start", 66600),
            "auto_resync_end": settings.get("auto_resync_end", 21600),
            "excluded": list(settings.get("excluded", [])), "allowed_primary": settings.get("allowed_primary"),
            "initial_start_at": None, "initial_ends_at": None, "initial_mode": None,
            "resync_start_at": None, "resync_ends_at": None, "last_replication": None, "last_applied": None,
            "last_type": 0, "next_cycle": None, "failed_over_type": 0, "last_test_failover": None,
            "last_vss": None, "planned": False, "failover_snapshot": None, "suspended_from": None,
            "stats": {"window_start": None, "ok": 0, "missed": 0, "errors": 0, "bytes": 0, "max": 0},
            "partner": partner,
        }
        return rel

    def set_state(self, rel, state, health=None):
        rel["state"] = state
        rel["health"] = health or default_health(state)

    def snapshot_copy(self):
        return copy.deepcopy(self.data)
