# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bulk reads and per-host runs of the Hyper-V provider: every step is one WinRM command per host holding VMs of the
call, however many VMs it acts on. ``p`` is the HypervProvider of the call (its sites, check mode, warnings)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError, VmdrError
from ansible_collections.vmdr.replication.plugins.module_utils.clients.winrm_runner import error_from
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import scripts, sites
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv.settings import vm_entry

READ_STEP = "read VMs"


def entries(p, batch, refs, labels=None):
    """Script entries of ``refs`` (those in ``labels``, not failed yet); a VM named by moid only fails."""
    out = []
    for index, ref in enumerate(refs):
        if labels is not None and ref.label not in labels:
            continue
        if batch is not None and batch[ref.label].failed:
            continue
        if ref.moid and not ref.name and not ref.uuid:
            if batch is not None:
                batch.fail(ref.label, InputError("Hyper-V VMs are named by name or uuid (VM Id), not moid",
                                                 vm=ref.label, step="validate vms"))
            continue
        out.append(vm_entry(index, ref))
    return out


def items_of(data):
    return (data.get("vms") if isinstance(data, dict) and "vms" in data else data) or []


def collect(batch, refs, host, step, results):
    """Maps the per-VM results of one script onto the batch; returns {label: data} of the VMs that worked."""
    by_index = dict((ref_index, ref) for ref_index, ref in enumerate(refs))
    good = {}
    for item in results or []:
        ref = by_index.get(item.get("i"))
        if ref is None:
            continue
        if item.get("ok"):
            good[ref.label] = item.get("data") or {}
        else:
            batch.fail(ref.label, error_from(item.get("error"), vm=ref.label, site=host.name,
                                             step=item.get("step") or step))
    return good


def place(p, batch, role, todo, missing="fail"):
    """The entries whose host is known, after locating them on a site of several hosts. ``missing``: "fail"
    fails VMs found on no host, "skip" leaves them out (nothing to do there)."""
    site = p.site(role)
    try:
        lost, ambiguous = sites.locate(site, todo)
    except VmdrError as exc:
        for entry in todo:
            batch.fail(entry["label"], VmdrError(exc.message, vm=entry["label"], site=exc.site, step="find VM",
                                                 hint=exc.hint, fault=exc.fault))
        return []
    for label, hosts in ambiguous.items():
        batch.fail(label, sites.ambiguous_error(site, label, hosts))
    if missing == "fail":
        for label in lost:
            batch.fail(label, sites.missing_error(site, label))
    return [entry for entry in todo if not batch[entry["label"]].failed and entry["label"] in site.where]


def run_grouped(p, batch, refs, role, step, body, payload, todo, missing="fail"):
    """Runs ``body`` for ``todo`` as one command per host holding them; {label: data} of the VMs that worked."""
    good, now = {}, None
    for host, mine in sites.group(p.site(role), place(p, batch, role, todo, missing)):
        try:
            data, now = host.run(step, body, dict(payload, vms=mine, check=bool(payload.get("check", p.check_mode))))
        except VmdrError as exc:
            for entry in mine:
                batch.fail(entry["label"], VmdrError(exc.message, vm=entry["label"], site=host.name, step=step,
                                                     hint=exc.hint, fault=exc.fault))
            continue
        good.update(collect(batch, refs, host, step, items_of(data)))
    return good, now


def run_each(p, batch, refs, role, step, body, payload, labels=None, missing="fail"):
    todo = entries(p, batch, refs, labels)
    if not todo:
        return {}, None
    return run_grouped(p, batch, refs, role, step, body, payload, todo, missing)


def read(p, batch, refs, role, nics=False, labels=None):
    return run_each(p, batch, refs, role, READ_STEP, scripts.READ, {"nics": nics, "measure": False}, labels=labels)


