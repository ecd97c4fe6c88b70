"""Replication relationship cmdlets: the state machine of reference §5 (rows 1-8, 16-19) and §7."""
from __future__ import annotations

import copy

from ..model import engine
from ..model.core import Model
from ..model.enums import (ReplicationAuthenticationType, VMReplicationHealthState, VMReplicationMode,
                           VMReplicationRelationshipType, VMReplicationState)
from ..ps.commands import Param, binding_error
from ..ps.statics import check_host_name
from .common import HyperVCommand, REPL_T, VM_T, computer_params
from .server import accepts, entry_matches

DAY = 86400
GB = 1024 ** 3


def _in_set(*allowed):
    def check(v):
        if v not in allowed:
            return 'The argument "%s" does not belong to the set "%s" specified by the ValidateSet attribute. ' \
                   'Supply an argument that is in the set and then try the command again.' % \
                   (v, ",".join(str(a) for a in allowed))
    return check


def _in_range(lo, hi):
    def check(v):
        if v < lo:
            return "The %s argument is less than the minimum allowed range of %s. Supply an argument that is " \
                   "greater than or equal to %s and then try the command again." % (v, lo, lo)
        if v > hi:
            return "The %s argument is greater than the maximum allowed range of %s. Supply an argument that is " \
                   "less than or equal to %s and then try the command again." % (v, hi, hi)
    return check


def setting_params():
    return [
        Param("CertificateThumbprint", "string", aliases=("Thumbprint",)),
        Param("CompressionEnabled", "bool"), Param("ReplicateHostKvpItems", "bool"),
        Param("BypassProxyServer", "bool"), Param("EnableWriteOrderPreservationAcrossDisks", "bool"),
        Param("VSSSnapshotFrequencyHour", "int", aliases=("VSSFreq",), validate=_in_range(1, 12)),
        Param("RecoveryHistory", "int", aliases=("RecHist",), validate=_in_range(0, 24)),
        Param("ReplicationFrequencySec", "int", aliases=("RepFreq",), validate=_in_set(30, 300, 900)),
        Param("AutoResynchronizeEnabled", "bool", aliases=("AutoResync",)),
        Param("AutoResynchronizeIntervalStart", "timespan", aliases=("AutoResyncStart",)),
        Param("AutoResynchronizeIntervalEnd", "timespan", aliases=("AutoResyncEnd",)),
    ]


def target_params():
    return [Param("ReplicaServerName", "string", position=1, aliases=("ReplicaServer",)),
            Param("ReplicaServerPort", "int", position=2, aliases=("ReplicaPort",), validate=_in_range(1, 65535)),
            Param("AuthenticationType", ReplicationAuthenticationType, position=3, aliases=("AuthType",))]


def select_rel(vm, rtype):
    """The relationship a -ReplicationRelationshipType argument designates (None: the VM's own)."""
    r0, r1 = vm["repl"].get("0"), vm["repl"].get("1")
    if rtype is None:
        return ("0", r0) if r0 else (None, None)
    if rtype == "Extended":
        if r1:
            return "1", r1
        if r0 and r0["relationship"] == "Extended":
            return "0", r0
        return None, None
    if r0 and r0["relationship"] == "Simple":
        return "0", r0
    return None, None


class ReplicationCommand(HyperVCommand):
    """Base: per-VM loop with operand resolution across -ComputerName hosts."""

    def each_vm(self, ctx, b):
        for host in self.target_hosts(ctx, b):
            for h, vm in self.resolve_vms(ctx, b, host):
                yield h, vm

    def each_vm_rel(self, ctx, b):
        """(host, vm, relationship type) per operand: a VMReplication object names its own relationship."""
        by_key = {}
        for obj in b.get("VMReplication") or []:
            by_key[(obj.hidden.get("host"), obj.hidden.get("vm_id"))] = obj.hidden.get("rel")
        for h, vm in self.each_vm(ctx, b):
            key = by_key.get((h, vm["id"]))
            if key is None:
                yield h, vm, self.rtype(b)
            else:
                yield h, vm, "Extended" if key == "1" or (vm["repl"].get(key) or {}).get("relationship") == \
                    "Extended" else "Simple"

    def not_enabled(self, ctx, vm, error_id="InvalidState"):
        self.fail(ctx, error_id, "Replication is not enabled for virtual machine '%s'." % vm["name"],
                  target=vm["name"])

    def invalid_state(self, ctx, vm, rel, op):
        self.fail(ctx, "InvalidState", "'%s' cannot be performed for virtual machine '%s' because the replication "
                                       "state is %s." % (op, vm["name"], rel["state"] if rel else "Disabled"),
                  target=vm["name"])

    def passthru(self, ctx, b, host, vm, key):
        if b.get("Passthru") and vm["repl"].get(key):
            ctx.write(self.projector(ctx).replication(host, vm, key))

    def rtype(self, b):
        v = b.get("ReplicationRelationshipType")
        return v.name if v is not None else None

    def check_start_time(self, ctx, start, vm):
        now = self.now(ctx)
        if start.epoch < now - 60:
            self.fail(ctx, "InvalidParameter", "The initial replication start time cannot be in the past.",
                      target=vm["name"])
            return False
        if start.epoch > now + 7 * DAY:
            self.fail(ctx, "InvalidParameter", "The initial replication start time must be within 7 days.",
                      target=vm["name"])
            return False
        return True

    def as_replica(self, ctx, b, host, vm, op):
        """Enable/Set -AsReplica: make this VM a replica target waiting for initial replication."""
        model = self.model(ctx)
        srv_host = model.hosts[host]
        entries = srv_host["auth_entries"]
        allowed = b.get("AllowedPrimaryServer")
        if allowed:
            if not any(entry_matches(e["allowed_primary_server"], allowed) or
                       e["allowed_primary_server"].lower() == allowed.lower() for e in entries) and \
                    not srv_host["replication_server"]["allow_any"]:
                self.fail(ctx, "OperationFailed", "No authorization entry exists for primary server '%s' on this "
                                                  "server." % allowed, target=vm["name"])
                return False
        elif not (srv_host["replication_server"]["allow_any"] or any(e["allowed_primary_server"] == "*"
                                                                      for e in entries)):
            self.fail(ctx, "InvalidParameter", "Specify -AllowedPrimaryServer: this server has no authorization entry "
                                               "that allows any primary server.", target=vm["name"])
            return False
        if not ctx.should_process(vm["name"], op):
            return False
        old = vm["repl"].get("0") or {}
        if old.get("mode") == "Primary":
            vm["has_copy"] = True  # an old primary keeps its disks: -UseBackup can start from them
        settings = {k: old.get(k) for k in ("port", "auth", "thumbprint", "frequency", "recovery_history",
                                            "vss_hours", "compression", "bypass_proxy", "kvp", "auto_resync",
                                            "auto_resync_start", "auto_resync_end", "excluded") if k in old}
        settings["allowed_primary"] = allowed
        vm["repl"]["0"] = Model.new_rel(vm["id"], "Replica", "Simple", "target", "WaitingForInitialReplication",
                                        allowed, host, {k: v for k, v in settings.items() if v is not None})
        vm["repl"]["0"]["allowed_primary"] = allowed
        self.mutated(ctx)
        self.passthru(ctx, b, host, vm, "0")
        return True



