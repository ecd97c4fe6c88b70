import pytest

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.plan.reip import ReipPlanner

RULES = [
    {"source": "10.10.1.0/24", "target": "10.20.1.0/24", "gateway": "10.20.1.1", "dns": ["10.20.0.53"]},
    {"source": "10.10.0.0/16", "target": "10.99.0.0/16"},
]


def nic(index, ip, prefix=24, network="prod-web"):
    return {"index": index, "ip": ip, "prefix": prefix, "network": network}


def test_keeps_host_part_and_first_rule_wins():
    plan = ReipPlanner(RULES).plan_vm("web", [nic(0, "10.10.1.11"), nic(1, "10.10.7.200", 16)])
    assert plan[0]["target_ip"] == "10.20.1.11"
    assert plan[0]["target_prefix"] == 24
    assert plan[0]["gateway"] == "10.20.1.1"
    assert plan[0]["dns"] == ["10.20.0.53"]
    assert plan[0]["rule"] == 0
    assert plan[1]["target_ip"] == "10.99.7.200"
    assert plan[1]["rule"] == 1


def test_host_part_kept_into_larger_target():
    plan = ReipPlanner([{"source": "192.168.5.0/24", "target": "172.16.0.0/20"}]).plan_vm("a", [nic(0, "192.168.5.77")])
    assert plan[0]["target_ip"] == "172.16.0.77"
    assert plan[0]["target_prefix"] == 20


def test_ipv6_rule():
    plan = ReipPlanner([{"source": "fd00:1::/64", "target": "fd00:2::/64"}]).plan_vm("a", [nic(0, "fd00:1::15", 64)])
    assert plan[0]["target_ip"] == "fd00:2::15"


def test_override_wins_over_rule_by_index_and_by_network():
    overrides = {"db": [{"nic": 0, "ip": "10.20.2.100/24", "gateway": "10.20.2.1"},
                        {"network": "backup", "ip": "10.30.0.5/24"}]}
    planner = ReipPlanner(RULES, overrides=overrides)
    plan = planner.plan_vm("db", [nic(0, "10.10.1.50"), nic(1, "10.10.9.9", network="backup")])
    assert (plan[0]["action"], plan[0]["target_ip"], plan[0]["gateway"]) == ("override", "10.20.2.100", "10.20.2.1")
    assert (plan[1]["action"], plan[1]["target_ip"], plan[1]["target_prefix"]) == ("override", "10.30.0.5", 24)


def test_dhcp_nic_stays_dhcp():
    plan = ReipPlanner(RULES).plan_vm("a", [nic(0, None, None)])
    assert plan[0]["action"] == "dhcp"
    assert plan[0]["target_ip"] is None


def test_unmatched_fails_by_default_and_names_vm():
    with pytest.raises(InputError) as err:
        ReipPlanner(RULES).plan_vm("app-x", [nic(0, "192.0.2.4")])
    assert "app-x" in str(err.value)
    assert "192.0.2.4" in str(err.value)


def test_unmatched_keep():
    plan = ReipPlanner(RULES, unmatched="keep").plan_vm("a", [nic(0, "192.0.2.4")])
    assert plan[0]["action"] == "keep"
    assert plan[0]["target_ip"] == "192.0.2.4"


@pytest.mark.parametrize("rule, text", [
    ({"source": "10.10.1.0/33", "target": "10.20.1.0/24"}, "not a valid subnet"),
    ({"source": "10.10.1.5/24", "target": "10.20.1.0/24"}, "host bits"),
    ({"source": "10.10.0.0/16", "target": "10.20.1.0/24"}, "smaller than source"),
    ({"source": "10.10.1.0/24", "target": "fd00::/64"}, "IPv4 to IPv6"),
    ({"source": "10.10.1.0/24", "target": "10.20.1.0/24", "gateway": "10.30.0.1"}, "outside target"),
    ({"source": "10.10.1.0/24", "target": "10.20.1.0/24", "gateway": "not-an-ip"}, "not a valid IP"),
    ({"source": "10.10.1.0/24"}, "needs 'source' and 'target'"),
    ({"source": "10.10.1.0/24", "target": "10.20.1.0/24", "gatway": "10.20.1.1"}, "unknown keys"),
])
def test_malformed_rules_refused(rule, text):
    with pytest.raises(InputError) as err:
        ReipPlanner([rule])
    assert text in str(err.value)


def test_override_needs_prefix():
    with pytest.raises(InputError, match="needs a prefix"):
        ReipPlanner([], overrides={"a": [{"nic": 0, "ip": "10.0.0.5"}]}).plan_vm("a", [nic(0, "10.1.1.1")])


def test_duplicate_target_addresses_refused_across_vms():
    planner = ReipPlanner(RULES, overrides={"b": [{"nic": 0, "ip": "10.20.1.11/24"}]})
    with pytest.raises(InputError, match="both VM 'a' and VM 'b'"):
        planner.plan({"a": [nic(0, "10.10.1.11")], "b": [nic(0, "10.10.1.99")]})
