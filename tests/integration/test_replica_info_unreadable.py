"""replica_info on vSphere with a site that cannot be read (wrong password, wrong port): the call fails naming the
site, the step and what to do; with unreadable_site: report every VM is health unknown, rpo_compliant null."""
import pytest

from tests.integration.lab_session import Lab, run_module

VM = "app-web-01"
PLACEMENT = {"cluster": "DC0_C0", "datastore": "LocalDS_0", "folder": "vmdr-replicas"}
BROKEN = [
    ("target-password", "site-b", {"VMDR_TARGET_PASSWORD": "not-the-password"}, "username and password"),
    ("target-port", "site-b", {"VMDR_TARGET_PORT": "1"}, "port"),
    ("source-password", "site-a", {"VMDR_SOURCE_PASSWORD": "not-the-password"}, "username and password"),
]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    own = Lab.start(str(tmp_path_factory.mktemp("unreadable-lab")))
    enabled = own.module("replica_enable", {"vms": [VM], "policy": {"rpo": 15, "recovery_points": 2},
                                            "placement": PLACEMENT,
                                            "network_map": {"live": {"prod-web": "dr-web", "prod-db": "dr-db"}}})
    assert not enabled["failed"], enabled
    yield own
    own.stop()


def info(lab, args, env):
    return run_module("replica_info", args, dict(lab.env(), **env))


def test_both_sites_readable_is_ok_and_compliant(lab):
    result = info(lab, {"vms": [VM]}, {})
    assert not result["failed"], result
    assert result["replications"][0]["health"] == "ok" and result["replications"][0]["rpo_compliant"] is True


@pytest.mark.parametrize("case,site,env,what_to_check", BROKEN, ids=[b[0] for b in BROKEN])
def test_an_unreadable_site_fails_the_call_naming_site_step_and_fix(lab, case, site, env, what_to_check):
    for args in ({"vms": [VM]}, {}):
        result = info(lab, args, env)
        assert result["failed"] and not result.get("replications"), (case, result)
        error = result["error"]
        assert error["site"] == site and error["step"] == "connect", error
        assert "health and RPO compliance of the VMs are unknown" in result["msg"], result["msg"]
        assert what_to_check in result["msg"] and "unreadable_site: report" in result["msg"], result["msg"]


@pytest.mark.parametrize("case,site,env,what_to_check", BROKEN, ids=[b[0] for b in BROKEN])
def test_report_gives_health_unknown_never_compliant(lab, case, site, env, what_to_check):
    for args in ({"vms": [VM], "unreadable_site": "report"}, {"unreadable_site": "report"}):
        result = info(lab, args, env)
        assert not result["failed"], (case, result)
        rows = result["replications"]
        assert [r["name"] for r in rows] == [VM], rows
        assert rows[0]["health"] == "unknown" and rows[0]["rpo_compliant"] is None, rows[0]
        assert rows[0]["unread_sites"] == [site], rows[0]
        assert any(site in w and "health unknown" in w for w in result["warnings"]), result["warnings"]


def test_no_readable_site_fails_even_with_report(lab):
    env = {"VMDR_SOURCE_PASSWORD": "not-the-password", "VMDR_TARGET_PORT": "1"}
    result = info(lab, {"vms": [VM], "unreadable_site": "report"}, env)
    assert result["failed"] and "no site could be read" in result["msg"], result
    assert "site-a" in result["msg"] and "site-b" in result["msg"], result["msg"]