def optional_run(p, role, step, body, payload):
    """Runs on a site that may be down (unplanned failover): (None, None) when unreachable or not configured.
    On a site of several hosts the VMs are located first and the per-VM results of all hosts are joined."""
    site = p.site(role, required=False)
    if site is None:
        return None, None
    try:
        if not site.multi:
            return site.hosts[0].run(step, body, payload)
        todo = payload.get("vms") or []
        sites.locate(site, todo)
        items, now = [], None
        for host, mine in sites.group(site, todo):
            data, now = host.run(step, body, dict(payload, vms=mine))
            items += items_of(data)
        return {"vms": items}, now
    except VmdrError as exc:
        p.unreachable[role] = exc
        p.warn("%s site '%s' could not be read (%s); continuing without it" % (role, site.hosts[0].name, exc))
        return None, None


def run_outcomes(p, role, step, body, payload, todo):
    """Runs ``body`` for the placed entries ``todo`` of ``role``, one command per host: {label: (data, error)}.
    A host that does not answer fails each of its VMs; nothing is raised (the engine's steps)."""
    out = {}
    labels = dict((entry["i"], entry["label"]) for entry in todo)
    for host, mine in sites.group(p.site(role), todo):
        try:
            data, dummy = host.run(step, body, dict(payload, vms=mine, check=False))
        except VmdrError as exc:
            for entry in mine:
                out[entry["label"]] = (None, VmdrError(exc.message, vm=entry["label"], site=host.name, step=step,
                                                       hint=exc.hint, fault=exc.fault))
            continue
        for item in items_of(data):
            label = labels.get(item.get("i"))
            if label is None:
                continue
            if item.get("ok"):
                out[label] = (item.get("data") or {}, None)
            else:
                out[label] = (None, error_from(item.get("error"), vm=label, site=host.name,
                                               step=item.get("step") or step))
    return out


def read_checked(p, role, todo, problems, nics=True, step=READ_STEP):
    """Validation read: {label: READ data} of ``todo`` on ``role``; a VM not found (or found twice) on the site, or
    that cannot be read, is an input problem (nothing has changed yet). Returns {} when the site cannot be read."""
    site = p.site(role)
    try:
        lost, ambiguous = sites.locate(site, todo)
    except VmdrError as exc:
        problems.add(InputError(exc.message, site=exc.site, step="find VM", hint=exc.hint, fault=exc.fault))
        return {}
    for label in lost:
        problems.add(sites.missing_error(site, label))
    for label, hosts in ambiguous.items():
        problems.add(sites.ambiguous_error(site, label, hosts))
    placed = [entry for entry in todo if entry["label"] in site.where and entry["label"] not in ambiguous]
    got = run_outcomes(p, role, step, scripts.READ, {"nics": nics, "measure": False}, placed)
    out = {}
    for entry in placed:
        data, error = got.get(entry["label"], (None, None))
        if error is not None:
            problems.add(error)
        elif data is not None:
            out[entry["label"]] = data
    return out


def locate_checked(p, role, todo, problems):
    """The entries of ``todo`` found on exactly one host of ``role`` (one LOCATE per host, which also reads each
    host's facts); a VM found on no host or on several is an input problem."""
    site = p.site(role)
    try:
        lost, ambiguous = sites.locate(site, todo, always=True)
    except VmdrError as exc:
        problems.add(InputError(exc.message, site=exc.site, step="find VM", hint=exc.hint, fault=exc.fault))
        return []
    for label in lost:
        problems.add(sites.missing_error(site, label))
    for label, hosts in ambiguous.items():
        problems.add(sites.ambiguous_error(site, label, hosts))
    return [entry for entry in todo if entry["label"] in site.where and entry["label"] not in ambiguous]


def host_facts(p, role, host, step="read host"):
    """Replica server configuration and switches of one host, read at most once per call."""
    site = p.site(role)
    key = host.hostname.lower()
    if key not in site.facts:
        data, dummy = host.run(step, scripts.SERVER, {})
        site.facts[key] = data
    return site.facts[key]


def switches(p, role, label):
    """{switch: type} of the host of ``role`` holding ``label``."""
    facts = host_facts(p, role, p.host_of(role, label))
    return dict((s["name"], s["type"]) for s in facts.get("switches") or [])
