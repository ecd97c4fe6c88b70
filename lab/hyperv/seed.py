"""The DR scenario the lab starts from (mirrors the vSphere site): a primary, a replica and an
extended-replica Hyper-V host. No replication is enabled yet."""
from __future__ import annotations

import uuid

from .model.core import DEFAULT_SETTINGS, Model

PRIMARY, REPLICA, EXTENDED = "hv-a1.lab.local", "hv-b1.lab.local", "hv-c1.lab.local"
ROLES = {PRIMARY: "primary", REPLICA: "replica", EXTENDED: "extended-replica"}
# topology "scale" adds a second primary and a second replica host (multi-host sites, benchmarks)
PRIMARY2, REPLICA2 = "hv-a2.lab.local", "hv-b2.lab.local"
SCALE_ROLES = {PRIMARY2: "primary", REPLICA2: "replica"}
TOPOLOGIES = ("standard", "scale")
DOMAIN = "lab.local"
# placeholder thumbprint of each host's replica certificate (certificates themselves are not modeled)
THUMBPRINTS = {h: uuid.uuid5(uuid.NAMESPACE_DNS, "cert." + h).hex.upper()[:40].ljust(40, "0")
               for h in list(ROLES) + list(SCALE_ROLES)}


def roles(topology="standard"):
    """Host name -> role of the hosts a topology serves."""
    if topology not in TOPOLOGIES:
        raise ValueError("unknown topology %r (one of %s)" % (topology, ", ".join(TOPOLOGIES)))
    return dict(ROLES, **SCALE_ROLES) if topology == "scale" else dict(ROLES)


def _server(enabled=False, auth=None, thumbprint=None, storage=None):
    return {"enabled": enabled, "auth": auth, "kerberos_port": 80, "certificate_port": 443,
            "thumbprint": thumbprint, "allow_any": False, "default_storage": storage,
            "monitoring_interval": 43200, "monitoring_start": 0}


def _switch(host, name, kind, adapter=None):
    return {"name": name, "id": str(uuid.uuid5(uuid.NAMESPACE_DNS, "switch.%s.%s" % (name, host))), "type": kind,
            "adapter": adapter}


def _host(name, role):
    netbios = name.split(".", 1)[0].upper()
    return {"name": name, "netbios": netbios, "role": role, "switches": [], "vms": {},
            "replication_server": _server(), "auth_entries": []}


def vm_id(host, name):
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, "vm.%s.%s" % (name, host)))


def add_vm(model, host, name, switch=None, ip=None, prefix=24, gateway=None, dns=None, state="Running",
           disks_gb=(40,), now=0.0, memory_mb=4096, cpus=2, nics=None):
    """A VM with one network adapter (``switch``, ``ip`` ...), or one per entry of ``nics`` ({switch, ip, prefix,
    gateway, dns, name}). Adapters are all named "Network Adapter" unless a name is given, as Hyper-V names them."""
    specs = nics or [{"switch": switch, "ip": ip, "prefix": prefix, "gateway": gateway, "dns": dns}]
    adapters = []
    for index, nic in enumerate(specs):
        seed_text = vm_id(host, name) + ("#%d" % index if index else "")  # distinct MACs for same-named adapters
        adapters.append(Model.new_adapter(seed_text, name=nic.get("name") or "Network Adapter",
                                          switch=nic.get("switch"), ipv4=nic.get("ip"),
                                          prefix=int(nic.get("prefix") or 24), gateway=nic.get("gateway"),
                                          dns=nic.get("dns") or (["10.10.0.10"] if nic.get("ip") else [])))
    disks = []
    for i, size in enumerate(disks_gb):
        fname = "%s.vhdx" % name if i == 0 else "%s-data%d.vhdx" % (name, i)
        disks.append({"path": "D:\\Hyper-V\\%s\\Virtual Hard Disks\\%s" % (name, fname), "size_gb": size,
                      "controller_type": "SCSI", "controller_number": 0, "location": i})
    vm = model.new_vm(host, name, state, vm_id(host, name), adapters, disks, 2, memory_mb, cpus, created=now)
    for a in vm["adapters"]:
        a["effective_ipv4"] = list(a["guest"]["ipv4"]) if state == "Running" else []
    return vm


