"""Virtual switches, network adapters, VLANs and failover (Re-IP) configuration (reference §8), and the Key-Value
Pair Exchange integration service that applies it in the guest."""
from __future__ import annotations

import ipaddress

from ..model import guest
from ..model.enums import VMSwitchType
from ..ps import convert as C
from ..ps.commands import Param
from .common import ADAPTER_T, HyperVCommand, VM_T, computer_params


def _adapters(cmd, ctx, b, host, name_param="Name"):
    """(host, vm, adapter) triples from -VMNetworkAdapter objects or -VMName [+ adapter name]."""
    model = cmd.model(ctx)
    out = []
    objs = b.get("VMNetworkAdapter")
    if objs:
        for o in objs:
            ref = o.hidden
            vm = model.vm(ref.get("host"), ref.get("vm_id")) if ref.get("host") in model.hosts else None
            ad = [a for a in (vm or {}).get("adapters", []) if a["id"] == ref.get("adapter_id")]
            if not ad:
                cmd.fail(ctx, "ObjectNotFound", "The network adapter was not found or was deleted.", target=o)
                continue
            out.append((ref["host"], vm, ad[0]))
        return out
    names = b.get(name_param)
    for h, vm in cmd.resolve_vms(ctx, b, host):
        matches = [a for a in vm["adapters"] if not names or any(C.wildcard_match(n, a["name"]) for n in names)]
        if names and not matches:
            cmd.fail(ctx, "InvalidParameter", "No network adapter is found with the given input.",
                     target=vm["name"])
        out.extend((h, vm, a) for a in matches)
    return out


def _switch(model, host, name):
    for s in model.hosts[host]["switches"]:
        if s["name"].lower() == name.lower():
            return s
    return None


class GetVMSwitch(HyperVCommand):
    name = "Get-VMSwitch"
    class_name = "GetVMSwitch"
    params = [Param("Name", "string[]", position=0, aliases=("SwitchName",)), Param("Id", "guid[]"),
              Param("SwitchType", VMSwitchType), Param("ResourcePoolName", "string[]")] + computer_params()

    def process(self, ctx, b):
        model = self.model(ctx)
        proj = self.projector(ctx)
        for host in self.target_hosts(ctx, b):
            switches = sorted(model.hosts[host]["switches"], key=lambda s: s["name"].lower())
            names = b.get("Name")
            if names:
                for n in names:
                    hits = [s for s in switches if C.wildcard_match(n, s["name"])]
                    if not hits and not C.has_wildcard(n):
                        self.fail(ctx, "InvalidParameter", 'Hyper-V was unable to find a virtual switch with name "%s".'
                                  % n, target=n)
                    for s in hits:
                        if "SwitchType" not in b or b["SwitchType"].name == s["type"]:
                            ctx.write(proj.switch(host, s))
                continue
            for s in switches:
                if "Id" in b and str(s["id"]) not in [str(i) for i in b["Id"]]:
                    continue
                if "SwitchType" in b and b["SwitchType"].name != s["type"]:
                    continue
                ctx.write(proj.switch(host, s))


class GetVMNetworkAdapter(HyperVCommand):
    name = "Get-VMNetworkAdapter"
    class_name = "GetVMNetworkAdapter"
    params = [Param("VMName", "string[]", position=0, not_empty=True), Param("VM", VM_T, pipeline=True),
              Param("Name", "string[]"), Param("All", "switch"), Param("ManagementOS", "switch"),
              Param("SwitchName", "string")] + computer_params()

    def process(self, ctx, b):
        proj = self.projector(ctx)
        if b.get("ManagementOS"):
            return
        for host in self.target_hosts(ctx, b):
            if not b.get("VMName") and not b.get("VM") and not b.get("All"):
                from ..ps.commands import binding_error
                raise binding_error(ctx, "AmbiguousParameterSet",
                                    "Parameter set cannot be resolved using the specified named parameters.")
            for h, vm, a in _adapters(self, ctx, b, host):
                if "SwitchName" in b and (a.get("switch") or "").lower() != b["SwitchName"].lower():
                    continue
                ctx.write(proj.adapter(h, vm, a))


