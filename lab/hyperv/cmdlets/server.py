"""Replica server configuration and authorization entries (reference §1)."""
from __future__ import annotations

import re

from ..model.enums import RecoveryAuthenticationType, ReplicationAuthenticationType
from ..ps import convert as C
from ..ps.commands import Param
from .common import HyperVCommand, computer_params

_MONITORING = {h * 3600 for h in (1, 2, 3, 4, 6, 8, 12, 24)} | {d * 86400 for d in range(2, 8)}


def accepts(model, target, primary, port, auth, thumbprint=None):
    """Would `target`'s replica server accept `primary` on this port/auth? -> (ok, message, storage)."""
    host = model.hosts.get(target)
    if host is None:
        return False, "Hyper-V cannot connect to the specified Replica server '%s'. The server name could not be " \
                      "resolved." % target, None
    srv = host["replication_server"]
    if not srv["enabled"]:
        return False, "The Replica server '%s' is not enabled as a Replica server." % target, None
    allowed = srv.get("auth")
    if not (allowed == auth or allowed == "CertificateAndKerberos"):
        return False, "The Replica server '%s' does not allow %s authentication." % (target, auth), None
    want_port = srv["kerberos_port"] if auth == "Kerberos" else srv["certificate_port"]
    if port != want_port:
        return False, "Hyper-V cannot connect to the specified Replica server '%s' on port %s. The server is " \
                      "listening on a different port or the connection was refused." % (target, port), None
    if srv["allow_any"]:
        return True, None, srv.get("default_storage")
    for e in host["auth_entries"]:
        if entry_matches(e["allowed_primary_server"], primary):
            return True, None, e["storage"]
    return False, "The primary server '%s' is not authorized to replicate to the Replica server '%s'. Add an " \
                  "authorization entry on the Replica server." % (primary, target), None


def entry_matches(pattern, server):
    return pattern == "*" or C.wildcard_match(pattern, server)


def valid_entry_pattern(p):
    if p == "*":
        return True
    labels = p.split(".")
    return all(lb and ("*" not in lb or (i == 0 and lb == "*")) for i, lb in enumerate(labels)) and \
        all(re.fullmatch(r"[A-Za-z0-9*_-]+", lb) for lb in labels)


class GetVMReplicationServer(HyperVCommand):
    name = "Get-VMReplicationServer"
    class_name = "GetVMReplicationServer"
    params = computer_params()

    def process(self, ctx, b):
        for host in self.target_hosts(ctx, b):
            ctx.write(self.projector(ctx).server(host))


class SetVMReplicationServer(HyperVCommand):
    name = "Set-VMReplicationServer"
    class_name = "SetVMReplicationServer"
    should_process = True
    params = [Param("ReplicationEnabled", "bool", position=0, aliases=("RepEnabled",)),
              Param("AllowedAuthenticationType", RecoveryAuthenticationType, position=1, aliases=("AuthType",)),
              Param("ReplicationAllowedFromAnyServer", "bool", position=2, aliases=("AllowAnyServer",)),
              Param("DefaultStorageLocation", "string", aliases=("StorageLoc",)),
              Param("CertificateThumbprint", "string", aliases=("Thumbprint",)),
              Param("KerberosAuthenticationPort", "int", aliases=("KerbAuthPort",)),
              Param("CertificateAuthenticationPort", "int", aliases=("CertAuthPort",)),
              Param("KerberosAuthenticationPortMapping", "hashtable"),
              Param("CertificateAuthenticationPortMapping", "hashtable"),
              Param("MonitoringInterval", "timespan"), Param("MonitoringStartTime", "timespan"),
              Param("Force", "switch"), Param("Passthru", "switch")] + computer_params()

    def process(self, ctx, b):
        model = self.model(ctx)
        for host in self.target_hosts(ctx, b):
            srv = dict(model.hosts[host]["replication_server"])
            if "ReplicationEnabled" in b:
                srv["enabled"] = b["ReplicationEnabled"]
            if "AllowedAuthenticationType" in b:
                srv["auth"] = b["AllowedAuthenticationType"].name
            if "ReplicationAllowedFromAnyServer" in b:
                srv["allow_any"] = b["ReplicationAllowedFromAnyServer"]
            for p, k in (("DefaultStorageLocation", "default_storage"), ("CertificateThumbprint", "thumbprint")):
                if p in b:
                    srv[k] = b[p]
            for p, k in (("KerberosAuthenticationPort", "kerberos_port"),
                         ("CertificateAuthenticationPort", "certificate_port")):
                if p in b:
                    if not 1 <= b[p] <= 65535:
                        self.fail(ctx, "InvalidParameter", "The port number %d is not valid." % b[p], target=b[p])
                        return
                    srv[k] = b[p]
            if "KerberosAuthenticationPortMapping" in b or "CertificateAuthenticationPortMapping" in b:
                ctx.throw("Port mappings (Replica Broker clusters) are not modeled by the Hyper-V simulator.",
                          "NotModeledBySimulator", "NotImplemented", exc_type="System.NotSupportedException")
            if "MonitoringInterval" in b:
                secs = int(b["MonitoringInterval"].total_seconds)
                if secs not in _MONITORING:
                    self.fail(ctx, "InvalidParameter", "The monitoring interval must be 1, 2, 3, 4, 6, 8, 12 or 24 "
                                                       "hours, or 2 to 7 days.", target=str(b["MonitoringInterval"]))
                    return
                srv["monitoring_interval"] = secs
            if "MonitoringStartTime" in b:
                srv["monitoring_start"] = int(b["MonitoringStartTime"].total_seconds) % 86400
            if srv["allow_any"] and not srv.get("default_storage"):
                self.fail(ctx, "InvalidParameter", "DefaultStorageLocation is required when replication is allowed "
                                                   "from any server.")
                return
            if "CertificateAuthenticationPort" in b and srv.get("auth") not in ("Certificate", "CertificateAndKerberos"):
                self.fail(ctx, "InvalidParameter", "The certificate authentication port can be set only when "
                                                   "certificate-based authentication is allowed.")
                return
            if srv["enabled"] and srv.get("auth") in ("Certificate", "CertificateAndKerberos") and \
                    not srv.get("thumbprint"):
                self.fail(ctx, "InvalidParameter", "A certificate thumbprint is required for certificate-based "
                                                   "authentication.")
                return
            if srv["enabled"] and not srv.get("auth"):
                self.fail(ctx, "InvalidParameter", "An authentication type must be specified to enable the Replica "
                                                   "server.")
                return
            if not ctx.should_process(model.hosts[host]["netbios"], "Set-VMReplicationServer"):
                continue
            model.hosts[host]["replication_server"] = srv
            self.mutated(ctx)
            if b.get("Passthru"):
                ctx.write(self.projector(ctx).server(host))


