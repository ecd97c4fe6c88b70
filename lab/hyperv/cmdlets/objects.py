"""Projections of model records into the .NET-shaped objects Hyper-V cmdlets write (reference §4)."""
from __future__ import annotations

from ..model import enums as E
from ..ps.formatting import register_table
from ..ps.values import CIDict, PSDateTime, PSGuid, PSObject, PSTimeSpan

NS = "Microsoft.HyperV.PowerShell."


def _dt(t):
    return None if t is None else PSDateTime.from_epoch(t, "Local")


def _tn(name, *bases):
    return [NS + name] + [NS + b for b in bases] + ["System.Object"]


def _obj(type_names, pairs, to_string=None, hidden=None):
    return PSObject(CIDict(pairs), type_names=type_names, to_string=to_string, hidden=hidden or {})


class Projector:
    def __init__(self, site, host_name, legacy_module=lambda: False):
        self.site = site
        self.model = site.model
        self.host_name = host_name
        self.legacy_module = legacy_module

    def now(self):
        return self.site.clock.now()

    # ------------------------------------------------------------------ VM
    def vm(self, host, vm):
        now = self.now()
        running = vm["state"] == "Running"
        rel = vm["repl"].get("0")
        mode = rel["mode"] if rel else "None"
        state_name = rel["state"] if rel else "Disabled"
        if self.legacy_module():
            state = E.VMReplicationState(state_name)
        else:
            # Hyper-V module 2.0 on 2016/2019 casts the WMI number straight to the PowerShell enum
            # (reference §3): Replicating (WMI 3) reads as WaitingForInitialReplication (3).
            state = E.VMReplicationState(E.WMI_STATE.get(state_name, 0))
        health = rel["health"] if rel else "NotApplicable"
        uptime = PSTimeSpan.from_seconds(int(now - vm["started_at"])) if running and vm.get("started_at") else \
            PSTimeSpan(0)
        vm_id = PSGuid(vm["id"])
        name = vm["name"]
        obj = _obj(_tn("VirtualMachine", "VirtualMachineBase"), [
            ("Name", name), ("Id", vm_id), ("VMId", vm_id), ("VMName", name),
            ("State", E.VMState(vm["state"])), ("Status", "Operating normally"),
            ("OperationalStatus", [E.VMOperationalStatus("Ok")]),
            ("CPUUsage", 2 if running else 0), ("MemoryAssigned", vm["memory_mb"] * 1048576 if running else 0),
            ("MemoryStartup", vm["memory_mb"] * 1048576), ("DynamicMemoryEnabled", False),
            ("ProcessorCount", vm["cpus"]), ("Uptime", uptime), ("Generation", vm["generation"]),
            ("Version", "9.0"), ("IsClustered", False), ("Notes", vm.get("notes", "")),
            ("ReplicationState", state), ("ReplicationHealth", E.VMReplicationHealthState(health)),
            ("ReplicationMode", E.VMReplicationMode(mode)), ("Path", vm["path"]),
            ("CreationTime", _dt(vm.get("created"))), ("ParentSnapshotName", None), ("ParentSnapshotId", None),
            ("NetworkAdapters", [self.adapter(host, vm, a) for a in vm["adapters"]]),
            ("HardDrives", [self.disk(host, vm, d) for d in vm["disks"]]),
            ("ComputerName", self._netbios(host)), ("IsDeleted", False),
        ], to_string=lambda: "VirtualMachine (Name = '%s') [Id = '%s']" % (name, vm_id),
            hidden={"host": host, "vm_id": vm["id"]})
        return obj

    def _netbios(self, host):
        return self.model.hosts[host]["netbios"]

    def disk(self, host, vm, d):
        return _obj(_tn("HardDiskDrive", "HardDiskDriveBase"), [
            ("VMName", vm["name"]), ("ControllerType", d.get("controller_type", "SCSI")),
            ("ControllerNumber", d.get("controller_number", 0)), ("ControllerLocation", d.get("location", 0)),
            ("Path", d["path"]), ("DiskNumber", None), ("ComputerName", self._netbios(host)), ("IsDeleted", False)],
            to_string=lambda: "HardDiskDrive (Name = 'Hard Drive on %s controller number %d at location %d') "
                              "[VMName = '%s']" % (d.get("controller_type", "SCSI"), d.get("controller_number", 0),
                                                   d.get("location", 0), vm["name"]),
            hidden={"host": host, "vm_id": vm["id"], "path": d["path"]})

    # ------------------------------------------------------------------ network
    def vlan(self, host, vm, a):
        v = a["vlan"]
        allowed = list(v.get("allowed") or [])
        return _obj(_tn("VMNetworkAdapterVlanSetting"), [
            ("VMName", vm["name"]), ("AdapterName", a["name"]),
            ("OperationMode", E.VMNetworkAdapterVlanMode(v["mode"])), ("AccessVlanId", v.get("access", 0)),
            ("NativeVlanId", v.get("native", 0)), ("AllowedVlanIdList", allowed),
            ("AllowedVlanIdListString", _ranges(allowed)), ("ComputerName", self._netbios(host)),
            ("IsDeleted", False)],
            to_string=lambda: "VMNetworkAdapterVlanSetting")

    def adapter(self, host, vm, a):
        running = vm["state"] == "Running"
        ips = list(a.get("effective_ipv4") or a["guest"]["ipv4"]) if running and a.get("switch") else []
        switch = None
        if a.get("switch"):
            sw = [s for s in self.model.hosts[host]["switches"] if s["name"].lower() == a["switch"].lower()]
            switch = sw[0] if sw else None
        return _obj(_tn("VMNetworkAdapter", "VMNetworkAdapterBase"), [
            ("Name", a["name"]), ("Id", "Microsoft:%s\\%s" % (vm["id"].upper(), a["id"].upper())),
            ("VMName", vm["name"]), ("VMId", PSGuid(vm["id"])), ("SwitchName", a.get("switch")),
            ("SwitchId", PSGuid(switch["id"]) if switch else None), ("MacAddress", a["mac"]),
            ("DynamicMacAddressEnabled", True), ("IPAddresses", ips),
            ("Status", ["Ok"] if running and a.get("switch") else []), ("Connected", bool(a.get("switch"))),
            ("IsLegacy", False), ("IsManagementOs", False), ("VlanSetting", self.vlan(host, vm, a)),
            ("TestReplicaSwitchName", a.get("test_replica_switch")), ("TestReplicaPoolName", None),
            ("ComputerName", self._netbios(host)), ("IsDeleted", False)],
            to_string=lambda: "VMNetworkAdapter (Name = '%s', VMName = '%s') [VMId = '%s']"
                              % (a["name"], vm["name"], vm["id"]),
            hidden={"host": host, "vm_id": vm["id"], "adapter_id": a["id"]})

    def switch(self, host, sw):
        return _obj(_tn("VMSwitch"), [
            ("Name", sw["name"]), ("Id", PSGuid(sw["id"])), ("SwitchType", E.VMSwitchType(sw["type"])),
            ("NetAdapterInterfaceDescription", sw.get("adapter") if sw["type"] == "External" else None),
            ("AllowManagementOS", sw["type"] != "Private"), ("Notes", ""), ("ComputerName", self._netbios(host)),
            ("IsDeleted", False)],
            to_string=lambda: "VMSwitch (Name = '%s') [Id = '%s']" % (sw["name"], sw["id"]),
            hidden={"host": host, "switch_id": sw["id"]})

    def failover_setting(self, host, vm, a):
        f = a.get("failover") or {}
        return _obj(_tn("VMNetworkAdapterFailoverSetting"), [
            ("VMName", vm["name"]), ("VMNetworkAdapterName", a["name"]),
            ("IPv4Address", f.get("IPv4Address")), ("IPv4SubnetMask", f.get("IPv4SubnetMask")),
            ("IPv4DefaultGateway", f.get("IPv4DefaultGateway")),
            ("IPv4PreferredDNSServer", f.get("IPv4PreferredDNSServer")),
            ("IPv4AlternateDNSServer", f.get("IPv4AlternateDNSServer")),
            ("IPv6Address", f.get("IPv6Address")),
            ("IPv6SubnetPrefixLength", None if f.get("IPv6SubnetPrefixLength") is None
             else str(f["IPv6SubnetPrefixLength"])),
            ("IPv6DefaultGateway", f.get("IPv6DefaultGateway")),
            ("IPv6PreferredDNSServer", f.get("IPv6PreferredDNSServer")),
            ("IPv6AlternateDNSServer", f.get("IPv6AlternateDNSServer")),
            ("ProtocolIFType", 4096), ("ComputerName", self._netbios(host)), ("IsDeleted", False)],
            to_string=lambda: "VMNetworkAdapterFailoverSetting")

    # ------------------------------------------------------------------ replication
    def _base_pairs(self, host, vm, rel):
        return [
            ("VMName", vm["name"]), ("VMId", PSGuid(vm["id"])),
            ("ReplicationState", E.VMReplicationState(rel["state"])),
            ("ReplicationHealth", E.VMReplicationHealthState(rel["health"])),
            ("ReplicationMode", E.VMReplicationMode(rel["mode"])),
            ("ReplicationRelationshipType", E.VMReplicationRelationshipType(rel["relationship"])),
            ("PrimaryServerName", rel.get("primary")), ("ReplicaServerName", rel.get("replica")),
            ("CurrentReplicaServerName", rel.get("replica")),
        ]

    def replication(self, host, vm, key):
        rel = vm["repl"][key]
        excluded = [d for d in vm["disks"] if d["path"] in rel.get("excluded", [])]
        replicated = [d for d in vm["disks"] if d["path"] not in rel.get("excluded", [])]
        test = self.model.vm(host, vm["test_vm"]) if vm.get("test_vm") else None
        pairs = self._base_pairs(host, vm, rel) + [
            ("AllowedPrimaryServer", rel.get("allowed_primary")), ("ReplicaServerPort", rel.get("port")),
            ("ReplicationFrequencySec", rel["frequency"]), ("RecoveryHistory", rel["recovery_history"]),
            ("VSSSnapshotFrequencyHour", rel["vss_hours"]),
            ("AuthenticationType", E.ReplicationAuthenticationType(rel["auth"]) if rel.get("auth") else None),
            ("CertificateThumbprint", rel.get("thumbprint")), ("CompressionEnabled", rel["compression"]),
            ("BypassProxyServer", rel["bypass_proxy"]), ("ReplicateHostKvpItems", rel["kvp"]),
            ("EnableWriteOrderPreservationAcrossDisks", True), ("AutoResynchronizeEnabled", rel["auto_resync"]),
            ("VSSSnapshotReplicationEnabled", rel["vss_hours"] > 0),
            ("AutoResynchronizeIntervalStart", PSTimeSpan.from_seconds(rel["auto_resync_start"])),
            ("AutoResynchronizeIntervalEnd", PSTimeSpan.from_seconds(rel["auto_resync_end"])),
            ("InitialReplicationStartTime", _dt(rel.get("initial_start_at"))),
            ("ResynchronizeStartTime", _dt(rel.get("resync_start_at"))),
            ("LastReplicationTime", _dt(rel.get("last_replication"))),
            ("LastAppliedLogTime", _dt(rel.get("last_applied"))),
            ("ReplicatedDisks", [self.disk(host, vm, d) for d in replicated]),
            ("ExcludedDisks", [self.disk(host, vm, d) for d in excluded]),
            ("TestVirtualMachine", self.vm(host, test) if test else None),
            ("ComputerName", self._netbios(host)), ("IsDeleted", False),
        ]
        return _obj(_tn("VMReplication", "VMReplicationBase"), pairs,
                    to_string=lambda: "VMReplication (VMName = '%s') [VMId = '%s']" % (vm["name"], vm["id"]),
                    hidden={"host": host, "vm_id": vm["id"], "rel": key})

    def health(self, host, vm, key):
        from ..model.engine import pending_bytes
        rel = vm["repl"][key]
        st = rel["stats"]
        now = self.now()
        size = sum(d.get("size_gb", 40) for d in vm["disks"]) * 1024 ** 3
        avg = int(st["bytes"] / st["ok"]) if st["ok"] else 0
        window = self.model.hosts[host]["replication_server"].get("monitoring_interval", 43200)
        task = None
        if rel["state"] == "InitialReplicationInProgress":
            task = "Sending initial replica" if rel.get("initial_mode") != "export" else "Waiting for import"
        elif rel["state"] == "Resynchronizing":
            task = "Resynchronization"
        details = []
        if rel["health"] == "Critical":
            details.append("Replication is in critical state for virtual machine '%s'." % vm["name"])
        elif rel["health"] == "Warning":
            details.append("Replication health is in a warning state for virtual machine '%s'." % vm["name"])
        pairs = self._base_pairs(host, vm, rel) + [
            ("CurrentTask", task), ("MonitoringStartTime", _dt(now - window)), ("MonitoringEndTime", _dt(now)),
            ("LastTestFailoverInitiatedTime", _dt(rel.get("last_test_failover"))),
            ("LastVSSSnapshotTime", _dt(rel.get("last_vss"))),
            ("LastReplicationTime", _dt(rel.get("last_replication"))),
            ("LastReplicationType", E.VMReplicationType(rel.get("last_type", 0))),
            ("FailedOverReplicationType", E.VMReplicationType(rel.get("failed_over_type", 0))),
            ("InitialReplicationSize", rel.get("initial_bytes", size) if rel.get("role") == "source" else 0),
            ("PendingReplicationSize", pending_bytes(self.model, vm, rel, now)),
            ("AverageReplicationSize", avg), ("MaximumReplicationSize", st["max"]),
            ("AverageReplicationLatency", PSTimeSpan.from_seconds(2) if st["ok"] else None),
            ("MaximumReplicationLatency", PSTimeSpan.from_seconds(5) if st["ok"] else None),
            ("ReplicationErrors", st["errors"]), ("SuccessfulReplicationCount", st["ok"]),
            ("MissedReplicationCount", st["missed"]), ("ReplicationHealthDetails", details),
            ("ComputerName", self._netbios(host)), ("IsDeleted", False),
        ]
        return _obj(_tn("VMReplicationHealth", "VMReplicationBase"), pairs,
                    to_string=lambda: "VMReplicationHealth (VMName = '%s')" % vm["name"],
                    hidden={"host": host, "vm_id": vm["id"], "rel": key})

    def snapshot(self, host, vm, s):
        sid = PSGuid(s["id"])
        return _obj(_tn("VMSnapshot", "VirtualMachineBase"), [
            ("Name", s["name"]), ("Id", sid), ("VMName", vm["name"]), ("VMId", PSGuid(vm["id"])),
            ("SnapshotType", E.SnapshotType(s["type"])), ("State", E.VMState("Off")),
            ("CreationTime", _dt(s["created"])), ("ParentSnapshotId", None), ("ParentSnapshotName", None),
            ("Path", vm["path"]), ("ComputerName", self._netbios(host)), ("IsDeleted", False)],
            to_string=lambda: "VMSnapshot (Name = '%s') [Id = '%s']" % (s["name"], sid),
            hidden={"host": host, "vm_id": vm["id"], "snapshot_id": s["id"]})

    def server(self, host):
        srv = self.model.hosts[host]["replication_server"]
        auth = srv.get("auth")
        return _obj(_tn("VMReplicationServer"), [
            ("ComputerName", self._netbios(host)), ("ReplicationEnabled", srv["enabled"]),
            ("ReplicationAllowedFromAnyServer", srv["allow_any"]),
            ("AllowedAuthenticationType", E.RecoveryAuthenticationType(auth) if auth else
             E.RecoveryAuthenticationType(0)),
            ("KerberosAuthenticationPort", srv["kerberos_port"]),
            ("KerberosAuthenticationPortMapping", None),
            ("CertificateAuthenticationPort", srv["certificate_port"]),
            ("CertificateAuthenticationPortMapping", None),
            ("CertificateThumbprint", srv.get("thumbprint")),
            ("DefaultStorageLocation", srv.get("default_storage")),
            ("MonitoringInterval", PSTimeSpan.from_seconds(srv.get("monitoring_interval", 43200))),
            ("MonitoringStartTime", PSTimeSpan.from_seconds(srv.get("monitoring_start", 0))),
            ("AuthorizationEntries", [self.auth_entry(host, e) for e in self.model.hosts[host]["auth_entries"]]),
            ("OperationalStatus", [E.VMOperationalStatus("Ok")]), ("StatusDescriptions", ["OK"]),
            ("IsDeleted", False)],
            to_string=lambda: "VMReplicationServer", hidden={"host": host})

    def auth_entry(self, host, e):
        return _obj(_tn("VMReplicationAuthorizationEntry"), [
            ("AllowedPrimaryServer", e["allowed_primary_server"]), ("ReplicaStorageLocation", e["storage"]),
            ("TrustGroup", e["trust_group"]), ("ComputerName", self._netbios(host)), ("IsDeleted", False)],
            to_string=lambda: "VMReplicationAuthorizationEntry (AllowedPrimaryServer = '%s')"
                              % e["allowed_primary_server"],
            hidden={"host": host, "entry": e["allowed_primary_server"]})


