# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Re-IP rules: source subnet -> target subnet keeping the host part, plus per-VM overrides.

Rules are tried in order and the first rule whose source subnet holds the address wins,
as in SRM's IP subnet mapper. The result is a plan (one entry per NIC) that providers apply
with their own mechanism (vSphere guest customization, Hyper-V failover TCP/IP settings).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError

try:
    import netaddr
    HAS_NETADDR = True
except ImportError:
    HAS_NETADDR = False

UNMATCHED = ("fail", "keep")


def _network(text, what, vm=None):
    try:
        net = netaddr.IPNetwork(text)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise InputError("%s '%s' is not a valid subnet" % (what, text), vm=vm, step="validate re-IP rules",
                         hint="Write subnets as CIDR, for example 10.20.1.0/24")
    if net.ip != net.network:
        raise InputError("%s '%s' has host bits set" % (what, text), vm=vm, step="validate re-IP rules",
                         hint="Use the subnet address, for example %s" % net.cidr)
    return net


def _address(text, what, vm=None):
    try:
        return netaddr.IPAddress(text)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise InputError("%s '%s' is not a valid IP address" % (what, text), vm=vm, step="validate re-IP rules")


def _interface(text, what, vm=None):
    """An address with prefix, as ``10.1.2.3/24``."""
    if "/" not in str(text):
        raise InputError("%s '%s' needs a prefix length, for example 10.20.1.15/24" % (what, text), vm=vm,
                         step="validate re-IP rules")
    try:
        return netaddr.IPNetwork(text)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        raise InputError("%s '%s' is not a valid address/prefix" % (what, text), vm=vm, step="validate re-IP rules")


class ReipRule(object):
    def __init__(self, index, source, target, gateway=None, dns=None, dns_suffix=None):
        self.index = index
        self.source = _network(source, "rule %d source" % index)
        self.target = _network(target, "rule %d target" % index)
        if self.source.version != self.target.version:
            raise InputError("rule %d maps IPv%d to IPv%d" % (index, self.source.version, self.target.version),
                             step="validate re-IP rules")
        if self.target.size < self.source.size:
            raise InputError(
                "rule %d target %s is smaller than source %s, so host parts cannot be kept"
                % (index, self.target.cidr, self.source.cidr), step="validate re-IP rules",
                hint="Use a target subnet at least as large as the source subnet")
        self.gateway = _address(gateway, "rule %d gateway" % index) if gateway else None
        if self.gateway is not None and self.gateway not in self.target:
            raise InputError("rule %d gateway %s is outside target %s" % (index, self.gateway, self.target.cidr),
                             step="validate re-IP rules")
        self.dns = [str(_address(d, "rule %d dns" % index)) for d in (dns or [])]
        self.dns_suffix = dns_suffix

    def translate(self, address):
        host_part = int(address) - int(self.source.network)
        return netaddr.IPAddress(int(self.target.network) + host_part, self.target.version)


