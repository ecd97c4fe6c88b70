import pytest

from ansible_collections.vmdr.replication.plugins.module_utils.plan.ordering import (
    order_problems, recovery_waves, find_cycle)
from ansible_collections.vmdr.replication.plugins.module_utils.plan.schema import plan_problems


def plan(vms, protected="site-a", recovery="site-b"):
    return {"plan": {"name": "t"}, "protected_site": protected, "recovery_site": recovery,
            "sites": {"site-a": {"provider": "vsphere"}, "site-b": {"provider": "vsphere"}}, "vms": vms}


def test_waves_follow_priorities_then_dependencies():
    waves = recovery_waves(plan([
        {"name": "web", "priority": 3, "depends_on": ["app"]},
        {"name": "app", "priority": 3, "depends_on": ["db", "mq"]},
        {"name": "db", "priority": 1},
        {"name": "mq", "priority": 2},
        {"name": "batch", "priority": 3},
        {"name": "dns", "priority": 1},
    ]))
    assert waves == [
        {"priority": 1, "wave": 1, "vms": ["db", "dns"]},
        {"priority": 2, "wave": 1, "vms": ["mq"]},
        {"priority": 3, "wave": 1, "vms": ["app", "batch"]},
        {"priority": 3, "wave": 2, "vms": ["web"]},
    ]


def test_default_priority_is_three_and_string_dependency_is_accepted():
    waves = recovery_waves(plan([{"name": "b", "depends_on": "a"}, {"name": "a"}]))
    assert waves == [{"priority": 3, "wave": 1, "vms": ["a"]}, {"priority": 3, "wave": 2, "vms": ["b"]}]


def test_every_problem_is_reported_at_once():
    problems = plan_problems(plan([
        {"name": "a", "priority": 1, "depends_on": ["b"]},
        {"name": "b", "priority": 1, "depends_on": ["c"]},
        {"name": "c", "priority": 1, "depends_on": ["a"]},
        {"name": "d", "priority": 7},
        {"name": "e", "priority": 1, "depends_on": ["ghost", "late"]},
        {"name": "late", "priority": 4},
        {"name": "d", "priority": 2},
        {"name": "f", "provider": "xen"},
        {"priority": 2},
    ], recovery="site-z"))
    lines = [(p["check"], p["path"], p["vm"], p["message"]) for p in problems]
    assert ("cycle", "vms[0]", "a", "dependency cycle: a -> b -> c -> a") in lines
    assert ("schema", "vms[3]", "d", "priority must be an integer from 1 to 5, got 7") in lines
    assert ("vms", "vms[3]", "d", "listed 2 times (vms[3], vms[6]); give each VM one entry") in lines
    assert ("schema", "vms[7]", "f", "provider must be one of vsphere, hyperv, got 'xen' (a string)") in lines
    assert ("schema", "vms[8]", None, "missing key 'name'") in lines
    assert ("depends_on", "vms[4]", "e", "depends on 'ghost', which is not in the plan") in lines
    assert ("depends_on", "vms[4]", "e", "depends on 'late' of the later priority group 4 (its own group is 1); "
            "a VM can only wait for VMs of its own or an earlier group") in lines
    assert ("sites", "", None, "recovery_site 'site-z' is not one of the plan's sites (site-a, site-b), "
            "did you mean 'site-b'?") in lines


def test_a_clean_plan_has_no_problem_and_a_broken_one_cannot_be_ordered():
    assert plan_problems(plan([{"name": "a", "priority": 1}, {"name": "b", "depends_on": ["a"]}])) == []
    with pytest.raises(ValueError, match="vms\\[0\\] 'a': dependency cycle"):
        recovery_waves(plan([{"name": "a", "depends_on": ["a"]}]))


def test_order_problems_name_the_vm_in_every_message_line():
    problems = order_problems(plan([{"name": "a", "priority": 1, "depends_on": ["b"]}, {"name": "b", "priority": 2},
                                    {"name": "a", "priority": 1}]))
    assert [(p["path"], p["vm"]) for p in problems] == [("vms[0]", "a"), ("vms[0]", "a")]


def test_find_cycle_returns_none_for_a_dag():
    assert find_cycle([{"name": "a", "depends_on": ["b"]}, {"name": "b"}]) is None