def collect_settings(b, base=None):
    s = dict(base or {})
    mapping = [("ReplicationFrequencySec", "frequency"), ("RecoveryHistory", "recovery_history"),
               ("VSSSnapshotFrequencyHour", "vss_hours"), ("CompressionEnabled", "compression"),
               ("BypassProxyServer", "bypass_proxy"), ("ReplicateHostKvpItems", "kvp"),
               ("AutoResynchronizeEnabled", "auto_resync"), ("CertificateThumbprint", "thumbprint")]
    for p, k in mapping:
        if p in b:
            s[k] = b[p]
    if "AutoResynchronizeIntervalStart" in b:
        s["auto_resync_start"] = int(b["AutoResynchronizeIntervalStart"].total_seconds)
    if "AutoResynchronizeIntervalEnd" in b:
        s["auto_resync_end"] = int(b["AutoResynchronizeIntervalEnd"].total_seconds)
    return s


class EnableVMReplication(ReplicationCommand):
    name = "Enable-VMReplication"
    class_name = "EnableVMReplication"
    should_process = True
    params = [Param("VMName", "string[]", position=0, not_empty=True), Param("VM", VM_T, pipeline=True)] + \
        target_params() + setting_params() + [
        Param("ExcludedVhd", ("objs", "Microsoft.HyperV.PowerShell.HardDiskDrive")),
        Param("ExcludedVhdPath", "string[]"), Param("AsReplica", "switch"),
        Param("AllowedPrimaryServer", "string", aliases=("AllowedPS",)), Param("AsJob", "switch"),
        Param("Passthru", "switch")] + computer_params()

    def process(self, ctx, b):
        if b.get("AsReplica"):
            others = [p for p in ("ReplicaServerName", "ReplicaServerPort", "AuthenticationType")
                      if p in b]
            if others:
                raise binding_error(ctx, "AmbiguousParameterSet",
                                    "Parameter set cannot be resolved using the specified named parameters.")
            for h, vm in self.each_vm(ctx, b):
                rel = vm["repl"].get("0")
                if rel is not None:
                    self.fail(ctx, "OperationFailed", "Replication is already enabled for virtual machine '%s' "
                                                      "(mode %s)." % (vm["name"], rel["mode"]), target=vm["name"])
                    continue
                self.as_replica(ctx, b, h, vm, "Enable-VMReplication")
            return
        missing = [p for p in ("ReplicaServerName", "ReplicaServerPort", "AuthenticationType") if p not in b]
        if missing:
            raise binding_error(ctx, "MissingMandatoryParameter",
                                "Cannot process command because of one or more missing mandatory parameters: %s."
                                % " ".join(missing))
        server = b["ReplicaServerName"]
        if check_host_name(server) != 2:
            self.fail(ctx, "InvalidParameter", "The Replica server name '%s' is not valid. Specify the fully "
                                               "qualified domain name of the Replica server, not an IP address."
                      % server, target=server)
            return
        auth = b["AuthenticationType"].name
        if (auth == "Certificate") != bool(b.get("CertificateThumbprint")):
            self.fail(ctx, "InvalidParameter", "A certificate thumbprint must be specified if and only if "
                                               "certificate-based authentication is used.")
            return
        if b.get("VSSSnapshotFrequencyHour") and not b.get("RecoveryHistory"):
            self.fail(ctx, "InvalidParameter", "Application-consistent recovery points require additional recovery "
                                               "points: set RecoveryHistory to a value greater than 0.")
            return
        if "EnableWriteOrderPreservationAcrossDisks" in b:
            ctx.warn("The EnableWriteOrderPreservationAcrossDisks parameter is ignored: write order is always "
                     "preserved across disks.")
        for h, vm in self.each_vm(ctx, b):
            rel = vm["repl"].get("0")
            if rel is None:
                self.enable_primary(ctx, b, h, vm, server, auth)
            elif rel["mode"] == "Primary":
                self.fail(ctx, "OperationFailed", "Replication is already enabled for virtual machine '%s'."
                          % vm["name"], target=vm["name"])
            elif rel["mode"] in ("TestReplica", "ExtendedReplica"):
                self.fail(ctx, "OperationFailed", "The operation is not applicable to virtual machine '%s' in "
                                                  "replication mode %s." % (vm["name"], rel["mode"]), target=vm["name"])
            elif vm["repl"].get("1"):
                self.fail(ctx, "InvalidState", "Extended replication is already enabled for virtual machine '%s'."
                          % vm["name"], target=vm["name"])
            else:
                self.enable_extended(ctx, b, h, vm, server, auth)

    def _excluded(self, ctx, b, vm):
        paths = list(b.get("ExcludedVhdPath") or [])
        for d in b.get("ExcludedVhd") or []:
            paths.append(d.hidden.get("path"))
        attached = {d["path"].lower(): d["path"] for d in vm["disks"]}
        out = []
        for p in paths:
            if p.lower() not in attached:
                self.fail(ctx, "InvalidParameter", "The virtual hard disk '%s' is not attached to virtual machine "
                                                   "'%s'." % (p, vm["name"]), target=p)
                return None
            out.append(attached[p.lower()])
        if vm["disks"] and len(set(out)) >= len(vm["disks"]):
            self.fail(ctx, "InvalidParameter", "At least one virtual hard disk of '%s' must be replicated."
                      % vm["name"], target=vm["name"])
            return None
        return out

    def enable_primary(self, ctx, b, host, vm, server, auth):
        model = self.model(ctx)
        target = model.resolve_host(server)
        if target is None:
            self.fail(ctx, "OperationFailed", "Hyper-V cannot connect to the specified Replica server '%s'. The "
                                              "server name could not be resolved." % server, target=vm["name"])
            return
        if target == host:
            self.fail(ctx, "OperationFailed", "A virtual machine cannot be replicated to the server it runs on.",
                      target=vm["name"])
            return
        ok, msg, storage = accepts(model, target, host, b["ReplicaServerPort"], auth)
        if not ok:
            self.fail(ctx, "OperationFailed", msg, target=vm["name"])
            return
        excluded = self._excluded(ctx, b, vm)
        if excluded is None:
            return
        existing = model.vm(target, vm["id"])
        if existing is not None:
            erel = existing["repl"].get("0")
            if not (erel and erel["mode"] == "Replica" and erel["state"] == "WaitingForInitialReplication"
                    and erel.get("partner") is None):
                self.fail(ctx, "OperationFailed", "A virtual machine with the same ID as '%s' already exists on the "
                                                  "Replica server '%s'." % (vm["name"], target), target=vm["name"])
                return
        if not ctx.should_process(vm["name"], "Enable-VMReplication"):
            return
        settings = collect_settings(b, {"port": b["ReplicaServerPort"], "auth": auth, "excluded": excluded})
        if existing is None:
            existing = create_replica_vm(model, target, vm, storage)
        prel = Model.new_rel(vm["id"], "Primary", "Simple", "source", "ReadyForInitialReplication", host, target,
                             settings, partner={"host": target, "vm": vm["id"], "rel": "0"})
        rrel = Model.new_rel(vm["id"], "Replica", "Simple", "target", "WaitingForInitialReplication", host, target,
                             settings, partner={"host": host, "vm": vm["id"], "rel": "0"})
        vm["repl"]["0"] = prel
        existing["repl"]["0"] = rrel
        self.mutated(ctx)
        self.passthru(ctx, b, host, vm, "0")

    def enable_extended(self, ctx, b, host, vm, server, auth):
        model = self.model(ctx)
        rel0 = vm["repl"]["0"]
        freq = b.get("ReplicationFrequencySec")
        if freq is not None and (freq == 30 or freq < rel0["frequency"]):
            self.fail(ctx, "InvalidParameter", "The extended replication frequency must be 300 or 900 seconds and "
                                               "not lower than the primary replication frequency (%d)."
                      % rel0["frequency"], target=vm["name"])
            return
        if "VSSSnapshotFrequencyHour" in b:
            self.fail(ctx, "InvalidParameter", "Application-consistent recovery points cannot be configured for "
                                               "extended replication.", target=vm["name"])
            return
        target = model.resolve_host(server)
        if target is None or target == host:
            self.fail(ctx, "OperationFailed", "Hyper-V cannot connect to the specified Replica server '%s'." % server,
                      target=vm["name"])
            return
        auth = rel0["auth"]  # inherited from the primary relationship (reference §7)
        ok, msg, storage = accepts(model, target, host, b["ReplicaServerPort"], auth)
        if not ok:
            self.fail(ctx, "OperationFailed", msg, target=vm["name"])
            return
        if model.vm(target, vm["id"]) is not None:
            self.fail(ctx, "OperationFailed", "A virtual machine with the same ID as '%s' already exists on the "
                                              "Replica server '%s'." % (vm["name"], target), target=vm["name"])
            return
        if not ctx.should_process(vm["name"], "Enable-VMReplication"):
            return
        settings = collect_settings(b, {"port": b["ReplicaServerPort"], "auth": auth,
                                        "excluded": list(rel0["excluded"]),
                                        "frequency": freq or max(300, rel0["frequency"])})
        ext = create_replica_vm(model, target, vm, storage)
        vm["repl"]["1"] = Model.new_rel(vm["id"], "Replica", "Extended", "source", "ReadyForInitialReplication",
                                        host, target, settings, partner={"host": target, "vm": vm["id"], "rel": "0"})
        ext["repl"]["0"] = Model.new_rel(vm["id"], "ExtendedReplica", "Extended", "target",
                                         "WaitingForInitialReplication", host, target, settings,
                                         partner={"host": host, "vm": vm["id"], "rel": "1"})
        self.mutated(ctx)
        self.passthru(ctx, b, host, vm, "1")

