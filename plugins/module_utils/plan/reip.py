# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Re-IP rules: source subnet -> target subnet keeping the host part, plus per-VM overrides.

Rules are tried in order and the first rule whose source subnet holds the address wins,
as in SRM's IP subnet mapper. The result is a plan (one entry per NIC) that providers apply
with their own mechanism (vSphere guest customization, Hyper-V failover TCP/IP settings).
Which addresses a NIC or a gateway may get, and the overlap check, are in ``plan/addresses.py``.

Problems are collected, not raised one at a time: ``ReipPlanner`` refuses all bad rules at once,
``override_errors`` returns every bad override of a call, ``plan_vm`` refuses a VM naming all its problems and
``plan`` refuses a call naming every problem of every VM. ``refuse`` turns such a list into one refusal.
``overlap_errors`` (from ``plan/addresses.py``, also importable from here) checks a whole call's plans.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import difflib

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.plan import addresses
from ansible_collections.vmdr.replication.plugins.module_utils.plan.addresses import overlap_errors

UNMATCHED = ("fail", "keep")
RULE_KEYS = ("source", "target", "gateway", "dns", "dns_suffix")
OVERRIDE_KEYS = ("nic", "network", "ip", "gateway", "dns", "dns_suffix")
STEP = addresses.STEP
PLAN_STEP = addresses.PLAN_STEP


def refusal(errors):
    """One InputError for ``errors`` (the error itself when there is one), or None when there are none."""
    errors = list(errors)
    if not errors:
        return None
    if len(errors) == 1:
        return errors[0]
    vms = set(e.vm for e in errors)
    steps = set(e.step for e in errors)
    return InputError("%d re-IP problems: %s" % (len(errors), "; ".join(str(e) for e in errors)),
                      vm=vms.pop() if len(vms) == 1 else None, step=steps.pop() if len(steps) == 1 else STEP)


def refuse(errors):
    """Raises one InputError naming every problem in ``errors``; returns when there is none."""
    error = refusal(errors)
    if error is not None:
        raise error


def by_vm(errors):
    """{VM label: one InputError naming all its problems}, for callers that fail VMs one by one."""
    grouped = {}
    for error in errors:
        grouped.setdefault(error.vm, []).append(error)
    return dict((vm, refusal(items)) for vm, items in grouped.items())


def _listing(names, limit=10):
    names = sorted(str(n) for n in names)
    shown = ", ".join("'%s'" % n for n in names[:limit])
    return shown + (" and %d more" % (len(names) - limit) if len(names) > limit else "")


class ReipRule(object):
    def __init__(self, index, source, target, gateway=None, dns=None, dns_suffix=None):
        self.index = index
        self.source = addresses.subnet(source, "rule %d source" % index)
        self.target = addresses.subnet(target, "rule %d target" % index)
        if self.source.version != self.target.version:
            raise InputError("rule %d maps IPv%d to IPv%d" % (index, self.source.version, self.target.version),
                             step=STEP)
        if self.target.num_addresses < self.source.num_addresses:
            raise InputError(
                "rule %d target %s is smaller than source %s, so host parts cannot be kept"
                % (index, self.target, self.source), step=STEP,
                hint="Use a target subnet at least as large as the source subnet")
        self.gateway = addresses.address(gateway, "rule %d gateway" % index) if gateway else None
        if self.gateway is not None:
            problems = addresses.gateway_problems(self.gateway, self.target, "rule %d gateway" % index)
            if problems:
                raise InputError("; ".join(problems), step=STEP,
                                 hint="Give a gateway that is a host address of target %s, or none" % self.target)
        self.dns = [str(addresses.address(d, "rule %d dns" % index)) for d in (dns or [])]
        self.dns_suffix = dns_suffix

    def translate(self, address):
        return addresses.translate(address, self.source, self.target)


