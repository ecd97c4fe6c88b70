"""No false green: types and ranges the modules would refuse later are refused by the plan schema first.

The RPO and recovery point limits are read from policy.py, here as in the schema."""
import copy

import pytest

from ansible_collections.vmdr.replication.plugins.filter.preflight import preflight_line
from ansible_collections.vmdr.replication.plugins.filter.recovery_plan import plan_problems
from ansible_collections.vmdr.replication.plugins.module_utils.plan.policy import HYPERV_FREQUENCIES_SEC, RPO_LIMITS

VSPHERE, HYPERV = RPO_LIMITS["vsphere"], RPO_LIMITS["hyperv"]
PLAN = {"plan": {"name": "erp"}, "protected_site": "site-a", "recovery_site": "site-b",
        "sites": {"site-a": {"provider": "vsphere"}, "site-b": {"provider": "vsphere"},
                  "hv-a": {"provider": "hyperv"}, "hv-b": {"provider": "hyperv"}},
        "site_pairs": {"hyperv": {"protected_site": "hv-a", "recovery_site": "hv-b"}},
        "policy": {"rpo": 15, "recovery_points": 3},
        "vms": [{"name": "app-db-01", "priority": 1},
                {"name": "app-web-01", "priority": 2, "depends_on": ["app-db-01"]}]}


def plan(**changes):
    out = copy.deepcopy(PLAN)
    out.update(changes)
    return out


def found(problems):
    return [(p["check"], p["path"], p["vm"], p["message"]) for p in problems]


@pytest.mark.parametrize("rpo", [0, VSPHERE["min"] - 1, VSPHERE["max"] + 1, -5])
def test_an_rpo_outside_the_vsphere_limits_is_refused(rpo):
    [problem] = plan_problems(plan(policy={"rpo": rpo}))
    assert (problem["check"], problem["path"]) == ("policy", "policy")
    assert problem["message"].startswith("RPO %s min is out of range for provider vsphere (%s to %s min)"
                                         % (rpo, VSPHERE["min"], VSPHERE["max"]))


@pytest.mark.parametrize("rpo", [VSPHERE["min"], VSPHERE["max"]])
def test_the_vsphere_limits_themselves_are_accepted(rpo):
    assert plan_problems(plan(policy={"rpo": rpo})) == []


def test_quiescing_raises_the_rpo_floor():
    [problem] = plan_problems(plan(policy={"rpo": VSPHERE["min"], "quiesce": True}))
    assert "(%s to %s min, guest quiescing on)" % (VSPHERE["min_quiesced"], VSPHERE["max"]) in problem["message"]


def test_recovery_points_out_of_range_is_refused_with_the_rpo_problem():
    assert [p["message"] for p in plan_problems(plan(policy={"rpo": 0, "recovery_points": 99}))] == [
        "RPO 0 min is out of range for provider vsphere (%s to %s min). Choose an RPO inside the range"
        % (VSPHERE["min"], VSPHERE["max"]),
        "recovery_points 99 is out of range (1 to %s)" % VSPHERE["max_recovery_points"]]
    assert plan_problems(plan(policy={"recovery_points": VSPHERE["max_recovery_points"]})) == []
    assert len(plan_problems(plan(policy={"recovery_points": 0}))) == 1


@pytest.mark.parametrize("rpo, text", [
    (float("nan"), "rpo must be a number, got nan (a number)"),
    (float("inf"), "rpo must be a number, got inf (a number)"),
    ("15", "rpo must be a number, got '15' (a string)"),
    (True, "rpo must be a number, got true (true/false)"),
])
def test_an_rpo_that_is_not_a_finite_number_is_refused(rpo, text):
    assert found(plan_problems(plan(policy={"rpo": rpo}))) == [("schema", "policy", None, text)]


def test_the_hyperv_vms_get_the_hyperv_limits_also_from_the_plans_policy():
    hyperv_vm = {"name": "hv-app-01", "provider": "hyperv", "priority": 2}
    minutes = [seconds / 60.0 for seconds in HYPERV_FREQUENCIES_SEC]
    assert plan_problems(plan(policy={"rpo": max(minutes)}, vms=PLAN["vms"] + [hyperv_vm])) == []
    too_long = max(minutes) + VSPHERE["min"]
    [problem] = plan_problems(plan(policy={"rpo": too_long}, vms=PLAN["vms"] + [hyperv_vm]))
    assert (problem["path"], problem["message"]) == (
        "policy", "RPO %s min is out of range for provider hyperv (%s to %s min). Choose an RPO inside the range "
                  "(the hyperv VMs use the plan's policy: give site_pairs.hyperv its own)"
        % (int(too_long), HYPERV["min"], HYPERV["max"]))
    own = plan(vms=PLAN["vms"] + [hyperv_vm])
    own["site_pairs"]["hyperv"]["policy"] = {"rpo": minutes[0] + 1}
    [problem] = plan_problems(own)
    assert problem["path"] == "site_pairs.hyperv.policy" and "replicates every 30 s, 5 min or 15 min" in \
        problem["message"]


