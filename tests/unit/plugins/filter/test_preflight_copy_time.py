"""Preflight says when a full copy cannot keep a VM within its RPO (issue 12, item 7)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.filter.preflight import preflight_health_problems

HEALTHY = {"name": "app-db-01", "source": {"moid": "vm-1"}, "replica": {"moid": "vm-2"}, "state": "enabled",
           "health": "ok", "rpo_compliant": True, "age_seconds": 30, "rpo_seconds": 900}


def test_a_copy_longer_than_half_the_rpo_is_a_problem_naming_both_figures():
    row = dict(HEALTHY, last_transfer={"bytes": 10 * 2 ** 30, "seconds": 512.26})
    problems = preflight_health_problems(row)
    assert [p["check"] for p in problems] == ["rpo"]
    assert problems[0]["vm"] == "app-db-01"
    assert "took 512.3 s, more than half its RPO (900 s)" in problems[0]["message"]


def test_a_copy_within_half_the_rpo_and_a_row_without_transfer_are_no_problem():
    assert preflight_health_problems(dict(HEALTHY, last_transfer={"bytes": 1, "seconds": 450})) == []
    assert preflight_health_problems(dict(HEALTHY, last_transfer=None)) == []
    assert preflight_health_problems(HEALTHY) == []