class Override(object):
    """One NIC setting of a VM's overrides. ``broken``: it had problems, so the NIC it picks is not planned."""

    def __init__(self, nic, network, iface=None, gateway=None, dns=(), dns_suffix=None, broken=False):
        self.nic = nic
        self.network = network
        self.iface = iface
        self.gateway = gateway
        self.dns = list(dns)
        self.dns_suffix = dns_suffix
        self.broken = broken

    @property
    def picks(self):
        return "NIC %s" % self.nic if self.network is None else "network '%s'" % self.network

    @classmethod
    def parse(cls, vm, position, item):
        """(Override, [InputError]); the Override is None when it picks no NIC one can tell."""
        what = "override %d" % position

        def problem(message, hint=None):
            return InputError("%s: %s" % (what, message), vm=vm, step=STEP, hint=hint)

        if not isinstance(item, dict):
            return None, [problem("each override needs 'ip' (address/prefix) and 'nic' (index) or 'network'")]
        errors = []
        unknown = sorted(set(str(k) for k in item) - set(OVERRIDE_KEYS))
        if unknown:
            errors.append(problem("unknown keys %s" % ", ".join(unknown), "Use only %s" % ", ".join(OVERRIDE_KEYS)))
        nic, network = item.get("nic"), item.get("network")
        picks = True
        if nic is not None and network is not None:
            picks = False
            errors.append(problem("gives both nic and network", "Pick the NIC by nic (index) or by network, not both"))
        if isinstance(nic, str) and nic.strip().isdigit():
            nic = int(nic)
        if nic is not None and (isinstance(nic, bool) or not isinstance(nic, int) or nic < 0):
            picks = False
            errors.append(problem("nic must be a NIC index (0, 1, ...), got %r" % (nic,)))
        if nic is None and network is None:
            nic = 0  # documented: an entry without nic or network applies to NIC 0
        override = cls(nic if network is None else None, network, dns_suffix=item.get("dns_suffix"))
        if not item.get("ip"):
            errors.append(problem("each override needs 'ip' (address/prefix) and 'nic' (index) or 'network'"))
        else:
            try:
                override.iface = addresses.interface(item["ip"], "%s ip" % what, vm)
                if item.get("gateway"):
                    override.gateway = addresses.address(item["gateway"], "%s gateway" % what, vm)
                override.dns = [str(addresses.address(d, "%s dns" % what, vm)) for d in item.get("dns") or []]
            except InputError as exc:
                errors.append(exc)
            else:
                problems = addresses.host_problems(override.iface.ip, override.iface.network, override.gateway,
                                                   "%s ip" % what)
                if problems:
                    errors.append(problem("; ".join(problems), "Give the NIC a host address of its subnet, and a "
                                                               "gateway that is another host address of it (or none)"))
        override.broken = bool(errors)
        return (override if picks else None), errors