def create_replica_vm(model, target, vm, storage):
    """The placeholder replica VM: same Id and name, Off, adapters on same-named switches or not connected."""
    storage = storage or "C:\\Hyper-V\\Replica"
    switches = {s["name"].lower(): s["name"] for s in model.hosts[target]["switches"]}
    adapters = []
    for a in vm["adapters"]:
        na = copy.deepcopy(a)
        na["switch"] = switches.get((a.get("switch") or "").lower())
        na["failover"] = None
        na["test_replica_switch"] = None
        na.pop("effective_ipv4", None)
        adapters.append(na)
    disks = []
    for d in vm["disks"]:
        nd = dict(d)
        nd["path"] = "%s\\Hyper-V Replica\\Virtual hard disks\\%s\\%s" % (
            storage.rstrip("\\"), vm["id"].upper(), d["path"].rsplit("\\", 1)[-1])
        disks.append(nd)
    rvm = model.new_vm(target, vm["name"], "Off", vm["id"], adapters, disks, vm["generation"], vm["memory_mb"],
                       vm["cpus"], created=vm.get("created") or 0.0)
    rvm["path"] = "%s\\Hyper-V Replica" % storage.rstrip("\\")
    return rvm


class SetVMReplication(ReplicationCommand):
    name = "Set-VMReplication"
    class_name = "SetVMReplication"
    should_process = True
    params = [Param("VMName", "string[]", position=0, not_empty=True), Param("VM", VM_T, pipeline=True),
              Param("VMReplication", REPL_T, pipeline=True)] + target_params() + setting_params() + [
        Param("DisableVSSSnapshotReplication", "switch"),
        Param("ReplicatedDisks", ("objs", "Microsoft.HyperV.PowerShell.HardDiskDrive")),
        Param("ReplicatedDiskPaths", "string[]"), Param("InitialReplicationStartTime", "datetime",
                                                        aliases=("IRTime",)),
        Param("Reverse", "switch"), Param("AsReplica", "switch"), Param("UseBackup", "switch"),
        Param("AllowedPrimaryServer", "string", aliases=("AllowedPS",)), Param("Passthru", "switch")] + \
        computer_params()

    _SETTINGS = ("ReplicaServerPort", "AuthenticationType", "CertificateThumbprint", "CompressionEnabled",
                 "ReplicateHostKvpItems", "BypassProxyServer", "VSSSnapshotFrequencyHour", "RecoveryHistory",
                 "ReplicationFrequencySec", "AutoResynchronizeEnabled", "AutoResynchronizeIntervalStart",
                 "AutoResynchronizeIntervalEnd", "DisableVSSSnapshotReplication", "ReplicatedDisks",
                 "ReplicatedDiskPaths", "InitialReplicationStartTime")

    def process(self, ctx, b):
        if b.get("VSSSnapshotFrequencyHour") and b.get("DisableVSSSnapshotReplication"):
            self.fail(ctx, "InvalidParameter", "VSSSnapshotFrequencyHour cannot be combined with "
                                               "DisableVSSSnapshotReplication.")
            return
        if "ReplicaServerName" in b and check_host_name(b["ReplicaServerName"]) != 2:
            self.fail(ctx, "InvalidParameter", "The Replica server name '%s' is not valid. Specify the fully "
                                               "qualified domain name of the Replica server, not an IP address."
                      % b["ReplicaServerName"], target=b["ReplicaServerName"])
            return
        if "EnableWriteOrderPreservationAcrossDisks" in b:
            ctx.warn("The EnableWriteOrderPreservationAcrossDisks parameter is ignored: write order is always "
                     "preserved across disks.")
        for h, vm in self.each_vm(ctx, b):
            rel = vm["repl"].get("0")
            if rel is None:
                self.not_enabled(ctx, vm)
                continue
            if b.get("AsReplica"):
                if any(p in b for p in self._SETTINGS if p != "ReplicaServerPort"):
                    self.fail(ctx, "InvalidParameter", "-AsReplica cannot be combined with other replication "
                                                       "settings.", target=vm["name"])
                    continue
                if rel["mode"] != "Primary":
                    self.fail(ctx, "OperationFailed", "Virtual machine '%s' is already a Replica virtual machine."
                              % vm["name"], target=vm["name"])
                    continue
                self.as_replica(ctx, b, h, vm, "Set-VMReplication")
                continue
            if b.get("Reverse"):
                self.reverse(ctx, b, h, vm, rel)
                continue
            if rel["mode"] != "Primary":
                self.fail(ctx, "InvalidOperation", "Replication settings cannot be modified on the Replica virtual "
                                                   "machine '%s'. Modify them on the primary virtual machine."
                          % vm["name"], target=vm["name"])
                continue
            self.modify(ctx, b, h, vm, rel)

    def _validated(self, ctx, b, vm, rel):
        new = collect_settings(b, {})
        rh = new.get("recovery_history", rel["recovery_history"])
        vss = new.get("vss_hours", rel["vss_hours"])
        if b.get("DisableVSSSnapshotReplication"):
            vss = 0
        elif "RecoveryHistory" in b and rh > 0 and "VSSSnapshotFrequencyHour" not in b and rel["vss_hours"] == 0:
            vss = 4  # the cmdlet turns app-consistent points on (every 4 h) when history is first enabled
        if vss and rh <= 0:
            self.fail(ctx, "InvalidParameter", "Application-consistent recovery points require additional recovery "
                                               "points: set RecoveryHistory to a value greater than 0.",
                      target=vm["name"])
            return None
        new["recovery_history"], new["vss_hours"] = rh, vss
        return new

    def modify(self, ctx, b, host, vm, rel):
        model = self.model(ctx)
        if "ReplicaServerName" in b and model.resolve_host(b["ReplicaServerName"]) != rel["replica"]:
            ctx.throw("Moving a primary to a different Replica server with Set-VMReplication is not modeled by the "
                      "Hyper-V simulator; remove and re-enable replication.", "NotModeledBySimulator",
                      "NotImplemented", exc_type="System.NotSupportedException")
        new = self._validated(ctx, b, vm, rel)
        if new is None:
            return
        auth = b["AuthenticationType"].name if "AuthenticationType" in b else rel["auth"]
        port = b.get("ReplicaServerPort", rel["port"])
        if auth == "Certificate" and not (b.get("CertificateThumbprint") or rel.get("thumbprint")):
            self.fail(ctx, "InvalidParameter", "A certificate thumbprint must be specified for certificate-based "
                                               "authentication.", target=vm["name"])
            return
        if "AuthenticationType" in b or "ReplicaServerPort" in b:
            ok, msg, _ = accepts(model, rel["replica"], host, port, auth)
            if not ok:
                self.fail(ctx, "OperationFailed", msg, target=vm["name"])
                return
        start = b.get("InitialReplicationStartTime")
        if start is not None:
            if rel["state"] != "ReadyForInitialReplication":
                self.fail(ctx, "InvalidState", "The initial replication start time can be set only before initial "
                                               "replication starts.", target=vm["name"])
                return
            if not self.check_start_time(ctx, start, vm):
                return
        disks = None
        if "ReplicatedDiskPaths" in b or "ReplicatedDisks" in b:
            wanted = [p.lower() for p in (b.get("ReplicatedDiskPaths") or [])] + \
                     [d.hidden.get("path", "").lower() for d in (b.get("ReplicatedDisks") or [])]
            attached = {d["path"].lower() for d in vm["disks"]}
            for w in wanted:
                if w not in attached:
                    self.fail(ctx, "InvalidParameter", "The virtual hard disk '%s' is not attached to virtual machine "
                                                       "'%s'." % (w, vm["name"]), target=w)
                    return
            if not wanted:
                self.fail(ctx, "InvalidParameter", "At least one virtual hard disk of '%s' must be replicated."
                          % vm["name"], target=vm["name"])
                return
            disks = [d["path"] for d in vm["disks"] if d["path"].lower() not in wanted]
        if not ctx.should_process(vm["name"], "Set-VMReplication"):
            return
        for k, v in new.items():
            rel[k] = v
        rel["auth"], rel["port"] = auth, port
        if disks is not None:
            rel["excluded"] = disks
        if start is not None:
            rel["initial_start_at"] = start.epoch
        p = model.partner(rel)
        if p is not None:
            for k in ("frequency", "recovery_history", "vss_hours", "auth", "port", "compression", "excluded"):
                p[2][k] = rel[k]
        self.mutated(ctx)
        self.passthru(ctx, b, host, vm, "0")

    def reverse(self, ctx, b, host, vm, rel):
        model = self.model(ctx)
        now = self.now(ctx)
        if rel["mode"] == "Primary":
            self.fail(ctx, "OperationFailed", "The -Reverse operation is not applicable on the primary virtual "
                                              "machine '%s'." % vm["name"], target=vm["name"])
            return
        if rel["mode"] != "Replica":
            self.fail(ctx, "OperationFailed", "The -Reverse operation is not applicable to virtual machine '%s' in "
                                              "replication mode %s." % (vm["name"], rel["mode"]), target=vm["name"])
            return
        if vm["repl"].get("1"):
            self.fail(ctx, "OperationFailed", "Replication of '%s' cannot be reversed while extended replication is "
                                              "configured. Use Resume-VMReplication -Continue." % vm["name"],
                      target=vm["name"])
            return
        if rel["state"] not in ("FailedOverWaitingCompletion", "FailedOver"):
            self.invalid_state(ctx, vm, rel, "Set-VMReplication -Reverse")
            return
        auth = b["AuthenticationType"].name if "AuthenticationType" in b else rel["auth"]
        if auth == "Certificate" and not b.get("CertificateThumbprint"):
            self.fail(ctx, "InvalidParameter", "-CertificateThumbprint is required to reverse replication that uses "
                                               "certificate-based authentication.", target=vm["name"])
            return
        target_name = b.get("ReplicaServerName") or rel.get("primary")
        target = model.resolve_host(target_name) if target_name else None
        if target is None or target == host:
            self.fail(ctx, "OperationFailed", "Hyper-V cannot connect to the specified Replica server '%s'."
                      % target_name, target=vm["name"])
            return
        srv = model.hosts[target]["replication_server"]
        port = b.get("ReplicaServerPort") or (srv["kerberos_port"] if auth == "Kerberos" else srv["certificate_port"])
        ok, msg, storage = accepts(model, target, host, port, auth)
        if not ok:
            self.fail(ctx, "OperationFailed", msg, target=vm["name"])
            return
        new = self._validated(ctx, b, vm, rel)
        if new is None:
            return
        other = model.vm(target, vm["id"])
        orel = other["repl"].get("0") if other else None
        planned = orel is not None and orel["mode"] == "Primary" and orel["state"] == "PreparedForFailover"
        waiting = orel is not None and orel["mode"] == "Replica" and orel["state"] == "WaitingForInitialReplication"
        if other is not None and not planned and not waiting:
            self.fail(ctx, "OperationFailed", "The virtual machine '%s' on '%s' is not prepared to become the Replica "
                                              "(run Set-VMReplication -AsReplica there, or fail over with "
                                              "Start-VMFailover -Prepare first)." % (vm["name"], target),
                      target=vm["name"])
            return
        if not ctx.should_process(vm["name"], "Set-VMReplication"):
            return
        settings = {k: rel[k] for k in ("frequency", "recovery_history", "vss_hours", "compression", "bypass_proxy",
                                        "kvp", "auto_resync", "auto_resync_start", "auto_resync_end", "excluded")}
        settings.update(new)
        settings.update({"port": port, "auth": auth, "thumbprint": b.get("CertificateThumbprint")})
        if other is None:
            other = create_replica_vm(model, target, vm, storage)
        state = "Replicating" if planned else "ReadyForInitialReplication"
        newp = Model.new_rel(vm["id"], "Primary", "Simple", "source", state, host, target, settings,
                             partner={"host": target, "vm": vm["id"], "rel": "0"})
        newr = Model.new_rel(vm["id"], "Replica", "Simple", "target",
                             "Replicating" if planned else "WaitingForInitialReplication", host, target, settings,
                             partner={"host": host, "vm": vm["id"], "rel": "0"})
        if planned:
            # a planned failover sent every change: replication continues in the new direction
            for r in (newp, newr):
                r["last_replication"] = now
                r["last_type"] = 3
            newr["last_applied"] = now
            newp["next_cycle"] = now + newp["frequency"]
        vm["repl"]["0"] = newp
        other["repl"]["0"] = newr
        vm["snapshots"] = [s for s in vm["snapshots"] if s["type"] not in (6, 7, 8)]
        self.mutated(ctx)
        self.passthru(ctx, b, host, vm, "0")


