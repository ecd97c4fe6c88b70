# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn module results into preflight problems ({check, vm, message}) and report lines."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.plan import schema


def preflight_missing_problem(name):
    return {"check": "replication", "vm": name,
            "message": "not found as a replicated VM at either site; check the name or enable replication"}


def preflight_health_problems(replication):
    """Problems of one replica_info row: a side missing, paused, failed over, outside the RPO, or a last full copy
    that took more than half the RPO (a sync schedule of RPO/2 cannot keep such a VM within its RPO)."""
    name = replication.get("name")
    problems = []
    if not replication.get("source"):
        problems.append({"check": "replication", "vm": name, "message": "the source VM was not found"})
    if not replication.get("replica"):
        problems.append({"check": "replication", "vm": name, "message": "the replica VM was not found"})
    if replication.get("state") == "paused":
        problems.append({"check": "replication", "vm": name, "message": "replication is paused"})
    if replication.get("health") == "failed_over":
        problems.append({"check": "replication", "vm": name, "message": "the VM is failed over already"})
    if not replication.get("rpo_compliant"):
        age = replication.get("age_seconds")
        if age is None:
            text = "has no recovery point yet (RPO %s s)" % replication.get("rpo_seconds")
        else:
            text = "newest recovery point is %s s old, over its RPO of %s s" % (age, replication.get("rpo_seconds"))
        problems.append({"check": "rpo", "vm": name, "message": text})
    copy_seconds = (replication.get("last_transfer") or {}).get("seconds")
    rpo = replication.get("rpo_seconds")
    if copy_seconds and rpo and copy_seconds > rpo / 2.0:
        problems.append({"check": "rpo", "vm": name, "message":
                         "the last full copy took %s s, more than half its RPO (%s s); replica_sync run every RPO/2 "
                         "cannot keep it within its RPO: set a longer RPO, sync fewer or smaller disks per run, or "
                         "protect it with vSphere Replication" % (round(copy_seconds, 1), rpo)})
    return problems


def preflight_step_problem(result, check):
    error = result.get("error") or {}
    return {"check": check, "vm": error.get("vm"), "message": result.get("msg") or "failed"}


def preflight_ip_problems(reip_result, recovery_site):
    """Re-IP targets of one reip result (a live set) that a running VM at the recovery site already uses."""
    usage = (recovery_site or {}).get("addresses") or []
    users = {}
    for entry in usage:
        users.setdefault(entry.get("ip"), []).append(entry.get("vm"))
    problems = []
    for vm in (reip_result or {}).get("vms") or []:
        for nic in vm.get("nics") or []:
            ip = nic.get("target_ip")
            if ip in users:
                problems.append({"check": "ip_in_use", "vm": vm.get("name"), "message":
                                 "re-IP target %s of NIC %s is already used by %s at %s; change the rule or "
                                 "add an override" % (ip, nic.get("index"), ", ".join(sorted(users[ip])),
                                                      recovery_site.get("site"))})
    return problems


def _room(value, reserve):
    return value * (100.0 - reserve) / 100.0


def preflight_capacity_problems(recovery_site, settings=None, placement=None):
    """CPU, memory and storage the plan's VMs need against what the recovery site has free, minus a reserve.

    ``settings``: ``reserve_percent`` (0-99, default 0) kept free, ``vcpus_per_core`` (default 4) allowed."""
    site = recovery_site or {}
    needs, capacity = site.get("needs"), site.get("capacity") or {}
    if not needs:
        return []
    settings = settings or {}
    reserve = float(settings.get("reserve_percent", 0))
    ratio = float(settings.get("vcpus_per_core", 4))
    where = site.get("site")
    problems = []

    def add(message):
        problems.append({"check": "capacity", "vm": None, "message": "%s at %s" % (message, where)})

    cpus = _room(capacity.get("cores", 0) * ratio - capacity.get("running_vcpus", 0), reserve)
    if needs.get("vcpus", 0) > cpus:
        add("the VMs need %s vCPUs, room for %.1f (%s cores x %s vCPUs per core, %s vCPUs running, %s%% reserve)"
            % (needs["vcpus"], max(cpus, 0), capacity.get("cores"), settings.get("vcpus_per_core", 4),
               capacity.get("running_vcpus"), settings.get("reserve_percent", 0)))
    if needs.get("largest_vcpus", 0) > capacity.get("largest_host_cores", 0):
        add("a VM needs %s vCPUs, the largest host has %s cores"
            % (needs["largest_vcpus"], capacity.get("largest_host_cores")))
    memory = _room(capacity.get("memory_free_mb", 0), reserve)
    if needs.get("memory_mb", 0) > memory:
        add("the VMs need %s MB of memory, %.0f MB free (%s%% reserve)"
            % (needs["memory_mb"], memory, settings.get("reserve_percent", 0)))
    # a store whose free space is unknown (Hyper-V replica storage on a share) is not checked
    stores = capacity.get("datastores") or []
    known = [d for d in stores if d.get("free_gb") is not None]
    wanted = (placement or {}).get("datastore")
    chosen = [d for d in known if d.get("name") == wanted] if wanted else sorted(known, key=lambda d: -d["free_gb"])[:1]
    if not chosen and (known or not stores):
        add("datastore %s was not found" % (wanted or "(any)"))
    elif chosen and needs.get("storage_gb", 0) > _room(chosen[0]["free_gb"], reserve):
        add("the VMs' disks need %s GB, datastore %s has %.1f GB free (%s%% reserve)"
            % (needs["storage_gb"], chosen[0]["name"], _room(chosen[0]["free_gb"], reserve),
               settings.get("reserve_percent", 0)))
    return problems


def preflight_line(problem):
    """``[check] where: message``; where is the problem's path in the plan and its VM, or the VM alone."""
    return "[%s] %s" % (problem.get("check"), schema.problem_line(problem))


class FilterModule(object):
    def filters(self):
        return {"preflight_missing_problem": preflight_missing_problem,
                "preflight_health_problems": preflight_health_problems,
                "preflight_step_problem": preflight_step_problem, "preflight_line": preflight_line,
                "preflight_ip_problems": preflight_ip_problems,
                "preflight_capacity_problems": preflight_capacity_problems}