class ConnectVMNetworkAdapter(HyperVCommand):
    name = "Connect-VMNetworkAdapter"
    class_name = "ConnectVMNetworkAdapter"
    should_process = True
    params = [Param("VMName", "string[]", position=0, not_empty=True), Param("Name", "string[]", position=1),
              Param("SwitchName", "string", position=2), Param("VMNetworkAdapter", ADAPTER_T, pipeline=True),
              Param("UseAutomaticConnection", "switch"),
              Param("VMSwitch", ("obj", "Microsoft.HyperV.PowerShell.VMSwitch"), position=2, pipeline=True),
              Param("Passthru", "switch")] + computer_params()

    def process(self, ctx, b):
        model = self.model(ctx)
        for host in self.target_hosts(ctx, b):
            for h, vm, a in _adapters(self, ctx, b, host):
                if b.get("UseAutomaticConnection"):
                    target = None
                else:
                    wanted = b["VMSwitch"].props.get("Name") if b.get("VMSwitch") is not None else b["SwitchName"]
                    sw = _switch(model, h, wanted)
                    if sw is None:
                        self.fail(ctx, "InvalidParameter", 'Hyper-V was unable to find a virtual switch with name "%s".'
                                  % wanted, target=wanted)
                        continue
                    target = sw["name"]
                if not ctx.should_process(vm["name"], "Connect-VMNetworkAdapter"):
                    continue
                a["switch"] = target
                if vm["state"] == "Running":
                    from .vm import effective_ips
                    a["effective_ipv4"] = effective_ips(vm, a)
                self.mutated(ctx)
                if b.get("Passthru"):
                    ctx.write(self.projector(ctx).adapter(h, vm, a))


class DisconnectVMNetworkAdapter(HyperVCommand):
    name = "Disconnect-VMNetworkAdapter"
    class_name = "DisconnectVMNetworkAdapter"
    should_process = True
    params = [Param("VMName", "string[]", position=0, not_empty=True), Param("Name", "string[]", position=1),
              Param("VMNetworkAdapter", ADAPTER_T, pipeline=True), Param("Passthru", "switch"),
              Param("VM", VM_T)] + computer_params()

    def process(self, ctx, b):
        for host in self.target_hosts(ctx, b):
            for h, vm, a in _adapters(self, ctx, b, host):
                if ctx.should_process(vm["name"], "Disconnect-VMNetworkAdapter"):
                    a["switch"] = None
                    self.mutated(ctx)
                    if b.get("Passthru"):
                        ctx.write(self.projector(ctx).adapter(h, vm, a))


class SetVMNetworkAdapter(HyperVCommand):
    name = "Set-VMNetworkAdapter"
    class_name = "SetVMNetworkAdapter"
    should_process = True
    params = [Param("VMName", "string[]", position=0, not_empty=True), Param("Name", "string[]", position=1),
              Param("VMNetworkAdapter", ADAPTER_T, pipeline=True), Param("VM", VM_T),
              Param("TestReplicaSwitchName", "string"), Param("TestReplicaPoolName", "string"),
              Param("Passthru", "switch")] + computer_params()

    def process(self, ctx, b):
        model = self.model(ctx)
        for host in self.target_hosts(ctx, b):
            for h, vm, a in _adapters(self, ctx, b, host, name_param="Name"):
                if "TestReplicaPoolName" in b:
                    ctx.throw("-TestReplicaPoolName (resource pools) is not modeled by the Hyper-V simulator.",
                              "NotModeledBySimulator", "NotImplemented", exc_type="System.NotSupportedException")
                if "TestReplicaSwitchName" in b:
                    if not vm["repl"].get("0"):
                        self.fail(ctx, "InvalidOperation",
                                  "The test replica switch can be set only for a virtual machine that has "
                                  "replication enabled ('%s')." % vm["name"], target=vm["name"])
                        continue
                    name = b["TestReplicaSwitchName"]
                    if name and _switch(model, h, name) is None:
                        self.fail(ctx, "InvalidParameter", 'Hyper-V was unable to find a virtual switch with name "%s".'
                                  % name, target=name)
                        continue
                    if not ctx.should_process(vm["name"], "Set-VMNetworkAdapter"):
                        continue
                    a["test_replica_switch"] = _switch(model, h, name)["name"] if name else None
                    self.mutated(ctx)
                if b.get("Passthru"):
                    ctx.write(self.projector(ctx).adapter(h, vm, a))


def _parse_vlan_list(text):
    ids = []
    for part in str(text).replace(" ", "").split(","):
        if not part:
            continue
        if "-" in part:
            lo, hi = part.split("-", 1)
            ids.extend(range(int(lo), int(hi) + 1))
        else:
            ids.append(int(part))
    return ids


