# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Readiness checks of a recovery plan's VMs: what to check after a wave started, and the outcome per check.

A VM's ``readiness`` is a list of checks, each with a ``type``:

- ``tcp``: ``port`` (and ``host``, default the VM's first recovered address) accepts a connection;
- ``http``: ``url`` answers with ``status`` (default 200); ``ca_path`` and ``validate_certs`` as in ``uri``;
- ``tasks``: the Ansible task file ``file`` runs without failing (it sees ``vmdr_readiness``).

Every check may set ``timeout`` (seconds, default the runbook's ready timeout) and ``delay`` (seconds between
tries, default 5). VMware Tools / integration services heartbeat and the expected addresses are awaited by the
failover module itself before these checks run. Their shape is checked by the plan schema (``schema.py``).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

TYPES = ("tcp", "http", "tasks")


def task_files(plan):
    """(path in the plan, VM, task file) of every readiness check of type tasks."""
    out = []
    vms = (plan or {}).get("vms")
    for index, vm in enumerate(vms if isinstance(vms, list) else []):
        entries = vm.get("readiness") if isinstance(vm, dict) else None
        for number, check in enumerate(entries if isinstance(entries, list) else []):
            if isinstance(check, dict) and check.get("type") == "tasks" and isinstance(check.get("file"), str) \
                    and check["file"].strip():
                name = vm.get("name") if isinstance(vm.get("name"), str) else None
                out.append(("vms[%d].readiness[%d]" % (index, number), name, check["file"]))
    return out


def _address(result):
    for nic in result.get("reip") or []:
        if nic.get("target_ip"):
            return nic["target_ip"]
    for nic in result.get("nics") or []:
        if nic.get("ip"):
            return nic["ip"]
    return None


def checks(plan, vm_results, timeout):
    """The checks to run for the VMs of ``vm_results`` (failover results) that did not fail, one entry each:
    vm, check {type, target}, timeout, delay, retries and the type's settings; address is the VM's first
    recovered address (its re-IP target), used when a tcp check has no host."""
    by_name = dict((vm.get("name"), vm) for vm in (plan or {}).get("vms") or [] if isinstance(vm, dict))
    out = []
    for result in vm_results or []:
        if result.get("failed") or result.get("name") not in by_name:
            continue
        address = _address(result)
        for check in by_name[result["name"]].get("readiness") or []:
            kind = check["type"]
            limit = int(check.get("timeout") or timeout)
            delay = max(1, int(check.get("delay") or 5))
            entry = {"vm": result["name"], "address": address, "timeout": limit, "delay": delay,
                     "retries": max(1, limit // delay)}
            if kind == "tcp":
                entry.update(host=check.get("host") or address, port=int(check["port"]))
                target = "%s:%s" % (entry["host"], entry["port"])
            elif kind == "http":
                entry.update(url=check["url"], status=check.get("status", 200), ca_path=check.get("ca_path"),
                             validate_certs=check.get("validate_certs", True))
                target = check["url"]
            else:
                entry.update(file=check["file"])
                target = check["file"]
            entry["check"] = {"type": kind, "target": target}
            out.append(entry)
    return out


def _elapsed(result):
    for where in (result, result.get("item") or {}):
        if where.get("elapsed_seconds") is not None:
            return where["elapsed_seconds"]
    elapsed = float(result.get("elapsed") or 0)
    attempts = int(result.get("attempts") or 1)
    delay = (result.get("item") or {}).get("delay") or 0
    return round(elapsed + (attempts - 1) * delay, 2)


def outcomes(*registered):
    """One entry per check run, from the registered results of the check tasks: vm, check, passed,
    elapsed_seconds (for http: the last try plus the delays before it), message."""
    out = []
    for reg in registered:
        for result in (reg or {}).get("results") or []:
            item = result.get("item")
            if not isinstance(item, dict) or result.get("skipped"):
                continue
            passed = not result.get("failed")
            message = result.get("message") or result.get("msg") or ("ready" if passed else "not ready")
            out.append({"vm": item.get("vm"), "check": item.get("check"), "passed": passed,
                        "elapsed_seconds": _elapsed(result), "message": str(message)})
    return out