class GetVMReplicationAuthorizationEntry(HyperVCommand):
    name = "Get-VMReplicationAuthorizationEntry"
    class_name = "GetVMReplicationAuthorizationEntry"
    params = [Param("AllowedPrimaryServer", "string", position=0, aliases=("AllowedPS",)),
              Param("ReplicaStorageLocation", "string", aliases=("StorageLoc",)),
              Param("TrustGroup", "string")] + computer_params()

    def process(self, ctx, b):
        model = self.model(ctx)
        for host in self.target_hosts(ctx, b):
            found = False
            for e in model.hosts[host]["auth_entries"]:
                if "AllowedPrimaryServer" in b and e["allowed_primary_server"].lower() != \
                        b["AllowedPrimaryServer"].lower():
                    continue
                if "TrustGroup" in b and e["trust_group"].lower() != b["TrustGroup"].lower():
                    continue
                found = True
                ctx.write(self.projector(ctx).auth_entry(host, e))
            if not found and "AllowedPrimaryServer" in b:
                self.fail(ctx, "ObjectNotFound", "No authorization entry exists for primary server '%s'."
                          % b["AllowedPrimaryServer"], target=b["AllowedPrimaryServer"])


class NewVMReplicationAuthorizationEntry(HyperVCommand):
    name = "New-VMReplicationAuthorizationEntry"
    class_name = "NewVMReplicationAuthorizationEntry"
    should_process = True
    params = [Param("AllowedPrimaryServer", "string", position=0, mandatory=True, aliases=("AllowedPS",)),
              Param("ReplicaStorageLocation", "string", position=1, mandatory=True, aliases=("StorageLoc",)),
              Param("TrustGroup", "string", position=2, mandatory=True)] + computer_params()

    def process(self, ctx, b):
        model = self.model(ctx)
        pattern = b["AllowedPrimaryServer"]
        if not valid_entry_pattern(pattern):
            self.fail(ctx, "InvalidParameter", "The allowed primary server '%s' is not valid. A wildcard is allowed "
                                               "only as the first label (for example *.contoso.com)." % pattern,
                      target=pattern)
            return
        for host in self.target_hosts(ctx, b):
            h = model.hosts[host]
            if h["replication_server"]["allow_any"]:
                self.fail(ctx, "OperationFailed", "Authorization entries can be added only when replication from "
                                                  "any server is not allowed.", target=pattern)
                continue
            if any(e["allowed_primary_server"].lower() == pattern.lower() for e in h["auth_entries"]):
                self.fail(ctx, "OperationFailed", "An authorization entry for '%s' already exists." % pattern,
                          target=pattern)
                continue
            if not ctx.should_process(pattern, "New-VMReplicationAuthorizationEntry"):
                continue
            e = {"allowed_primary_server": pattern, "storage": b["ReplicaStorageLocation"],
                 "trust_group": b["TrustGroup"]}
            h["auth_entries"].append(e)
            self.mutated(ctx)
            ctx.write(self.projector(ctx).auth_entry(host, e))