class ReipPlanner(object):
    """Turns NIC addresses into a re-IP plan with rules and overrides."""

    def __init__(self, rules=None, overrides=None, unmatched="fail", allow_sysprep=False):
        errors = []
        if unmatched not in UNMATCHED:
            errors.append(InputError("unmatched must be one of %s" % ", ".join(UNMATCHED), step=STEP))
        if overrides is not None and not isinstance(overrides, dict):
            errors.append(InputError("overrides must map VM names to lists of NIC settings", step=STEP))
        self.rules = []
        for i, rule in enumerate(rules or []):
            try:
                self.rules.append(ReipRule(i, **self._rule_args(rule, i)))
            except InputError as exc:
                errors.append(exc)
        refuse(errors)
        self.overrides = overrides or {}
        self.unmatched = unmatched
        # vSphere re-IPs Windows guests only through Sysprep (new SID, domain trust lost): opt-in
        self.allow_sysprep = bool(allow_sysprep)

    @staticmethod
    def _rule_args(rule, index):
        if not isinstance(rule, dict) or not rule.get("source") or not rule.get("target"):
            raise InputError("rule %d needs 'source' and 'target' subnets" % index, step=STEP)
        unknown = set(rule) - set(RULE_KEYS)
        if unknown:
            raise InputError("rule %d has unknown keys %s" % (index, ", ".join(sorted(unknown))), step=STEP)
        return dict((k, rule.get(k)) for k in RULE_KEYS)

    # ---- overrides -----------------------------------------------------------------------------------

    def override_errors(self, vms, nics=None):
        """Every problem of ``overrides`` for one call, as a list of InputError (empty when fine); raises nothing.

        ``vms``: the VMs of the call, as named in the module's ``vms`` (their labels). An override for a VM not
        among them is refused (a typo would otherwise be ignored). ``nics`` (optional): {label: [NIC dicts as
        ``plan_vm`` takes them], or the VM's NIC count}; each override of a VM found there must pick a NIC the VM
        has (with a count only, picks by network are not checked). Also refused:
        malformed settings, unknown keys, addresses a host cannot have (see ``plan/addresses.py``), and two
        overrides picking the same NIC. Sorted by VM. The caller refuses them together (``refuse``).
        """
        known = [str(vm) for vm in vms]
        errors = []
        for vm in sorted(self.overrides, key=str):
            if str(vm) not in known:
                close = difflib.get_close_matches(str(vm), known, n=1)
                errors.append(InputError(
                    "re-IP overrides name VM '%s', which is not in vms" % vm, vm=vm, step=STEP,
                    hint="%sName each VM as in vms (%s), or remove its overrides"
                         % ("Did you mean '%s'? " % close[0] if close else "", _listing(known))))
                continue
            errors.extend(self._overrides_of(vm, (nics or {}).get(vm))[1])
        return errors

    def _overrides_of(self, vm, nics=None):
        """({NIC index: Override}, [InputError]) for VM ``vm``; with ``nics`` None, the NIC checks are skipped."""
        items = self.overrides.get(vm) or []
        if not isinstance(items, list):
            return {}, [InputError("overrides for VM '%s' must be a list of NIC settings" % vm, vm=vm, step=STEP)]
        parsed, errors, seen = [], [], {}
        for position, item in enumerate(items):
            override, problems = Override.parse(vm, position, item)
            errors.extend(problems)
            if override is None:
                continue
            if override.picks in seen:
                errors.append(InputError(
                    "overrides %d and %d both pick %s" % (seen[override.picks], position, override.picks), vm=vm,
                    step=STEP, hint="Keep one override per NIC"))
                continue
            seen[override.picks] = position
            parsed.append(override)
        if nics is None:
            return {}, errors
        if isinstance(nics, int) and not isinstance(nics, bool):
            return self._assign(vm, parsed, [{"index": i} for i in range(nics)], errors, networks=False)
        return self._assign(vm, parsed, nics, errors)

    @staticmethod
    def _assign(vm, parsed, nics, errors, networks=True):
        """Overrides by NIC index; an index pick wins over a network pick; an override picking no NIC is refused.
        ``networks`` False: the NICs' networks are unknown, picks by network are not checked."""
        by_index = dict((o.nic, o) for o in parsed if o.network is None)
        indexes = [nic["index"] for nic in nics]
        chosen = {}
        for override in parsed:
            if override.network is None:
                targets = [i for i in indexes if i == override.nic]
            elif not networks:
                continue
            else:
                on_network = [nic["index"] for nic in nics if nic.get("network") == override.network]
                targets = [i for i in on_network if i not in by_index]
                if on_network and not targets:
                    errors.append(InputError(
                        "an override picks %s, but its NICs (%s) have overrides by index" % (
                            override.picks, ", ".join("NIC %s" % i for i in on_network)), vm=vm, step=STEP,
                        hint="Remove one of the overrides of these NICs"))
                    continue
            if not targets:
                errors.append(InputError(
                    "an override picks %s, but the VM has %d NIC%s (%s)" % (
                        override.picks, len(nics), "" if len(nics) == 1 else "s", ", ".join(
                            "NIC %s%s" % (n["index"], " on '%s'" % n["network"] if networks else "")
                            for n in nics) or "none"),
                    vm=vm, step=STEP, hint="Pick one of these NICs by nic (index, from 0 in device order) or by "
                                           "network, or remove the override"))
            for index in targets:
                chosen[index] = override
        return chosen, errors

    # ---- planning ------------------------------------------------------------------------------------

    def plan_vm(self, vm, nics):
        """``nics``: list of {"index", "network", "ip", "prefix"} (ip None for DHCP). Returns one entry per NIC.

        Refuses the VM (one InputError naming all its problems) for bad overrides, an override for a NIC the VM
        does not have, an unmatched address, or a translated address a host cannot have."""
        result, errors = self._plan_vm(vm, nics)
        refuse(errors)
        return result

    def plan(self, vms):
        """``vms``: {name: nics}. Plans every VM, then refuses the call with one InputError naming every problem
        of every VM, two NICs given one address and addresses equal to another NIC's gateway
        (``addresses.overlap_errors``). Overrides of VMs not in ``vms`` are not checked here: see
        ``override_errors``."""
        plans, errors = {}, []
        for name, nics in vms.items():
            plans[name], problems = self._plan_vm(name, nics)
            errors.extend(problems)
        errors.extend(overlap_errors(dict((k, v) for k, v in plans.items() if v is not None)))
        refuse(errors)
        return plans

    def _plan_vm(self, vm, nics):
        overrides, errors = self._overrides_of(vm, nics)
        result = []
        for nic in nics:
            override = overrides.get(nic["index"])
            if override is not None and override.broken:
                continue  # refused above; planning the NIC without it would report a problem that is not there
            try:
                result.append(self._plan_nic(vm, nic, override))
            except InputError as exc:
                errors.append(exc)
        return (None if errors else result), errors

    def _plan_nic(self, vm, nic, override):
        entry = {"index": nic["index"], "network": nic.get("network"), "source_ip": nic.get("ip"),
                 "source_prefix": nic.get("prefix")}
        if override:
            entry.update(action="override", rule=None, target_ip=str(override.iface.ip),
                         target_prefix=override.iface.network.prefixlen,
                         gateway=str(override.gateway) if override.gateway else None, dns=list(override.dns),
                         dns_suffix=override.dns_suffix)
            return entry
        if not nic.get("ip"):
            entry.update(action="dhcp", rule=None, target_ip=None, target_prefix=None, gateway=None, dns=[],
                         dns_suffix=None)
            return entry
        address = addresses.address(nic["ip"], "NIC %s address" % nic["index"], vm)
        for rule in self.rules:
            if address in rule.source:
                target = rule.translate(address)
                problems = addresses.host_problems(target, rule.target, rule.gateway, "the new address")
                if problems:
                    raise InputError(
                        "NIC %s address %s moves by rule %d (%s -> %s) to %s: %s"
                        % (nic["index"], address, rule.index, rule.source, rule.target, target, "; ".join(problems)),
                        vm=vm, step=PLAN_STEP, hint="Give this NIC an override with a host address, or fix the rule "
                                                    "so that its subnets match the NIC's subnet")
                entry.update(action="translate", rule=rule.index, target_ip=str(target),
                             target_prefix=rule.target.prefixlen,
                             gateway=str(rule.gateway) if rule.gateway else None, dns=list(rule.dns),
                             dns_suffix=rule.dns_suffix)
                return entry
        if self.unmatched == "keep":
            if nic.get("prefix") is None:
                raise InputError("NIC %s keeps %s but its prefix length is unknown" % (nic["index"], address), vm=vm,
                                 step=PLAN_STEP, hint="Give the NIC an override with ip: address/prefix")
            entry.update(action="keep", rule=None, target_ip=str(address), target_prefix=nic.get("prefix"),
                         gateway=nic.get("gateway"), dns=list(nic.get("dns") or []), dns_suffix=None)
            return entry
        raise InputError(
            "NIC %s address %s matches no re-IP rule" % (nic["index"], address), vm=vm, step=PLAN_STEP,
            hint="Add a rule whose source subnet holds it, a per-VM override, or set unmatched=keep")