class RemoveVMReplication(ReplicationCommand):
    name = "Remove-VMReplication"
    class_name = "RemoveVMReplication"
    should_process = True
    params = [Param("VMName", "string[]", position=0, not_empty=True), Param("VM", VM_T, pipeline=True),
              Param("VMReplication", REPL_T, pipeline=True),
              Param("ReplicationRelationshipType", VMReplicationRelationshipType, aliases=("Relationship",)),
              Param("Passthru", "switch")] + computer_params()

    def process(self, ctx, b):
        for h, vm, rtype in self.each_vm_rel(ctx, b):
            rel0 = vm["repl"].get("0")
            if rtype == "Extended" and not (rel0 and rel0["mode"] in ("Replica", "ExtendedReplica")):
                self.fail(ctx, "InvalidParameter", "-ReplicationRelationshipType Extended is valid only for a Replica "
                                                   "virtual machine.", target=vm["name"])
                continue
            key, rel = select_rel(vm, rtype)
            if rel is None:
                self.invalid_state(ctx, vm, rel, "Remove-VMReplication")
                continue
            if not ctx.should_process(vm["name"], "Remove-VMReplication"):
                continue
            gone = copy.deepcopy(rel)
            del vm["repl"][key]
            if key == "0" and "1" in vm["repl"] and rel["mode"] == "Replica":
                del vm["repl"]["1"]  # a VM that is no longer a replica cannot extend replication
            self.mutated(ctx)
            if b.get("Passthru"):
                gone["state"], gone["health"] = "Disabled", "NotApplicable"
                vm["repl"]["__gone"] = gone
                try:
                    ctx.write(self.projector(ctx).replication(h, vm, "__gone"))
                finally:
                    del vm["repl"]["__gone"]