class SetVMReplicationAuthorizationEntry(HyperVCommand):
    name = "Set-VMReplicationAuthorizationEntry"
    class_name = "SetVMReplicationAuthorizationEntry"
    should_process = True
    params = [Param("AllowedPrimaryServer", "string", position=0, mandatory=True, aliases=("AllowedPS",)),
              Param("ReplicaStorageLocation", "string", position=1, aliases=("StorageLoc",)),
              Param("TrustGroup", "string", position=2), Param("Passthru", "switch")] + computer_params()

    def process(self, ctx, b):
        model = self.model(ctx)
        for host in self.target_hosts(ctx, b):
            hits = [e for e in model.hosts[host]["auth_entries"]
                    if e["allowed_primary_server"].lower() == b["AllowedPrimaryServer"].lower()]
            if not hits:
                self.fail(ctx, "ObjectNotFound", "No authorization entry exists for primary server '%s'."
                          % b["AllowedPrimaryServer"], target=b["AllowedPrimaryServer"])
                continue
            if ctx.should_process(b["AllowedPrimaryServer"], "Set-VMReplicationAuthorizationEntry"):
                for e in hits:
                    if "ReplicaStorageLocation" in b:
                        e["storage"] = b["ReplicaStorageLocation"]
                    if "TrustGroup" in b:
                        e["trust_group"] = b["TrustGroup"]
                    self.mutated(ctx)
                    if b.get("Passthru"):
                        ctx.write(self.projector(ctx).auth_entry(host, e))


class RemoveVMReplicationAuthorizationEntry(HyperVCommand):
    name = "Remove-VMReplicationAuthorizationEntry"
    class_name = "RemoveVMReplicationAuthorizationEntry"
    should_process = True
    params = [Param("AllowedPrimaryServer", "string", position=0, aliases=("AllowedPS",)),
              Param("TrustGroup", "string"), Param("Passthru", "switch")] + computer_params()

    def process(self, ctx, b):
        model = self.model(ctx)
        for host in self.target_hosts(ctx, b):
            entries = model.hosts[host]["auth_entries"]
            keep, gone = [], []
            for e in entries:
                hit = ("AllowedPrimaryServer" not in b or e["allowed_primary_server"].lower() ==
                       b["AllowedPrimaryServer"].lower()) and \
                      ("TrustGroup" not in b or e["trust_group"].lower() == b["TrustGroup"].lower())
                (gone if hit else keep).append(e)
            if not gone:
                self.fail(ctx, "ObjectNotFound", "No matching authorization entry was found.",
                          target=b.get("AllowedPrimaryServer"))
                continue
            if ctx.should_process(", ".join(e["allowed_primary_server"] for e in gone),
                                  "Remove-VMReplicationAuthorizationEntry"):
                model.hosts[host]["auth_entries"] = keep
                self.mutated(ctx)


class TestVMReplicationConnection(HyperVCommand):
    name = "Test-VMReplicationConnection"
    class_name = "TestVMReplicationConnection"
    params = [Param("ReplicaServerName", "string", position=0, mandatory=True),
              Param("ReplicaServerPort", "int", position=1, mandatory=True),
              Param("AuthenticationType", ReplicationAuthenticationType, position=2, mandatory=True),
              Param("CertificateThumbprint", "string", position=3), Param("BypassProxyServer", "bool")] + \
        computer_params()

    def process(self, ctx, b):
        model = self.model(ctx)
        for host in self.target_hosts(ctx, b):
            target = model.resolve_host(b["ReplicaServerName"]) or b["ReplicaServerName"]
            auth = b["AuthenticationType"].name
            if auth == "Certificate" and not b.get("CertificateThumbprint"):
                self.fail(ctx, "InvalidParameter", "A certificate thumbprint is required for certificate-based "
                                                   "authentication.")
                continue
            ok, msg, _ = accepts(model, target, host, b["ReplicaServerPort"], auth)
            if ok:
                ctx.write("Connection to the specified Replica server was successful.")
            else:
                self.fail(ctx, "OperationFailed", msg, target=b["ReplicaServerName"])


COMMANDS = [GetVMReplicationServer(), SetVMReplicationServer(), GetVMReplicationAuthorizationEntry(),
            NewVMReplicationAuthorizationEntry(), SetVMReplicationAuthorizationEntry(),
            RemoveVMReplicationAuthorizationEntry(), TestVMReplicationConnection()]