def seed(now, topology="standard"):
    model = Model({"settings": dict(DEFAULT_SETTINGS), "hosts": {}, "media": {}, "topology": topology})
    for name, role in ROLES.items():
        model.hosts[name] = _host(name, role)
    a, b, c = (model.hosts[h] for h in (PRIMARY, REPLICA, EXTENDED))
    a["switches"] = [_switch(PRIMARY, "prod-web", "External", "Intel(R) Ethernet Controller X710 #1"),
                     _switch(PRIMARY, "prod-db", "External", "Intel(R) Ethernet Controller X710 #2")]
    b["switches"] = [_switch(REPLICA, "dr-web", "External", "Intel(R) Ethernet Controller X710 #1"),
                     _switch(REPLICA, "dr-db", "External", "Intel(R) Ethernet Controller X710 #2"),
                     _switch(REPLICA, "dr-test", "Private")]
    c["switches"] = [_switch(EXTENDED, "ext-web", "External", "Intel(R) Ethernet Controller X710 #1"),
                     _switch(EXTENDED, "ext-db", "External", "Intel(R) Ethernet Controller X710 #2"),
                     _switch(EXTENDED, "ext-test", "Private")]
    for host, rec in ((REPLICA, b), (EXTENDED, c)):
        rec["replication_server"] = _server(True, "CertificateAndKerberos", THUMBPRINTS[host], "D:\\Hyper-V Replica")
        rec["auth_entries"] = [{"allowed_primary_server": PRIMARY, "storage": "D:\\Hyper-V Replica",
                                "trust_group": "DEFAULT"}]
    # the extended relationship is sent by hv-b1, so hv-c1 must authorize it as a primary too
    c["auth_entries"].append({"allowed_primary_server": REPLICA, "storage": "D:\\Hyper-V Replica",
                              "trust_group": "DEFAULT"})
    if topology == "scale":
        _scale_hosts(model)
    add_vm(model, PRIMARY, "hv-web-01", "prod-web", "10.10.1.41", 24, "10.10.1.1", now=now)
    add_vm(model, PRIMARY, "hv-db-01", "prod-db", "10.10.2.41", 24, "10.10.2.1", disks_gb=(60, 200), now=now,
           memory_mb=8192, cpus=4)
    # multi-NIC VMs, Off so that they change no host's free memory: both adapters are named "Network Adapter", as
    # Hyper-V names them, so only the adapter object (or its position) tells them apart. hv-chain-01 is the VM of the
    # extended chain hv-a1 -> hv-b1 -> hv-c1 (both replica servers authorize the hop they receive).
    for name, host_octet in (("hv-app-01", 51), ("hv-chain-01", 61)):
        add_vm(model, PRIMARY, name, state="Off", disks_gb=(20,), now=now, memory_mb=2048, cpus=2, nics=[
            {"switch": "prod-web", "ip": "10.10.1.%d" % host_octet, "prefix": 24, "gateway": "10.10.1.1"},
            {"switch": "prod-db", "ip": "10.10.2.%d" % host_octet, "prefix": 24, "gateway": "10.10.2.1"}])
    return model.data


def _scale_hosts(model):
    """hv-a2 mirrors hv-a1 (no VMs) and hv-b2 mirrors hv-b1; both replica hosts accept both primaries."""
    a2, b2 = _host(PRIMARY2, "primary"), _host(REPLICA2, "replica")
    a2["switches"] = [_switch(PRIMARY2, "prod-web", "External", "Intel(R) Ethernet Controller X710 #1"),
                      _switch(PRIMARY2, "prod-db", "External", "Intel(R) Ethernet Controller X710 #2")]
    b2["switches"] = [_switch(REPLICA2, "dr-web", "External", "Intel(R) Ethernet Controller X710 #1"),
                      _switch(REPLICA2, "dr-db", "External", "Intel(R) Ethernet Controller X710 #2"),
                      _switch(REPLICA2, "dr-test", "Private")]
    b2["replication_server"] = _server(True, "CertificateAndKerberos", THUMBPRINTS[REPLICA2], "D:\\Hyper-V Replica")
    model.hosts[PRIMARY2], model.hosts[REPLICA2] = a2, b2
    for replica in (model.hosts[REPLICA], b2):
        known = set(e["allowed_primary_server"] for e in replica["auth_entries"])
        for primary in (PRIMARY, PRIMARY2):
            if primary not in known:
                replica["auth_entries"].append({"allowed_primary_server": primary, "storage": "D:\\Hyper-V Replica",
                                                "trust_group": "DEFAULT"})
