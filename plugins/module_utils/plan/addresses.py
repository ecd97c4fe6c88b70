# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The addresses a re-IP may hand out, the same for every provider (standard library ``ipaddress`` only).

Parsing (``subnet``, ``address``, ``interface``), the host part translation (``translate``), which addresses of a
subnet a host or a gateway may have (``host_problems``, ``gateway_problems``), and the check of a whole plan for
addresses given twice (``overlap_errors``).

Which addresses of a subnet are a host's:

- IPv4 up to /30: not the network address (host part all zeros) nor the broadcast address (all ones).
- IPv4 /31 (RFC 3021, point-to-point links): both addresses are hosts; such a subnet has no network or broadcast
  address. The gateway, if any, is the other address.
- IPv4 /32 and IPv6 /128: the one address is the host. There is no other address in the subnet, so such an
  address has no gateway: a gateway is refused, the address itself included.
- IPv6 up to /126: there is no broadcast (the all-ones host is an ordinary address), but the all-zeros host is the
  subnet-router anycast address (RFC 4291 2.6.1) and is refused. The reserved subnet anycast addresses of RFC 2526
  (the highest 128 interface identifiers) are not refused: guests accept them and they are not a network's
  router.
- IPv6 /127 (RFC 6164, point-to-point links): both addresses are hosts; the subnet-router anycast address is not
  used on such links.

A gateway must be a host address (as above) inside the NIC's subnet, and not the NIC's own address.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError

STEP = "validate re-IP rules"
PLAN_STEP = "compute re-IP plan"
REIPED = ("translate", "override")


def _text(value):
    if not isinstance(value, str):
        raise ValueError(value)
    return value.strip()


def subnet(text, what, vm=None):
    """``text`` (CIDR, host bits clear) as an ``ip_network``; refuses anything else with an InputError."""
    try:
        iface = ipaddress.ip_interface(_text(text))
    except ValueError:
        raise InputError("%s '%s' is not a valid subnet" % (what, text), vm=vm, step=STEP,
                         hint="Write subnets as CIDR, for example 10.20.1.0/24")
    if iface.ip != iface.network.network_address:
        raise InputError("%s '%s' has host bits set" % (what, text), vm=vm, step=STEP,
                         hint="Use the subnet address, for example %s" % iface.network)
    return iface.network


def address(text, what, vm=None):
    """``text`` as an ``ip_address``; refuses anything else with an InputError."""
    try:
        return ipaddress.ip_address(_text(text))
    except ValueError:
        raise InputError("%s '%s' is not a valid IP address" % (what, text), vm=vm, step=STEP)


def interface(text, what, vm=None):
    """An address with its prefix, as ``10.1.2.3/24``, as an ``ip_interface``."""
    if "/" not in str(text):
        raise InputError("%s '%s' needs a prefix length, for example 10.20.1.15/24" % (what, text), vm=vm,
                         step=STEP)
    try:
        return ipaddress.ip_interface(_text(text))
    except ValueError:
        raise InputError("%s '%s' is not a valid address/prefix" % (what, text), vm=vm, step=STEP)


def translate(ip, source, target):
    """``ip`` (inside ``source``) moved into ``target`` keeping its host part."""
    return target.network_address + (int(ip) - int(source.network_address))


def reserved(ip, network):
    """What ``ip`` is in ``network`` when no host may have it there, or None (see the module docstring)."""
    if network.version == 4 and network.prefixlen <= 30:
        if ip == network.network_address:
            return "the network address"
        if ip == network.broadcast_address:
            return "the broadcast address"
    if network.version == 6 and network.prefixlen <= 126 and ip == network.network_address:
        return "the subnet-router anycast address"
    return None


def gateway_problems(gateway, network, what="gateway"):
    """Why ``gateway`` cannot be the gateway of hosts of ``network``: a list of sentences, empty when it can."""
    if network.num_addresses == 1:
        return ["%s %s: a /%d holds one address only, so it cannot have a gateway"
                % (what, gateway, network.prefixlen)]
    if gateway not in network:
        return ["%s %s is outside %s" % (what, gateway, network)]
    kind = reserved(gateway, network)
    if kind:
        return ["%s %s is %s of %s" % (what, gateway, kind, network)]
    return []


def host_problems(ip, network, gateway=None, what="address"):
    """Why ``ip`` cannot be a host of ``network`` with ``gateway`` (None: no gateway): sentences, empty when fine."""
    problems = []
    kind = reserved(ip, network)
    if kind:
        problems.append("%s %s is %s of %s" % (what, ip, kind, network))
    if gateway is not None:
        if gateway == ip:
            problems.append("%s %s is also its gateway" % (what, ip))
        else:
            problems.extend(gateway_problems(gateway, network))
    return problems


