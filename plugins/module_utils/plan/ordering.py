# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Recovery order: priority groups 1-5, and inside them waves of VMs whose dependencies are ready.

``depends_on`` may point at VMs of the same or an earlier priority group; dependencies form a DAG.
Each wave is started by one batch module call, and a VM joins a wave only once every VM it depends
on is in an earlier wave (and, in the runbook, has passed its readiness checks).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.plan import hooks, readiness, site_pairs

PRIORITIES = (1, 2, 3, 4, 5)


def _vms(plan):
    vms = (plan or {}).get("vms") or []
    return [vm for vm in vms if isinstance(vm, dict)]


def _deps(vm):
    deps = vm.get("depends_on") or []
    return [deps] if isinstance(deps, str) else list(deps)


def find_cycle(vms):
    """One dependency cycle as a list of names (first name repeated at the end), or None."""
    graph = dict((vm.get("name"), _deps(vm)) for vm in vms)
    state = {}
    stack = []

    def visit(name):
        state[name] = "open"
        stack.append(name)
        for dep in graph.get(name, []):
            if dep not in graph:
                continue
            if state.get(dep) == "open":
                return stack[stack.index(dep):] + [dep]
            if dep not in state:
                found = visit(dep)
                if found:
                    return found
        stack.pop()
        state[name] = "done"
        return None

    for name in sorted(graph, key=str):
        if name not in state:
            found = visit(name)
            if found:
                return found
    return None


def plan_problems(plan):
    """Every semantic problem of the plan's structure, not only the first: [{check, vm, message}]."""
    problems = []

    def add(check, vm, message):
        problems.append({"check": check, "vm": vm, "message": message})

    plan = plan or {}
    sites = plan.get("sites") or {}
    for key in ("protected_site", "recovery_site"):
        if plan.get(key) not in sites:
            add("sites", None, "%s '%s' is not one of the plan's sites (%s)"
                % (key, plan.get(key), ", ".join(sorted(sites)) or "none"))
    if plan.get("protected_site") and plan.get("protected_site") == plan.get("recovery_site"):
        add("sites", None, "protected_site and recovery_site are the same site")
    problems.extend(site_pairs.pair_problems(plan))
    vms = _vms(plan)
    if not vms:
        add("vms", None, "the plan has no VMs")
    names = {}
    for index, vm in enumerate(vms):
        name = vm.get("name")
        if not name:
            add("vms", None, "VM entry %d has no name" % index)
            continue
        names[name] = names.get(name, 0) + 1
        if vm.get("priority", 3) not in PRIORITIES:
            add("priority", name, "priority %r is not one of 1-5" % vm.get("priority"))
        if vm.get("provider") and vm.get("provider") not in ("vsphere", "hyperv"):
            add("provider", name, "provider %r is not vsphere or hyperv" % vm.get("provider"))
    for name, count in sorted(names.items()):
        if count > 1:
            add("vms", name, "listed %d times" % count)
    by_name = dict((vm.get("name"), vm) for vm in vms if vm.get("name"))
    for name, vm in sorted(by_name.items()):
        for dep in _deps(vm):
            if dep not in by_name:
                add("depends_on", name, "depends on '%s', which is not in the plan" % dep)
            elif by_name[dep].get("priority", 3) > vm.get("priority", 3):
                add("depends_on", name, "depends on '%s' of the later priority group %s"
                    % (dep, by_name[dep].get("priority", 3)))
    cycle = find_cycle(vms)
    if cycle:
        add("cycle", cycle[0], "dependency cycle: %s" % " -> ".join(cycle))
    problems.extend(readiness.check_problems(plan))
    problems.extend(hooks.hook_problems(plan))
    return problems


def recovery_waves(plan):
    """[{"priority", "wave", "vms": [names]}] in start order. Refuses a plan with structural problems."""
    problems = plan_problems(plan)
    if problems:
        raise ValueError("; ".join("%s%s" % ("%s: " % p["vm"] if p["vm"] else "", p["message"]) for p in problems))
    vms = _vms(plan)
    placed = set()
    waves = []
    for priority in PRIORITIES:
        group = sorted(vm["name"] for vm in vms if vm.get("priority", 3) == priority)
        wave = 0
        while group:
            ready = [name for name in group
                     if all(dep in placed for dep in _deps(next(v for v in vms if v["name"] == name)))]
            wave += 1
            waves.append({"priority": priority, "wave": wave, "vms": ready})
            placed.update(ready)
            group = [name for name in group if name not in placed]
    return waves
