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

from ansible_collections.vmdr.replication.plugins.module_utils.plan.schema_fields import did_you_mean, line

PRIORITIES = (1, 2, 3, 4, 5)
DEFAULT_PRIORITY = 3


def _named(plan):
    """(index in vms, VM) of every VM entry with a name; the schema reports the others."""
    vms = (plan or {}).get("vms")
    return [(index, vm) for index, vm in enumerate(vms if isinstance(vms, list) else [])
            if isinstance(vm, dict) and isinstance(vm.get("name"), str) and vm["name"]]


def plan_vms(plan):
    """The VM entries of the plan that have a name."""
    return [vm for dummy, vm in _named(plan)]


def priority(vm):
    """The VM's priority group, or None when it is not one of 1-5 (the schema reports that)."""
    value = vm.get("priority", DEFAULT_PRIORITY)
    return value if value in PRIORITIES and not isinstance(value, bool) else None


def _deps(vm):
    deps = vm.get("depends_on") or []
    deps = [deps] if isinstance(deps, str) else deps if isinstance(deps, list) else []
    return [dep for dep in deps if isinstance(dep, str)]


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


def order_problems(plan):
    """Problems of the start order, each naming its VM: duplicates, unknown or later dependencies, a cycle."""
    problems = []

    def add(check, index, name, message):
        problems.append({"check": check, "vm": name, "path": "vms[%d]" % index, "message": message})

    named = _named(plan)
    places = {}
    for index, vm in named:
        places.setdefault(vm["name"], []).append(index)
    for index, vm in named:
        where = places[vm["name"]]
        if len(where) > 1 and where[0] == index:
            add("vms", index, vm["name"], "listed %d times (%s); give each VM one entry"
                % (len(where), ", ".join("vms[%d]" % i for i in where)))
    first = dict((name, where[0]) for name, where in places.items())
    by_name = dict((vm["name"], vm) for dummy, vm in reversed(named))
    for index, vm in named:
        if first[vm["name"]] != index:
            continue
        for dep in _deps(vm):
            if dep not in by_name:
                add("depends_on", index, vm["name"], "depends on '%s', which is not in the plan%s"
                    % (dep, did_you_mean(dep, [n for n in by_name if n != vm["name"]])))
                continue
            own, theirs = priority(vm), priority(by_name[dep])
            if own is not None and theirs is not None and theirs > own:
                add("depends_on", index, vm["name"], "depends on '%s' of the later priority group %s (its own "
                    "group is %s); a VM can only wait for VMs of its own or an earlier group" % (dep, theirs, own))
    cycle = find_cycle(list(by_name.values()))
    if cycle:
        add("cycle", first[cycle[0]], cycle[0], "dependency cycle: %s" % " -> ".join(cycle))
    return problems


def recovery_waves(plan):
    """[{"priority", "wave", "vms": [names]}] in start order, for a plan the schema accepts.
    Refuses a plan whose order has problems."""
    problems = order_problems(plan)
    if problems:
        raise ValueError("; ".join(line(p) for p in problems))
    vms = plan_vms(plan)
    deps = dict((vm["name"], _deps(vm)) for vm in vms)
    placed = set()
    waves = []
    for group in PRIORITIES:
        pending = sorted(vm["name"] for vm in vms if priority(vm) == group)
        wave = 0
        while pending:
            ready = [name for name in pending if all(dep in placed for dep in deps[name])]
            if not ready:  # a dependency outside groups 1-5: the schema refuses such a plan
                raise ValueError("%s wait for VMs that never start" % ", ".join(pending))
            wave += 1
            waves.append({"priority": group, "wave": wave, "vms": ready})
            placed.update(ready)
            pending = [name for name in pending if name not in placed]
    return waves