def _value(text):
    """An address for comparison (fd00::0015 equals fd00::15); the text itself if it does not parse."""
    try:
        return ipaddress.ip_address(_text(text))
    except ValueError:
        return text


def _nic(label, entry):
    return "VM '%s' NIC %s" % (label, entry["index"])


def _names(holders, limit=3):
    """``VM 'a' NIC 0, VM 'b' NIC 1 and 2 more``."""
    names = [_nic(label, entry) for label, entry in holders[:limit]]
    if len(holders) > limit:
        names.append("%d more" % (len(holders) - limit))
    if len(names) == 1:
        return names[0]
    return "%s and %s" % (", ".join(names[:-1]), names[-1])


def _order(entry):
    index = entry.get("index")
    return (0, index, "") if isinstance(index, int) else (1, 0, str(index))


def overlap_errors(plans):
    """Addresses a re-IP plan gives twice, over a whole call; the same check for every provider.

    ``plans``: {VM label: [NIC plan dicts exactly as ``ReipPlanner.plan_vm`` returns them]}; the keys read are
    ``index``, ``action``, ``target_ip`` and ``gateway``. NICs without ``target_ip`` (DHCP) are skipped.
    Addresses compare by value, so ``fd00::0015`` and ``fd00::15`` are the same.

    Returns a list of ``InputError`` (empty when the plan is fine), sorted by VM label then NIC index, each with
    ``vm`` = the VM to fail, ``step`` = "compute re-IP plan" and a ``hint``. A VM may appear in several errors.

    - One address for two NICs (two VMs, or two NICs of one VM): one error for every VM that gets the address
      from the re-IP (action ``translate`` or ``override``), naming every NIC that holds it. A NIC that keeps its
      address (``keep``) holds it but is not failed; NICs that all keep one address are the source's own state
      and are not reported.
    - An address equal to the gateway of another NIC (of any VM): one error for the VM that gets the address
      from the re-IP; when that NIC keeps its address, one error for each VM whose re-IP sets that gateway.
      A NIC's own gateway is checked with the NIC (``host_problems``).
    """
    holders, gateways = {}, {}
    for label in sorted(plans, key=str):
        for entry in sorted(plans[label] or [], key=_order):
            if entry.get("target_ip"):
                holders.setdefault(_value(entry["target_ip"]), []).append((label, entry))
            if entry.get("gateway"):
                gateways.setdefault(_value(entry["gateway"]), []).append((label, entry))
    found = []
    for ip, held in holders.items():
        found.extend(_twice(held))
        for label, entry in held:
            users = [(other, e) for other, e in gateways.get(ip, []) if (other, e["index"]) != (label, entry["index"])]
            found.extend(_gateway_taken(label, entry, users))
    found.sort(key=lambda item: (str(item[0]), _order(item[1])))
    return [error for _label, _entry, error in found]


def _twice(held):
    """[(label, entry, error)] for one address held by the NICs ``held`` ([(label, entry)])."""
    if len(held) < 2 or not any(entry.get("action") in REIPED for _label, entry in held):
        return []
    out, failed = [], set()
    who = ("both " if len(held) == 2 else "") + _names(held)
    for label, entry in held:
        if entry.get("action") in REIPED and label not in failed:
            failed.add(label)
            out.append((label, entry, InputError(
                "re-IP would give %s to %s" % (entry["target_ip"], who), vm=label, step=PLAN_STEP,
                hint="Fix the overlapping rules or overrides so that every NIC gets its own address")))
    return out


def _gateway_taken(label, entry, users):
    """[(label, entry, error)] for the NIC ``entry`` of VM ``label`` whose address the NICs ``users`` use as gateway."""
    if not users:
        return []
    if entry.get("action") in REIPED:
        message = "re-IP would give %s the address %s, the gateway of %s" % (
            _nic(label, entry), entry["target_ip"], _names(users))
        return [(label, entry, InputError(
            message, vm=label, step=PLAN_STEP, hint="Give this NIC another address (an override), or fix the gateway"))]
    out, failed = [], set()
    for other, used in users:
        if used.get("action") in REIPED and other not in failed:
            failed.add(other)
            out.append((other, used, InputError(
                "re-IP would make %s, which keeps its address %s, the gateway of %s"
                % (_nic(label, entry), entry["target_ip"], _nic(other, used)), vm=other, step=PLAN_STEP,
                hint="Fix the gateway of the rule or override of that NIC")))
    return out
