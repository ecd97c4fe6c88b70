import pytest

from ansible_collections.vmdr.replication.plugins.module_utils.plan.ordering import (
    plan_problems, recovery_waves, find_cycle)


def plan(vms, protected="site-a", recovery="site-b"):
    return {"protected_site": protected, "recovery_site": recovery,
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
    checks = set((p["check"], p["vm"]) for p in problems)
    assert ("cycle", "a") in checks
    assert ("priority", "d") in checks
    assert ("vms", "d") in checks
    assert ("provider", "f") in checks
    assert ("vms", None) in checks
    assert ("sites", None) in checks
    messages = " | ".join(p["message"] for p in problems)
    assert "a -> b -> c -> a" in messages
    assert "'ghost', which is not in the plan" in messages
    assert "'late' of the later priority group 4" in messages
    assert "recovery_site 'site-z'" in messages


def test_a_clean_plan_has_no_problem_and_a_broken_one_cannot_be_ordered():
    assert plan_problems(plan([{"name": "a", "priority": 1}, {"name": "b", "depends_on": ["a"]}])) == []
    with pytest.raises(ValueError, match="dependency cycle"):
        recovery_waves(plan([{"name": "a", "depends_on": ["a"]}]))


def test_find_cycle_returns_none_for_a_dag():
    assert find_cycle([{"name": "a", "depends_on": ["b"]}, {"name": "b"}]) is None