def _ranges(ids):
    ids = sorted(set(ids))
    out = []
    i = 0
    while i < len(ids):
        j = i
        while j + 1 < len(ids) and ids[j + 1] == ids[j] + 1:
            j += 1
        out.append(str(ids[i]) if i == j else "%d-%d" % (ids[i], ids[j]))
        i = j + 1
    return ",".join(out)


def _mb(field, scale=1048576):
    def get(o):
        v = o.props.get(field)
        return int(v / scale) if v else 0
    return get



register_table(NS + "VirtualMachine", [
    ("Name", "Name"), ("State", "State"), ("CPUUsage(%)", "CPUUsage"), ("MemoryAssigned(M)", _mb("MemoryAssigned")),
    ("Uptime", lambda o: str(o.props.get("Uptime")).split(".")[0] if o.props.get("Uptime") else ""),
    ("Status", "Status"), ("Version", "Version")])
register_table(NS + "VMReplication", [
    ("VMName", "VMName"), ("State", "ReplicationState"), ("Health", "ReplicationHealth"), ("Mode", "ReplicationMode"),
    ("FrequencySec", "ReplicationFrequencySec"), ("PrimaryServer", "PrimaryServerName"),
    ("ReplicaServer", "ReplicaServerName"), ("ReplicaPort", "ReplicaServerPort"), ("AuthType", "AuthenticationType"),
    ("Relationship", "ReplicationRelationshipType")])