class GetVMReplication(ReplicationCommand):
    name = "Get-VMReplication"
    class_name = "GetVMReplication"
    params = [Param("VMName", "string[]", position=0, not_empty=True), Param("VM", VM_T, pipeline=True),
              Param("ReplicaServerName", "string", aliases=("ReplicaServer",)),
              Param("PrimaryServerName", "string", aliases=("PrimaryServer",)),
              Param("ReplicationState", VMReplicationState, aliases=("State",)),
              Param("TrustGroup", "string"), Param("ReplicationMode", VMReplicationMode),
              Param("ReplicationHealth", VMReplicationHealthState, aliases=("Health",)),
              Param("ReplicationRelationshipType", VMReplicationRelationshipType, aliases=("Relationship",))] + \
        computer_params()
    health = False

    def process(self, ctx, b):
        rtype = self.rtype(b)
        explicit = bool(b.get("VMName") or b.get("VM"))
        proj = self.projector(ctx)
        model = self.model(ctx)
        for h, vm in self.each_vm(ctx, b):
            key, rel = select_rel(vm, rtype)
            if vm.get("test_of") and not explicit:
                continue  # test VMs (mode TestReplica) are listed only when named
            if rel is None:
                if explicit:
                    self.fail(ctx, "ObjectNotFound", "Replication is not enabled for virtual machine '%s'."
                              % vm["name"], target=vm["name"], category="ObjectNotFound")
                continue
            # without -ReplicationRelationshipType the middle host of an extended chain returns both relationships
            # (reference §7)
            keys = [key] + (["1"] if rtype is None and key == "0" and vm["repl"].get("1") else [])
            for k in keys:
                self._write_matching(ctx, b, proj, model, h, vm, k)

    def _write_matching(self, ctx, b, proj, model, h, vm, key):
        rel = vm["repl"][key]
        if "ReplicaServerName" in b and model.resolve_host(b["ReplicaServerName"]) != rel.get("replica"):
            return
        if "PrimaryServerName" in b and model.resolve_host(b["PrimaryServerName"]) != rel.get("primary"):
            return
        if "ReplicationState" in b and b["ReplicationState"].name != rel["state"]:
            return
        if "ReplicationMode" in b and b["ReplicationMode"].name != rel["mode"]:
            return
        if "ReplicationHealth" in b and b["ReplicationHealth"].name != rel["health"]:
            return
        ctx.write(proj.health(h, vm, key) if self.health else proj.replication(h, vm, key))