class SetVMNetworkAdapterVlan(HyperVCommand):
    name = "Set-VMNetworkAdapterVlan"
    class_name = "SetVMNetworkAdapterVlan"
    should_process = True
    params = [Param("VMName", "string[]", position=0, not_empty=True), Param("VMNetworkAdapterName", "string"),
              Param("VMNetworkAdapter", ADAPTER_T, pipeline=True), Param("VM", VM_T), Param("Untagged", "switch"),
              Param("Access", "switch"), Param("Trunk", "switch"), Param("VlanId", "int", aliases=("AccessVlanId",)),
              Param("NativeVlanId", "int"), Param("AllowedVlanIdList", "string"), Param("ManagementOS", "switch"),
              Param("Passthru", "switch")] + computer_params()

    def process(self, ctx, b):
        modes = [m for m in ("Untagged", "Access", "Trunk") if b.get(m)]
        if len(modes) != 1:
            from ..ps.commands import binding_error
            raise binding_error(ctx, "AmbiguousParameterSet",
                                "Parameter set cannot be resolved using the specified named parameters.")
        mode = modes[0]
        vlan = {"mode": mode, "access": 0, "native": 0, "allowed": []}
        if mode == "Access":
            vid = b.get("VlanId")
            if vid is None or not 1 <= vid <= 4094:
                self.fail(ctx, "InvalidParameter", "The VLAN identifier must be in the range 1-4094.", target=vid)
                return
            vlan["access"] = vid
        elif mode == "Trunk":
            if "AllowedVlanIdList" not in b or "NativeVlanId" not in b:
                self.fail(ctx, "InvalidParameter", "Trunk mode requires -AllowedVlanIdList and -NativeVlanId.")
                return
            try:
                vlan["allowed"] = _parse_vlan_list(b["AllowedVlanIdList"])
            except ValueError:
                self.fail(ctx, "InvalidParameter", "The VLAN list '%s' is not valid." % b["AllowedVlanIdList"])
                return
            vlan["native"] = b["NativeVlanId"]
        if b.get("ManagementOS"):
            return
        b2 = dict(b.items())
        if "VMNetworkAdapterName" in b:
            b2["Name"] = [b["VMNetworkAdapterName"]]
        for host in self.target_hosts(ctx, b):
            for h, vm, a in _adapters(self, ctx, b2, host):
                if ctx.should_process(vm["name"], "Set-VMNetworkAdapterVlan"):
                    a["vlan"] = dict(vlan)
                    self.mutated(ctx)
                    if b.get("Passthru"):
                        ctx.write(self.projector(ctx).vlan(h, vm, a))


class GetVMNetworkAdapterVlan(HyperVCommand):
    name = "Get-VMNetworkAdapterVlan"
    class_name = "GetVMNetworkAdapterVlan"
    params = [Param("VMName", "string[]", position=0, not_empty=True), Param("VMNetworkAdapterName", "string"),
              Param("VMNetworkAdapter", ADAPTER_T, pipeline=True), Param("VM", VM_T),
              Param("ManagementOS", "switch")] + computer_params()

    def process(self, ctx, b):
        b2 = dict(b.items())
        if "VMNetworkAdapterName" in b:
            b2["Name"] = [b["VMNetworkAdapterName"]]
        for host in self.target_hosts(ctx, b):
            for h, vm, a in _adapters(self, ctx, b2, host):
                ctx.write(self.projector(ctx).vlan(h, vm, a))


def _ipv4(value):
    try:
        ipaddress.IPv4Address(value)
        return True
    except ValueError:
        return False


def _ipv6(value):
    try:
        ipaddress.IPv6Address(value)
        return True
    except ValueError:
        return False


_V4_FIELDS = ("IPv4Address", "IPv4SubnetMask", "IPv4DefaultGateway", "IPv4PreferredDNSServer",
              "IPv4AlternateDNSServer")
_V6_FIELDS = ("IPv6Address", "IPv6DefaultGateway", "IPv6PreferredDNSServer", "IPv6AlternateDNSServer")