class ReipPlanner(object):
    """Turns NIC addresses into a re-IP plan with rules and overrides."""

    def __init__(self, rules=None, overrides=None, unmatched="fail", allow_sysprep=False):
        if not HAS_NETADDR:
            raise InputError("the python library netaddr is required for re-IP", step="validate re-IP rules",
                             hint="pip install netaddr on the controller")
        if unmatched not in UNMATCHED:
            raise InputError("unmatched must be one of %s" % ", ".join(UNMATCHED), step="validate re-IP rules")
        self.rules = [ReipRule(i, **self._rule_args(r, i)) for i, r in enumerate(rules or [])]
        self.overrides = overrides or {}
        self.unmatched = unmatched
        # vSphere re-IPs Windows guests only through Sysprep (new SID, domain trust lost): opt-in
        self.allow_sysprep = bool(allow_sysprep)

    @staticmethod
    def _rule_args(rule, index):
        if not isinstance(rule, dict) or not rule.get("source") or not rule.get("target"):
            raise InputError("rule %d needs 'source' and 'target' subnets" % index, step="validate re-IP rules")
        unknown = set(rule) - set(["source", "target", "gateway", "dns", "dns_suffix"])
        if unknown:
            raise InputError("rule %d has unknown keys %s" % (index, ", ".join(sorted(unknown))),
                             step="validate re-IP rules")
        return dict((k, rule.get(k)) for k in ("source", "target", "gateway", "dns", "dns_suffix"))

    def plan_vm(self, vm, nics):
        """``nics``: list of {"index", "network", "ip", "prefix"} (ip None for DHCP). Returns one entry per NIC."""
        by_nic = self._overrides_for(vm)
        result = []
        for nic in nics:
            override = by_nic.get(nic["index"]) or by_nic.get(nic.get("network"))
            result.append(self._plan_nic(vm, nic, override))
        return result

    def plan(self, vms):
        """``vms``: {name: nics}. Refuses two NICs that would get the same address."""
        plans = dict((name, self.plan_vm(name, nics)) for name, nics in vms.items())
        seen = {}
        for name in sorted(plans):
            for entry in plans[name]:
                ip = entry.get("target_ip")
                if not ip or entry["action"] == "keep":
                    continue
                if ip in seen and seen[ip] != (name, entry["index"]):
                    raise InputError(
                        "re-IP would give %s to both VM '%s' and VM '%s'" % (ip, seen[ip][0], name), vm=name,
                        step="compute re-IP plan", hint="Fix the overlapping rules or overrides")
                seen[ip] = (name, entry["index"])
        return plans

    def _overrides_for(self, vm):
        items = self.overrides.get(vm) or []
        if not isinstance(items, list):
            raise InputError("overrides for VM '%s' must be a list of NIC settings" % vm, vm=vm,
                             step="validate re-IP rules")
        keyed = {}
        for item in items:
            if not isinstance(item, dict) or not item.get("ip"):
                raise InputError("each override needs 'ip' (address/prefix) and 'nic' (index) or 'network'",
                                 vm=vm, step="validate re-IP rules")
            key = item.get("nic", item.get("network", 0))
            keyed[key] = item
        return keyed

    def _plan_nic(self, vm, nic, override):
        entry = {"index": nic["index"], "network": nic.get("network"), "source_ip": nic.get("ip"),
                 "source_prefix": nic.get("prefix")}
        if override:
            iface = _interface(override["ip"], "override ip", vm)
            gateway = _address(override["gateway"], "override gateway", vm) if override.get("gateway") else None
            if gateway is not None and gateway not in iface:
                raise InputError("override gateway %s is outside %s" % (gateway, iface.cidr), vm=vm,
                                 step="validate re-IP rules")
            entry.update(action="override", rule=None, target_ip=str(iface.ip), target_prefix=iface.prefixlen,
                         gateway=str(gateway) if gateway else None,
                         dns=[str(_address(d, "override dns", vm)) for d in override.get("dns") or []],
                         dns_suffix=override.get("dns_suffix"))
            return entry
        if not nic.get("ip"):
            entry.update(action="dhcp", rule=None, target_ip=None, target_prefix=None, gateway=None, dns=[],
                         dns_suffix=None)
            return entry
        address = _address(nic["ip"], "NIC %s address" % nic["index"], vm)
        for rule in self.rules:
            if address in rule.source:
                target = rule.translate(address)
                entry.update(action="translate", rule=rule.index, target_ip=str(target),
                             target_prefix=rule.target.prefixlen,
                             gateway=str(rule.gateway) if rule.gateway else None, dns=list(rule.dns),
                             dns_suffix=rule.dns_suffix)
                return entry
        if self.unmatched == "keep":
            if nic.get("prefix") is None:
                raise InputError("NIC %s keeps %s but its prefix length is unknown" % (nic["index"], address), vm=vm,
                                 step="compute re-IP plan", hint="Give the NIC an override with ip: address/prefix")
            entry.update(action="keep", rule=None, target_ip=str(address), target_prefix=nic.get("prefix"),
                         gateway=nic.get("gateway"), dns=list(nic.get("dns") or []), dns_suffix=None)
            return entry
        raise InputError(
            "NIC %s address %s matches no re-IP rule" % (nic["index"], address), vm=vm, step="compute re-IP plan",
            hint="Add a rule whose source subnet holds it, a per-VM override, or set unmatched=keep")