class MeasureVMReplication(GetVMReplication):
    name = "Measure-VMReplication"
    class_name = "MeasureVMReplication"
    health = True
    params = GetVMReplication.params


class ResetVMReplicationStatistics(ReplicationCommand):
    name = "Reset-VMReplicationStatistics"
    class_name = "ResetVMReplicationStatistics"
    should_process = True
    params = [Param("VMName", "string[]", position=0, not_empty=True), Param("VM", VM_T, pipeline=True),
              Param("VMReplication", REPL_T, pipeline=True),
              Param("ReplicationRelationshipType", VMReplicationRelationshipType, aliases=("Relationship",)),
              Param("Passthru", "switch")] + computer_params()

    def process(self, ctx, b):
        now = self.now(ctx)
        for h, vm in self.each_vm(ctx, b):
            key, rel = select_rel(vm, self.rtype(b))
            if rel is None:
                self.not_enabled(ctx, vm)
                continue
            if ctx.should_process(vm["name"], "Reset-VMReplicationStatistics"):
                rel["stats"] = {"window_start": now, "ok": 0, "missed": 0, "errors": 0, "bytes": 0, "max": 0}
                if rel["health"] == "Warning" and rel["state"] == "Replicating":
                    rel["health"] = "Normal"
                self.mutated(ctx)
                self.passthru(ctx, b, h, vm, key)


def _initial_key(vm):
    rel0 = vm["repl"].get("0")
    if rel0 and rel0["mode"] == "Primary":
        return "0"
    if rel0 and rel0["mode"] == "Replica" and vm["repl"].get("1"):
        return "1"  # on a replica the initial-replication cmdlets act on the extended relationship
    return None


class StartVMInitialReplication(ReplicationCommand):
    name = "Start-VMInitialReplication"
    class_name = "StartVMInitialReplication"
    should_process = True
    params = [Param("VMName", "string[]", position=0, not_empty=True), Param("VM", VM_T, pipeline=True),
              Param("VMReplication", REPL_T, pipeline=True),
              Param("DestinationPath", "string", aliases=("IRLoc",)),
              Param("InitialReplicationStartTime", "datetime", aliases=("IRTime",)), Param("UseBackup", "switch"),
              Param("AsJob", "switch"), Param("Passthru", "switch")] + computer_params()

    def process(self, ctx, b):
        if "DestinationPath" in b and ("InitialReplicationStartTime" in b or b.get("UseBackup")):
            self.fail(ctx, "InvalidParameter", "The DestinationPath parameter cannot be combined with "
                                               "InitialReplicationStartTime or UseBackup.")
            return
        if "InitialReplicationStartTime" in b and b.get("AsJob"):
            self.fail(ctx, "InvalidParameter", "InitialReplicationStartTime cannot be combined with AsJob.")
            return
        model = self.model(ctx)
        now = self.now(ctx)
        for h, vm in self.each_vm(ctx, b):
            key = _initial_key(vm)
            rel = vm["repl"].get(key) if key else vm["repl"].get("0")
            if key is None or rel["state"] != "ReadyForInitialReplication" or rel.get("initial_start_at"):
                if rel is None:
                    self.not_enabled(ctx, vm)
                else:
                    self.invalid_state(ctx, vm, rel, "Start-VMInitialReplication")
                continue
            start = b.get("InitialReplicationStartTime")
            if start is not None and not self.check_start_time(ctx, start, vm):
                continue
            if b.get("UseBackup"):
                p = model.partner(rel)
                # the replica must be a copy restored from backup (made a replica with -AsReplica), not the
                # empty placeholder Enable-VMReplication creates
                if p is None or p[2]["state"] != "WaitingForInitialReplication" or \
                        not (p[1].get("restored") or p[1].get("has_copy")):
                    self.fail(ctx, "OperationFailed", "The Replica virtual machine restored from backup was not found "
                                                      "on '%s'." % rel["replica"], target=vm["name"])
                    continue
            if not ctx.should_process(vm["name"], "Start-VMInitialReplication"):
                continue
            if start is not None:
                rel["initial_start_at"] = start.epoch
            elif "DestinationPath" in b:
                # the export goes into a folder <VMName>_<VMId> under the destination (Import-VMInitialReplication's
                # documented example 2 reads it from there)
                path = "%s\\%s_%s" % (b["DestinationPath"].rstrip("\\"), vm["name"], vm["id"])
                engine.start_initial(model, rel, now, mode="export")
                model.data["media"][path.lower()] = {"vm_id": vm["id"], "host": h, "name": vm["name"],
                                                     "exported_at": now, "path": path}
            else:
                engine.start_initial(model, rel, now, mode="backup" if b.get("UseBackup") else "network")
            # a copy from backup (or the replica's own disks) sends only the differences: modeled as nothing
            rel["initial_bytes"] = 0 if b.get("UseBackup") else sum(d.get("size_gb", 40) for d in vm["disks"]) * GB
            self.mutated(ctx)
            self.passthru(ctx, b, h, vm, key)