class SetVMNetworkAdapterFailoverConfiguration(HyperVCommand):
    name = "Set-VMNetworkAdapterFailoverConfiguration"
    class_name = "SetVMNetworkAdapterFailoverConfiguration"
    should_process = True
    params = [Param("VMName", "string[]", position=0, not_empty=True), Param("VMNetworkAdapterName", "string"),
              Param("VMNetworkAdapter", ADAPTER_T, pipeline=True), Param("VM", VM_T)] + \
        [Param(f, "string") for f in _V4_FIELDS + _V6_FIELDS] + \
        [Param("IPv6SubnetPrefixLength", "int"), Param("ClearFailoverIPv4Settings", "switch"),
         Param("ClearFailoverIPv6Settings", "switch"), Param("Passthru", "switch")] + computer_params()

    def process(self, ctx, b):
        if ("IPv4Address" in b) != ("IPv4SubnetMask" in b):
            self.fail(ctx, "InvalidParameter", "The IPv4Address and IPv4SubnetMask parameters must be specified "
                                               "together.")
            return
        if ("IPv6Address" in b) != ("IPv6SubnetPrefixLength" in b):
            self.fail(ctx, "InvalidParameter", "The IPv6Address and IPv6SubnetPrefixLength parameters must be "
                                               "specified together.")
            return
        for f in _V4_FIELDS:
            if f in b and b[f] is not None and not _ipv4(b[f]):
                self.fail(ctx, "InvalidParameter", "The value '%s' of parameter %s is not a valid IPv4 address."
                          % (b[f], f), target=b[f])
                return
        for f in _V6_FIELDS:
            if f in b and b[f] is not None and not _ipv6(b[f]):
                self.fail(ctx, "InvalidParameter", "The value '%s' of parameter %s is not a valid IPv6 address."
                          % (b[f], f), target=b[f])
                return
        b2 = dict(b.items())
        if "VMNetworkAdapterName" in b:
            b2["Name"] = [b["VMNetworkAdapterName"]]
        for host in self.target_hosts(ctx, b):
            for h, vm, a in _adapters(self, ctx, b2, host):
                if not ctx.should_process(vm["name"], "Set-VMNetworkAdapterFailoverConfiguration"):
                    continue
                f = dict(a.get("failover") or {})
                if b.get("ClearFailoverIPv4Settings"):
                    for k in _V4_FIELDS:
                        f.pop(k, None)
                if b.get("ClearFailoverIPv6Settings"):
                    for k in _V6_FIELDS + ("IPv6SubnetPrefixLength",):
                        f.pop(k, None)
                for k in _V4_FIELDS + _V6_FIELDS + ("IPv6SubnetPrefixLength",):
                    if k in b:
                        f[k] = b[k]
                a["failover"] = f or None
                self.mutated(ctx)
                if b.get("Passthru"):
                    ctx.write(self.projector(ctx).failover_setting(h, vm, a))


class GetVMNetworkAdapterFailoverConfiguration(HyperVCommand):
    name = "Get-VMNetworkAdapterFailoverConfiguration"
    class_name = "GetVMNetworkAdapterFailoverConfiguration"
    params = [Param("VMName", "string[]", position=0, not_empty=True), Param("VMNetworkAdapterName", "string"),
              Param("VMNetworkAdapter", ADAPTER_T, pipeline=True), Param("VM", VM_T)] + computer_params()

    def process(self, ctx, b):
        b2 = dict(b.items())
        if "VMNetworkAdapterName" in b:
            b2["Name"] = [b["VMNetworkAdapterName"]]
        for host in self.target_hosts(ctx, b):
            for h, vm, a in _adapters(self, ctx, b2, host):
                ctx.write(self.projector(ctx).failover_setting(h, vm, a))


_INTEGRATION_SERVICES = ("Guest Service Interface", "Heartbeat", "Key-Value Pair Exchange", "Shutdown",
                         "Time Synchronization", "VSS")


class DisableVMIntegrationService(HyperVCommand):
    """Only the Key-Value Pair Exchange service is modeled: with it disabled, a failed-over VM's guest does not apply
    its failover TCP/IP settings (model/guest.py). It is the lab's switch for a guest that ignores KVP injection."""
    name = "Disable-VMIntegrationService"
    class_name = "DisableVMIntegrationService"
    should_process = True
    params = [Param("Name", "string[]", position=0, mandatory=True), Param("VMName", "string[]", position=1),
              Param("VM", VM_T, pipeline=True), Param("VMIntegrationService", "object"),
              Param("Passthru", "switch")] + computer_params()

    def process(self, ctx, b):
        if "VMIntegrationService" in b or b.get("Passthru"):
            ctx.throw("VMIntegrationComponent objects are not modeled by the Hyper-V simulator.",
                      "NotModeledBySimulator", "NotImplemented", exc_type="System.NotSupportedException")
        names = []
        for n in b["Name"]:
            hits = [s for s in _INTEGRATION_SERVICES if C.wildcard_match(n, s)]
            if not hits:
                self.fail(ctx, "InvalidParameter", 'The integration service "%s" was not found.' % n, target=n)
            names.extend(hits)
        if any(n != "Key-Value Pair Exchange" for n in names):
            ctx.throw("Only the Key-Value Pair Exchange integration service is modeled by the Hyper-V simulator.",
                      "NotModeledBySimulator", "NotImplemented", exc_type="System.NotSupportedException")
        if not names:
            return
        for host in self.target_hosts(ctx, b):
            for h, vm in self.resolve_vms(ctx, b, host):
                if ctx.should_process(vm["name"], "Disable-VMIntegrationService"):
                    guest.disable_kvp(vm)
                    self.mutated(ctx)


COMMANDS = [GetVMSwitch(), GetVMNetworkAdapter(), ConnectVMNetworkAdapter(), DisconnectVMNetworkAdapter(),
            SetVMNetworkAdapter(), SetVMNetworkAdapterVlan(), GetVMNetworkAdapterVlan(),
            SetVMNetworkAdapterFailoverConfiguration(), GetVMNetworkAdapterFailoverConfiguration(),
            DisableVMIntegrationService()]