@pytest.mark.parametrize("priority, text", [
    ("2", "priority must be an integer from 1 to 5, got '2' (a string)"),
    (True, "priority must be an integer from 1 to 5, got true (true/false)"),
    (1.0, "priority must be an integer from 1 to 5, got 1.0 (a number)"),
    (6, "priority must be an integer from 1 to 5, got 6"),
])
def test_priority_is_an_integer_of_a_group(priority, text):
    broken = plan()
    broken["vms"][0]["priority"] = priority
    assert found(plan_problems(broken)) == [("schema", "vms[0]", "app-db-01", text)]


def test_order_problems_name_the_vm():
    broken = plan(vms=[{"name": "app-db-01", "priority": 2, "depends_on": ["app-web-01", "app-db"]},
                       {"name": "app-web-01", "priority": 3}, {"name": "app-db-01", "priority": 2}])
    assert [preflight_line(p) for p in plan_problems(broken)] == [
        "[vms] vms[0] 'app-db-01': listed 2 times (vms[0], vms[2]); give each VM one entry",
        "[depends_on] vms[0] 'app-db-01': depends on 'app-web-01' of the later priority group 3 (its own group is "
        "2); a VM can only wait for VMs of its own or an earlier group",
        "[depends_on] vms[0] 'app-db-01': depends on 'app-db', which is not in the plan, did you mean 'app-web-01'?"]


def test_sites_that_do_not_exist_are_refused_with_the_nearest_name():
    assert found(plan_problems(plan(protected_site="site_a"))) == [
        ("sites", "", None, "protected_site 'site_a' is not one of the plan's sites (hv-a, hv-b, site-a, site-b), "
                            "did you mean 'site-a'?")]


@pytest.mark.parametrize("changes, text", [
    ({"vms": []}, "vms lists no VM: a plan without VMs would do nothing; list at least one (name, priority)"),
    ({"vms": None}, "vms must be a list, got nothing (null)"),
    ({"vms": ["app-db-01"]}, "must be a mapping, got 'app-db-01' (a string)"),
])
def test_a_plan_without_vms_says_so(changes, text):
    assert text in [p["message"] for p in plan_problems(plan(**changes))]


def test_an_empty_plan_or_one_that_is_not_a_mapping_says_so():
    assert [p["message"] for p in plan_problems({})] == [
        "the plan is empty; it needs plan, protected_site, recovery_site, sites, vms"]
    assert [p["message"] for p in plan_problems(["app-db-01"])] == [
        "the plan must be a mapping of plan, protected_site, recovery_site, sites, vms and more, got list"]


def test_network_map_and_reip_sections_are_well_formed():
    broken = plan(network_map={"live": {"prod-db": "dr-test"}, "test": "dr-test"},
                  reip={"live": {"rules": [{"source": "10.10.1.5/24", "target": "10.20.1.0/24"}],
                                 "unmatched": "keeep", "overrides": {"app-db-1": [{"nic": 0, "ip": "10.20.1.9"}]}},
                        "test": {"rules": {"source": "10.10.0.0/16"}}})
    assert found(plan_problems(broken)) == [
        ("schema", "reip.live", None, "unmatched must be one of fail, keep, got 'keeep' (a string), did you mean "
                                      "'keep'?"),
        ("schema", "reip.test", None, "rules must be a list, got a mapping"),
        ("network_map", "network_map", None, "test network(s) dr-test are also production networks in "
                                             "network_map.live. Use an isolated network for tests"),
        ("reip", "reip.live.rules[0]", None, "rule 0 source '10.10.1.5/24' has host bits set. Use the subnet "
                                             "address, for example 10.10.1.0/24"),
        ("reip", "reip.live.overrides", None, "names VM 'app-db-1', which is not in the plan, did you mean "
                                              "'app-db-01'?"),
        ("reip", "reip.live.overrides.app-db-1[0]", "app-db-1", "ip '10.20.1.9' needs its prefix length, for "
                                                                "example 10.20.1.15/24")]
    assert found(plan_problems(plan(network_map={"live": ["prod-db"], "test": ["dr-test"]}))) == [
        ("schema", "network_map", None, "live must be a map from source network to recovery network, got a list"),
        ("schema", "network_map", None, "test must be a network name, or a map from source network to test "
                                        "network, got a list")]


def test_settings_the_modules_refuse_are_refused():
    assert found(plan_problems(plan(configure_replica_server=["source"], capacity={"reserve_percent": 100}))) == [
        ("schema", "capacity", None, "reserve_percent must be a number from 0 to 99, got 100"),
        ("replication", "configure_replica_server", None, "is a Hyper-V setting, and replica_enable refuses it for "
                                                          "the vsphere VMs: move it to site_pairs.hyperv")]
    broken = plan()
    broken["sites"]["site-a"].update(port=0, transport="winrm", validate_certs="yes")
    assert found(plan_problems(broken)) == [
        ("schema", "sites.site-a", None, "port must be an integer from 1 to 65535, got 0"),
        ("schema", "sites.site-a", None, "transport must be one of ntlm, kerberos, credssp, certificate, basic, "
                                         "got 'winrm' (a string)"),
        ("schema", "sites.site-a", None, "validate_certs must be true or false, got 'yes' (a string)")]