class ImportVMInitialReplication(ReplicationCommand):
    name = "Import-VMInitialReplication"
    class_name = "ImportVMInitialReplication"
    should_process = True
    params = [Param("VMName", "string[]", position=0, not_empty=True), Param("VM", VM_T, pipeline=True),
              Param("VMReplication", REPL_T, pipeline=True), Param("Path", "string", position=1, mandatory=True,
                                                                   aliases=("IRLoc",)),
              Param("AsJob", "switch"), Param("Passthru", "switch")] + computer_params()

    def process(self, ctx, b):
        model = self.model(ctx)
        now = self.now(ctx)
        for h, vm in self.each_vm(ctx, b):
            rel = vm["repl"].get("0")
            if rel is None:
                self.not_enabled(ctx, vm)
                continue
            if rel["mode"] not in ("Replica", "ExtendedReplica") or rel["state"] != "WaitingForInitialReplication":
                self.invalid_state(ctx, vm, rel, "Import-VMInitialReplication")
                continue
            media = self._find_media(model, b["Path"], vm["id"])
            if media is None:
                self.fail(ctx, "OperationFailed", "No initial replica of virtual machine '%s' was found at '%s'."
                          % (vm["name"], b["Path"]), target=vm["name"])
                continue
            if not ctx.should_process(vm["name"], "Import-VMInitialReplication"):
                continue
            p = model.partner(rel)
            if p is not None and p[2]["state"] == "InitialReplicationInProgress":
                engine.complete_initial(model, p[2], now)
            else:
                model.set_state(rel, "Replicating")
                rel["last_replication"] = rel["last_applied"] = now
            self.mutated(ctx)
            self.passthru(ctx, b, h, vm, "0")

    @staticmethod
    def _find_media(model, path, vm_id):
        m = model.data["media"].get(path.rstrip("\\").lower())
        return m if m is not None and m["vm_id"] == vm_id else None


class StopVMInitialReplication(ReplicationCommand):
    name = "Stop-VMInitialReplication"
    class_name = "StopVMInitialReplication"
    should_process = True
    params = [Param("VMName", "string[]", position=0, not_empty=True), Param("VM", VM_T, pipeline=True),
              Param("VMReplication", REPL_T, pipeline=True), Param("Passthru", "switch")] + computer_params()

    def process(self, ctx, b):
        model = self.model(ctx)
        for h, vm in self.each_vm(ctx, b):
            key = _initial_key(vm)
            rel = vm["repl"].get(key) if key else None
            if rel is None:
                self.invalid_state(ctx, vm, vm["repl"].get("0"), "Stop-VMInitialReplication")
                continue
            allowed = rel.get("initial_start_at") is not None or \
                rel["state"] in ("InitialReplicationInProgress", "Suspended", "Error") or \
                (rel["state"] == "ReadyForInitialReplication" and rel.get("last_replication") is None)
            if not allowed:
                self.invalid_state(ctx, vm, rel, "Stop-VMInitialReplication")
                continue
            if not ctx.should_process(vm["name"], "Stop-VMInitialReplication"):
                continue
            model.set_state(rel, "ReadyForInitialReplication")
            for k in ("initial_start_at", "initial_ends_at", "initial_mode", "next_cycle", "last_replication"):
                rel[k] = None
            p = model.partner(rel)
            if p is not None:
                model.set_state(p[2], "WaitingForInitialReplication")
                p[2]["last_replication"] = p[2]["last_applied"] = None
            self.mutated(ctx)
            self.passthru(ctx, b, h, vm, key)


class SuspendVMReplication(ReplicationCommand):
    name = "Suspend-VMReplication"
    class_name = "SuspendVMReplication"
    should_process = True
    params = [Param("VMName", "string[]", position=0, not_empty=True), Param("VM", VM_T, pipeline=True),
              Param("VMReplication", REPL_T, pipeline=True),
              Param("ReplicationRelationshipType", VMReplicationRelationshipType, aliases=("Relationship",)),
              Param("Passthru", "switch")] + computer_params()

    def process(self, ctx, b):
        for h, vm in self.each_vm(ctx, b):
            key, rel = select_rel(vm, self.rtype(b))
            if rel is None:
                self.not_enabled(ctx, vm)
                continue
            if rel["state"] not in ("InitialReplicationInProgress", "WaitingForInitialReplication", "Replicating",
                                    "Resynchronizing"):
                self.invalid_state(ctx, vm, rel, "Suspend-VMReplication")
                continue
            if ctx.should_process(vm["name"], "Suspend-VMReplication"):
                rel["suspended_from"] = rel["state"]
                self.model(ctx).set_state(rel, "Suspended")
                rel["next_cycle"] = None
                self.mutated(ctx)
                self.passthru(ctx, b, h, vm, key)


