"""The guest inside a VM, as far as the lab models it: its own IPv4 settings, and the failover TCP/IP settings its
Key-Value Pair Exchange (KVP) component applies when it boots after a failover.

Microsoft's WMI reference for Msvm_ReplicationService.SetFailoverNetworkAdapterSettings says the settings "are
applied after a failover operation, immediately upon establishing communication with the KVP Exchange integration
component running within the guest operating system". So a replica that was failed over (planned, unplanned or
test) applies them when its guest first boots after the failover, whatever happened to the relationship in between:
the documented planned order (Start-VMFailover, Set-VMReplication -Reverse, Start-VM) reverses before the start, and
the reversed VM still boots with them. The guest keeps them (they become its own static settings, so they survive a
restart and replication back). Cancelling the failover (Stop-VMFailover) reverts the VM, its guest settings included.

The guest "boots" at the first tick after Start-VM (settings["guest_boot_seconds"] later, 0 by default): the engine's
``advance`` runs before every command and every cmdlet, so the next read sees what the guest reports.

A VM whose Key-Value Pair Exchange integration service is disabled (Disable-VMIntegrationService) keeps its own
settings: the lab's stand-in for a guest that does not apply injected settings, such as a Linux guest without the
LIS static IP injection. It still reports its own addresses.
"""
from __future__ import annotations

import copy
import ipaddress

PENDING = "failover_ip_pending"   # vm key: the next boot applies the failover TCP/IP settings
KVP_OFF = "kvp_disabled"          # vm key: the KVP Exchange integration service is disabled
SAVED = "guest_before_failover"   # adapter key: the guest settings before a failover applied its own


def failed_over(vm, source=None):
    """Start-VMFailover made ``vm`` a failed-over replica (or a new test VM, copied from ``source``)."""
    vm[PENDING] = True
    for adapter in vm["adapters"]:
        adapter.pop(SAVED, None)  # a cancel goes back to the settings of this failover's boot, not an older one
    if source is not None and source.get(KVP_OFF):
        vm[KVP_OFF] = True


def cancelled(vm):
    """Stop-VMFailover reverted ``vm`` to the replica it was: its guest settings come back too."""
    vm.pop(PENDING, None)
    for adapter in vm["adapters"]:
        saved = adapter.pop(SAVED, None)
        if saved is not None:
            adapter["guest"] = saved
        adapter.pop("effective_ipv4", None)


def disable_kvp(vm):
    vm[KVP_OFF] = True


def boot(model, now):
    """Guests of failed-over VMs that started apply (or, without KVP, ignore) their failover settings."""
    delay = model.settings.get("guest_boot_seconds", 0)
    for host in list(model.hosts):
        for vm in model.vms(host):
            if vm.get(PENDING) and vm["state"] == "Running" and (vm.get("started_at") or 0) + delay <= now:
                _apply(vm)


def _apply(vm):
    vm.pop(PENDING, None)
    for adapter in vm["adapters"]:
        wanted = adapter.get("failover") or {}
        if vm.get(KVP_OFF) or not wanted.get("IPv4Address"):
            adapter["effective_ipv4"] = list(adapter["guest"]["ipv4"])
            continue
        adapter.setdefault(SAVED, copy.deepcopy(adapter["guest"]))
        dns = [wanted[k] for k in ("IPv4PreferredDNSServer", "IPv4AlternateDNSServer") if wanted.get(k)]
        adapter["guest"] = {"ipv4": [wanted["IPv4Address"]], "prefix": [_prefix(wanted.get("IPv4SubnetMask"))],
                            "gateway": [wanted["IPv4DefaultGateway"]] if wanted.get("IPv4DefaultGateway") else [],
                            "dns": dns}
        adapter["effective_ipv4"] = [wanted["IPv4Address"]]


def _prefix(mask):
    try:
        return ipaddress.IPv4Network("0.0.0.0/%s" % mask).prefixlen
    except ValueError:
        return 24
