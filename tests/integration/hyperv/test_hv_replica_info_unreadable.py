"""replica_info on Hyper-V with a site that cannot be read (wrong password, wrong port): the call fails naming the
site, the step and what to do, as on vSphere; with unreadable_site: report every VM is health unknown and
rpo_compliant null, never ok and compliant with the replica unread."""
import pytest

from tests.integration.hyperv.hv_session import A, B

VMS = ["hv-web-01", "hv-db-01"]
BROKEN = [
    ("target-password", B, {"VMDR_TARGET_PASSWORD": "not-the-password"}, "password"),
    ("target-port", B, {"VMDR_TARGET_PORT": "1"}, "port"),
    ("source-password", A, {"VMDR_SOURCE_PASSWORD": "not-the-password"}, "password"),
]


@pytest.fixture(scope="module")
def replicated(hv):
    hv.lab("/reset")
    enabled = hv.module("replica_enable", {"vms": VMS, "policy": {"rpo": 5, "recovery_points": 2},
                                           "network_map": {"live": {"prod-web": "dr-web", "prod-db": "dr-db"},
                                                           "test": "dr-test"}})
    assert not enabled["failed"], enabled
    hv.advance(60)
    return hv


def test_both_sites_readable_is_ok_and_compliant(replicated):
    result = replicated.module("replica_info", {"vms": VMS})
    assert not result["failed"], result
    assert [(r["health"], r["rpo_compliant"]) for r in result["replications"]] == [("ok", True)] * 2, result


@pytest.mark.parametrize("case,site,env,what_to_check", BROKEN, ids=[b[0] for b in BROKEN])
def test_an_unreadable_site_fails_the_call_naming_site_step_and_fix(replicated, case, site, env, what_to_check):
    for args in ({"vms": VMS}, {}):
        result = replicated.module("replica_info", args, env=env)
        assert result["failed"] and not result.get("replications"), (case, result)
        error = result["error"]
        assert error["site"] == site and error["step"] == "read replication", error
        assert "health and RPO compliance of the VMs are unknown" in result["msg"], result["msg"]
        assert what_to_check in result["msg"] and "unreadable_site: report" in result["msg"], result["msg"]


@pytest.mark.parametrize("case,site,env,what_to_check", BROKEN, ids=[b[0] for b in BROKEN])
def test_report_gives_health_unknown_never_compliant(replicated, case, site, env, what_to_check):
    for args in ({"vms": VMS, "unreadable_site": "report"}, {"unreadable_site": "report"}):
        result = replicated.module("replica_info", args, env=env)
        assert not result["failed"], (case, result)
        rows = result["replications"]
        assert sorted(r["name"] for r in rows) == sorted(VMS), rows
        for row in rows:
            assert row["health"] == "unknown" and row["rpo_compliant"] is None, row
            assert row["unread_sites"] == [site], row
        assert any(site in w and "health unknown" in w for w in result["warnings"]), result["warnings"]


def test_no_readable_site_fails_even_with_report(replicated):
    env = {"VMDR_SOURCE_PASSWORD": "not-the-password", "VMDR_TARGET_PORT": "1"}
    result = replicated.module("replica_info", {"vms": VMS, "unreadable_site": "report"}, env=env)
    assert result["failed"] and "no site could be read" in result["msg"], result
    assert A in result["msg"] and B in result["msg"], result["msg"]