class ResumeVMReplication(ReplicationCommand):
    name = "Resume-VMReplication"
    class_name = "ResumeVMReplication"
    should_process = True
    params = [Param("VMName", "string[]", position=0, not_empty=True), Param("VM", VM_T, pipeline=True),
              Param("VMReplication", REPL_T, pipeline=True),
              Param("ReplicationRelationshipType", VMReplicationRelationshipType, aliases=("Relationship",)),
              Param("Resynchronize", "switch", aliases=("Resync",)),
              Param("ResynchronizeStartTime", "datetime", aliases=("ResyncStart",)), Param("Continue", "switch"),
              Param("AsJob", "switch"), Param("Passthru", "switch")] + computer_params()

    def process(self, ctx, b):
        model = self.model(ctx)
        now = self.now(ctx)
        for h, vm in self.each_vm(ctx, b):
            if b.get("Continue"):
                self.continue_chain(ctx, b, h, vm)
                continue
            key, rel = select_rel(vm, self.rtype(b))
            if rel is None:
                self.not_enabled(ctx, vm)
                continue
            if rel["state"] not in ("Suspended", "WaitingForStartResynchronize", "ResynchronizeSuspended", "Error",
                                    "UpdateError"):
                self.invalid_state(ctx, vm, rel, "Resume-VMReplication")
                continue
            start = b.get("ResynchronizeStartTime")
            if start is not None and (start.epoch < now - 60 or start.epoch > now + 7 * DAY):
                self.fail(ctx, "InvalidParameter", "The resynchronization start time must be between now and 7 days "
                                                   "from now.", target=vm["name"])
                continue
            if not ctx.should_process(vm["name"], "Resume-VMReplication"):
                continue
            if b.get("Resynchronize") or start is not None:
                if start is not None:
                    model.set_state(rel, "WaitingForStartResynchronize")
                    rel["resync_start_at"] = start.epoch
                else:
                    model.set_state(rel, "Resynchronizing")
                    rel["resync_ends_at"] = now + model.settings["resync_seconds"]
                    p = model.partner(rel)
                    if p is not None and rel.get("role") == "source" and p[2]["state"] in ("Replicating", "Suspended",
                                                                                          "Error"):
                        model.set_state(p[2], "Resynchronizing")
            elif rel["state"] == "UpdateError":
                model.set_state(rel, "WaitingForUpdateCompletion")
            else:
                back = rel.get("suspended_from")
                if rel["state"] == "Suspended" and back in ("InitialReplicationInProgress",) and \
                        rel.get("initial_ends_at"):
                    model.set_state(rel, back)
                else:
                    model.set_state(rel, "Replicating")
                    if rel.get("role") == "source":
                        rel["next_cycle"] = now + rel["frequency"]
            rel["suspended_from"] = None
            self.mutated(ctx)
            self.passthru(ctx, b, h, vm, key)

    def continue_chain(self, ctx, b, host, vm):
        """Row 18: after failing over the middle of an extended chain, make it the primary towards the third host."""
        model = self.model(ctx)
        now = self.now(ctx)
        rel0, rel1 = vm["repl"].get("0"), vm["repl"].get("1")
        if not rel0 or rel0["mode"] != "Replica":
            self.fail(ctx, "InvalidParameter", "-Continue is valid only for a Replica virtual machine.",
                      target=vm["name"])
            return
        if rel0["state"] not in ("FailedOverWaitingCompletion", "FailedOver") or rel1 is None:
            self.invalid_state(ctx, vm, rel0, "Resume-VMReplication -Continue")
            return
        if not ctx.should_process(vm["name"], "Resume-VMReplication"):
            return
        vm["snapshots"] = [s for s in vm["snapshots"] if s["type"] not in (6, 7, 8)]
        p = model.partner(rel1)
        newp = copy.deepcopy(rel1)
        newp.update({"mode": "Primary", "relationship": "Simple", "role": "source", "state": "Replicating",
                     "health": "Normal", "primary": host, "last_replication": now, "next_cycle": now + rel1["frequency"]})
        vm["repl"]["0"] = newp
        del vm["repl"]["1"]
        if p is not None:
            _, pvm, prel = p
            prel.update({"mode": "Replica", "relationship": "Simple", "state": "Replicating", "health": "Normal",
                         "primary": host, "partner": {"host": host, "vm": vm["id"], "rel": "0"},
                         "last_replication": now, "last_applied": now})
        self.mutated(ctx)
        self.passthru(ctx, b, host, vm, "0")


class StopVMReplication(ReplicationCommand):
    name = "Stop-VMReplication"
    class_name = "StopVMReplication"
    should_process = True
    params = [Param("VMName", "string[]", position=0, not_empty=True), Param("VM", VM_T, pipeline=True),
              Param("VMReplication", REPL_T, pipeline=True),
              Param("ReplicationRelationshipType", VMReplicationRelationshipType, aliases=("Relationship",)),
              Param("Passthru", "switch")] + computer_params()

    def process(self, ctx, b):
        model = self.model(ctx)
        for h, vm in self.each_vm(ctx, b):
            key, rel = select_rel(vm, self.rtype(b))
            if rel is None:
                self.not_enabled(ctx, vm)
                continue
            if rel["relationship"] == "Extended":
                self.fail(ctx, "OperationFailed", "Stop-VMReplication is not supported for an extended replication "
                                                  "relationship.", target=vm["name"])
                continue
            if rel["state"] not in ("Resynchronizing", "WaitingForUpdateCompletion", "UpdateError"):
                self.invalid_state(ctx, vm, rel, "Stop-VMReplication")
                continue
            if not ctx.should_process(vm["name"], "Stop-VMReplication"):
                continue
            rel["resync_ends_at"] = rel["resync_start_at"] = None
            if rel.get("role") == "source":
                model.set_state(rel, "WaitingForStartResynchronize")
                rel["next_cycle"] = None
            else:
                model.set_state(rel, "Replicating")
            self.mutated(ctx)
            self.passthru(ctx, b, h, vm, key)


COMMANDS = [EnableVMReplication(), SetVMReplication(), RemoveVMReplication(), GetVMReplication(),
            MeasureVMReplication(), ResetVMReplicationStatistics(), StartVMInitialReplication(),
            ImportVMInitialReplication(), StopVMInitialReplication(), SuspendVMReplication(), ResumeVMReplication(),
            StopVMReplication()]