register_table(NS + "VMReplicationHealth", [
    ("VMName", "VMName"), ("State", "ReplicationState"), ("Health", "ReplicationHealth"),
    ("LReplTime", "LastReplicationTime"), ("PReplSize(M)", lambda o: "%.2f" % (o.props.get("PendingReplicationSize", 0) / 1048576)),
    ("AvgLatency", lambda o: str(o.props.get("AverageReplicationLatency") or "")),
    ("AvgReplSize(M)", lambda o: "%.2f" % (o.props.get("AverageReplicationSize", 0) / 1048576)),
    ("Relationship", "ReplicationRelationshipType")])
register_table(NS + "VMSwitch", [("Name", "Name"), ("SwitchType", "SwitchType"),
                                 ("NetAdapterInterfaceDescription", "NetAdapterInterfaceDescription")])
register_table(NS + "VMNetworkAdapter", [
    ("Name", "Name"), ("IsManagementOs", "IsManagementOs"), ("VMName", "VMName"), ("SwitchName", "SwitchName"),
    ("MacAddress", "MacAddress"), ("Status", "Status"), ("IPAddresses", "IPAddresses")])
register_table(NS + "VMSnapshot", [
    ("VMName", "VMName"), ("Name", "Name"), ("SnapshotType", "SnapshotType"), ("CreationTime", "CreationTime"),
    ("ParentSnapshotName", "ParentSnapshotName")])
register_table(NS + "VMReplicationAuthorizationEntry", [
    ("AllowedPrimaryServer", "AllowedPrimaryServer"), ("ReplicaStorageLocation", "ReplicaStorageLocation"),
    ("TrustGroup", "TrustGroup")])
register_table(NS + "VMNetworkAdapterVlanSetting", [
    ("VMName", "VMName"), ("VMNetworkAdapterName", "AdapterName"), ("Mode", "OperationMode"),
    ("VlanList", lambda o: o.props.get("AccessVlanId") if o.props.get("OperationMode") == 1 else
     o.props.get("AllowedVlanIdListString"))])

