import json
import os
import subprocess
import sys

import pytest

from ansible.module_utils.testing import patch_module_args

from ansible_collections.vmdr.replication.plugins.module_utils.common import module_runner
from ansible_collections.vmdr.replication.plugins.module_utils.common.results import Batch
from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.plan import reip as reip_plan
from ansible_collections.vmdr.replication.plugins.module_utils.plan.reip import ReipPlanner
from ansible_collections.vmdr.replication.plugins.modules import failover as failover_module
from ansible_collections.vmdr.replication.plugins.modules import reip as reip_module

RULES = [
    {"source": "10.10.1.0/24", "target": "10.20.1.0/24", "gateway": "10.20.1.1", "dns": ["10.20.0.53"]},
    {"source": "10.10.0.0/16", "target": "10.99.0.0/16"},
]


def nic(index, ip, prefix=24, network="prod-web"):
    return {"index": index, "ip": ip, "prefix": prefix, "network": network}


def refused(planner_call):
    with pytest.raises(InputError) as err:
        planner_call()
    return err.value


def test_keeps_host_part_and_first_rule_wins():
    plan = ReipPlanner(RULES).plan_vm("web", [nic(0, "10.10.1.11"), nic(1, "10.10.7.200", 16)])
    assert plan[0]["target_ip"] == "10.20.1.11"
    assert plan[0]["target_prefix"] == 24
    assert plan[0]["gateway"] == "10.20.1.1"
    assert plan[0]["dns"] == ["10.20.0.53"]
    assert plan[0]["rule"] == 0
    assert plan[1]["target_ip"] == "10.99.7.200"
    assert plan[1]["rule"] == 1


def test_plan_dicts_keep_their_exact_shape_and_types():
    entry = ReipPlanner(RULES).plan_vm("web", [nic(0, "10.10.1.11")])[0]
    assert entry == {"index": 0, "network": "prod-web", "source_ip": "10.10.1.11", "source_prefix": 24,
                     "action": "translate", "rule": 0, "target_ip": "10.20.1.11", "target_prefix": 24,
                     "gateway": "10.20.1.1", "dns": ["10.20.0.53"], "dns_suffix": None}
    assert [entry[k].__class__ for k in ("target_ip", "gateway", "target_prefix")] == [str, str, int]


def test_host_part_kept_into_larger_target():
    plan = ReipPlanner([{"source": "192.168.5.0/24", "target": "172.16.0.0/20"}]).plan_vm("a", [nic(0, "192.168.5.77")])
    assert plan[0]["target_ip"] == "172.16.0.77"
    assert plan[0]["target_prefix"] == 20


def test_ipv6_rule():
    plan = ReipPlanner([{"source": "fd00:1::/64", "target": "fd00:2::/64"}]).plan_vm("a", [nic(0, "fd00:1::15", 64)])
    assert plan[0]["target_ip"] == "fd00:2::15"


def test_ipv6_rule_into_a_low_target_stays_ipv6():
    plan = ReipPlanner([{"source": "fd00:1::/120", "target": "::/112"}]).plan_vm("a", [nic(0, "fd00:1::15", 120)])
    assert plan[0]["target_ip"] == "::15"


def test_override_wins_over_rule_by_index_and_by_network():
    overrides = {"db": [{"nic": 0, "ip": "10.20.2.100/24", "gateway": "10.20.2.1"},
                        {"network": "backup", "ip": "10.30.0.5/24"}]}
    planner = ReipPlanner(RULES, overrides=overrides)
    plan = planner.plan_vm("db", [nic(0, "10.10.1.50"), nic(1, "10.10.9.9", network="backup")])
    assert (plan[0]["action"], plan[0]["target_ip"], plan[0]["gateway"]) == ("override", "10.20.2.100", "10.20.2.1")
    assert (plan[1]["action"], plan[1]["target_ip"], plan[1]["target_prefix"]) == ("override", "10.30.0.5", 24)


def test_override_without_nic_or_network_applies_to_nic_0():
    plan = ReipPlanner([], overrides={"a": [{"ip": "10.30.0.5/24"}]}).plan_vm("a", [nic(0, "10.1.1.1")])
    assert (plan[0]["action"], plan[0]["target_ip"]) == ("override", "10.30.0.5")


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
    ({"source": "10.10.1.0/24", "target": "10.20.1.0/24", "gateway": "10.30.0.1"}, "outside 10.20.1.0/24"),
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
    with pytest.raises(InputError, match="both VM 'a' NIC 0 and VM 'b' NIC 0"):
        planner.plan({"a": [nic(0, "10.10.1.11")], "b": [nic(0, "10.10.1.99")]})


# ---- defect 1: addresses a host cannot have, in rules -------------------------------------------------------

@pytest.mark.parametrize("rule, text", [
    ({"source": "10.10.1.0/24", "target": "10.20.1.0/24", "gateway": "10.20.1.0"},
     "rule 0 gateway 10.20.1.0 is the network address of 10.20.1.0/24"),
    ({"source": "10.10.1.0/24", "target": "10.20.1.0/24", "gateway": "10.20.1.255"},
     "rule 0 gateway 10.20.1.255 is the broadcast address of 10.20.1.0/24"),
    ({"source": "10.10.1.7/32", "target": "10.20.1.9/32", "gateway": "10.20.1.9"}, "a /32 holds one address only"),
    ({"source": "10.10.1.7/32", "target": "10.20.1.9/32", "gateway": "10.20.1.1"}, "a /32 holds one address only"),
    ({"source": "fd00:1::/64", "target": "fd00:2::/64", "gateway": "fd00:2::"},
     "rule 0 gateway fd00:2:: is the subnet-router anycast address of fd00:2::/64"),
])
def test_rule_gateway_that_no_host_can_use_is_refused(rule, text):
    err = refused(lambda: ReipPlanner([rule]))
    assert text in str(err) and err.step == "validate re-IP rules" and err.hint


@pytest.mark.parametrize("rule", [
    {"source": "10.10.1.0/31", "target": "10.20.1.0/31", "gateway": "10.20.1.0"},       # RFC 3021
    {"source": "fd00:1::/127", "target": "fd00:2::/127", "gateway": "fd00:2::"},       # RFC 6164
    {"source": "fd00:1::/64", "target": "fd00:2::/64", "gateway": "fd00:2::ffff:ffff:ffff:ffff"},  # no broadcast
    {"source": "10.10.1.7/32", "target": "10.20.1.9/32"},
])
def test_rule_gateways_the_rfcs_allow_are_accepted(rule):
    assert len(ReipPlanner([rule]).rules) == 1


def test_all_bad_rules_are_refused_together():
    err = refused(lambda: ReipPlanner([{"source": "10.10.1.0/33", "target": "10.20.1.0/24"},
                                       {"source": "10.10.2.0/24", "target": "10.20.2.0/24", "gateway": "10.20.2.0"}],
                                      unmatched="drop"))
    assert "3 re-IP problems" in str(err)
    assert "rule 0 source" in str(err) and "rule 1 gateway" in str(err) and "unmatched" in str(err)


# ---- defect 1: addresses a host cannot have, in overrides ---------------------------------------------------

@pytest.mark.parametrize("override, text", [
    ({"ip": "10.20.2.0/24"}, "10.20.2.0 is the network address of 10.20.2.0/24"),
    ({"ip": "10.20.2.255/24"}, "10.20.2.255 is the broadcast address of 10.20.2.0/24"),
    ({"ip": "10.20.2.1/24", "gateway": "10.20.2.1"}, "10.20.2.1 is also its gateway"),
    ({"ip": "10.20.2.5/24", "gateway": "10.20.2.0"}, "gateway 10.20.2.0 is the network address"),
    ({"ip": "10.20.2.5/24", "gateway": "10.20.2.255"}, "gateway 10.20.2.255 is the broadcast address"),
    ({"ip": "10.20.2.5/24", "gateway": "10.20.3.1"}, "gateway 10.20.3.1 is outside 10.20.2.0/24"),
    ({"ip": "10.20.2.5/32", "gateway": "10.20.2.5"}, "10.20.2.5 is also its gateway"),
    ({"ip": "10.20.2.5/32", "gateway": "10.20.2.1"}, "a /32 holds one address only"),
    ({"ip": "fd00:2::/64"}, "fd00:2:: is the subnet-router anycast address of fd00:2::/64"),
    ({"ip": "fd00:2::5/64", "gateway": "fd00:2::"}, "gateway fd00:2:: is the subnet-router anycast address"),
])
def test_override_address_that_no_host_can_have_is_refused(override, text):
    planner = ReipPlanner([], overrides={"db": [dict(override, nic=0)]})
    err = refused(lambda: planner.plan_vm("db", [nic(0, "10.10.1.50")]))
    assert text in str(err) and err.vm == "db" and err.step == "validate re-IP rules" and err.hint
    assert [e.vm for e in planner.override_errors(["db"])] == ["db"]


@pytest.mark.parametrize("override, target", [
    ({"ip": "10.20.2.0/31", "gateway": "10.20.2.1"}, "10.20.2.0"),              # RFC 3021: both are hosts
    ({"ip": "10.20.2.1/31", "gateway": "10.20.2.0"}, "10.20.2.1"),
    ({"ip": "10.20.2.5/32"}, "10.20.2.5"),                                        # a host route, no gateway
    ({"ip": "fd00:2::ffff:ffff:ffff:ffff/64", "gateway": "fd00:2::1"}, "fd00:2::ffff:ffff:ffff:ffff"),
    ({"ip": "fd00:2::/127", "gateway": "fd00:2::1"}, "fd00:2::"),               # RFC 6164
])
def test_override_addresses_the_rfcs_allow_are_accepted(override, target):
    planner = ReipPlanner([], overrides={"db": [dict(override, nic=0)]})
    assert planner.plan_vm("db", [nic(0, "10.10.1.50")])[0]["target_ip"] == target
    assert planner.override_errors(["db"]) == []


# ---- defect 1: a translation that lands where no host may be ---------------------------------------------------

@pytest.mark.parametrize("rule, good, ip, text", [
    # a NIC on 10.10.0.0/23 is matched by a /25 rule: its host part 0 becomes the target's network address
    ({"source": "10.10.1.0/25", "target": "10.20.1.0/24"}, "10.10.1.77", "10.10.1.0",
     "the network address of 10.20.1.0/24"),
    ({"source": "10.10.1.0/24", "target": "10.20.1.0/24"}, "10.10.1.77", "10.10.1.255",
     "the broadcast address of 10.20.1.0/24"),
    ({"source": "10.10.1.0/24", "target": "10.20.1.0/24", "gateway": "10.20.1.1"}, "10.10.1.77", "10.10.1.1",
     "the new address 10.20.1.1 is also its gateway"),
    ({"source": "fd00:1::/64", "target": "fd00:2::/64"}, "fd00:1::77", "fd00:1::",
     "the subnet-router anycast address of fd00:2::/64"),
])
def test_translation_onto_an_address_no_host_may_have_is_refused_per_nic(rule, good, ip, text):
    planner = ReipPlanner([rule])
    err = refused(lambda: planner.plan_vm("app", [nic(0, good, 23), nic(1, ip, 23)]))
    assert text in str(err) and "NIC 1" in str(err) and "NIC 0" not in str(err)
    assert err.vm == "app" and err.step == "compute re-IP plan" and err.hint


def test_translation_inside_a_point_to_point_subnet_is_accepted():
    planner = ReipPlanner([{"source": "10.10.1.0/31", "target": "10.20.1.0/31"}])
    plan = planner.plan_vm("a", [nic(0, "10.10.1.0", 31), nic(1, "10.10.1.1", 31, "other")])
    assert [p["target_ip"] for p in plan] == ["10.20.1.0", "10.20.1.1"]


# ---- defect 2: overrides for VMs not in vms, or NICs a VM does not have ---------------------------------------

def test_override_for_a_vm_not_in_vms_is_refused_with_the_vms_to_choose_from():
    planner = ReipPlanner(RULES, overrides={"app-db-1": [{"nic": 0, "ip": "10.20.2.100/24"}]})
    errors = planner.override_errors(["app-db-01", "app-web-01"])
    assert len(errors) == 1
    err = errors[0]
    assert err.vm == "app-db-1" and err.step == "validate re-IP rules"
    assert "not in vms" in err.message
    assert "Did you mean 'app-db-01'?" in err.hint and "'app-db-01', 'app-web-01'" in err.hint
    assert planner.override_errors(["app-db-1"]) == []


def test_override_for_a_nic_the_vm_does_not_have_is_refused_with_its_nic_count():
    planner = ReipPlanner(RULES, overrides={"web": [{"nic": 5, "ip": "10.20.1.50/24"}]})
    err = refused(lambda: planner.plan_vm("web", [nic(0, "10.10.1.11")]))
    assert err.vm == "web" and err.step == "validate re-IP rules"
    assert "picks NIC 5, but the VM has 1 NIC (NIC 0 on 'prod-web')" in str(err)
    assert "remove the override" in err.hint


def test_override_errors_takes_a_nic_count():
    planner = ReipPlanner(RULES, overrides={"web": [{"nic": 5, "ip": "10.20.1.50/24"}],
                                            "db": [{"network": "any", "ip": "10.20.2.50/24"}]})
    errors = planner.override_errors(["web", "db"], nics={"web": 2, "db": 1})
    assert [e.vm for e in errors] == ["web"]
    assert "picks NIC 5, but the VM has 2 NICs (NIC 0, NIC 1)" in str(errors[0])
    assert planner.override_errors(["web", "db"], nics={"web": 6, "db": 1}) == []


def test_override_for_a_network_no_nic_is_on_is_refused():
    planner = ReipPlanner(RULES, overrides={"web": [{"network": "prod-wbe", "ip": "10.20.1.50/24"}]})
    err = refused(lambda: planner.plan_vm("web", [nic(0, "10.10.1.11"), nic(1, "10.10.1.12", network="backup")]))
    assert "picks network 'prod-wbe', but the VM has 2 NICs (NIC 0 on 'prod-web', NIC 1 on 'backup')" in str(err)


def test_network_override_whose_nics_all_have_index_overrides_is_refused():
    overrides = {"web": [{"nic": 0, "ip": "10.20.1.50/24"}, {"network": "prod-web", "ip": "10.20.1.51/24"}]}
    err = refused(lambda: ReipPlanner(RULES, overrides=overrides).plan_vm("web", [nic(0, "10.10.1.11")]))
    assert "picks network 'prod-web', but its NICs (NIC 0) have overrides by index" in str(err)


@pytest.mark.parametrize("items, text", [
    ([{"nic": 0, "ip": "10.20.1.50/24"}, {"nic": 0, "ip": "10.20.1.51/24"}], "overrides 0 and 1 both pick NIC 0"),
    ([{"nic": 0, "ip": "10.20.1.50/24", "gatway": "10.20.1.1"}], "unknown keys gatway"),
    ([{"nic": 0, "network": "prod-web", "ip": "10.20.1.50/24"}], "gives both nic and network"),
    ([{"nic": "first", "ip": "10.20.1.50/24"}], "nic must be a NIC index"),
    ([{"nic": 0}], "needs 'ip'"),
    ({"nic": 0, "ip": "10.20.1.50/24"}, "must be a list"),
])
def test_override_settings_that_would_be_ignored_are_refused(items, text):
    planner = ReipPlanner(RULES, overrides={"web": items})
    err = refused(lambda: planner.plan_vm("web", [nic(0, "10.10.1.11")]))
    assert text in str(err) and err.vm == "web"
    assert text in str(planner.override_errors(["web"])[0])


def test_override_nic_given_as_digits_picks_that_nic():
    planner = ReipPlanner(RULES, overrides={"web": [{"nic": "1", "ip": "10.20.1.50/24"}]})
    plan = planner.plan_vm("web", [nic(0, "10.10.1.11"), nic(1, "10.10.1.12")])
    assert [p["action"] for p in plan] == ["translate", "override"]


def test_override_errors_collects_every_problem_of_the_call_without_raising():
    overrides = {"wbe": [{"nic": 0, "ip": "10.20.1.50/24"}],
                 "db": [{"nic": 0, "ip": "10.20.2.0/24"}],
                 "app": [{"nic": 5, "ip": "10.20.3.5/24"}]}
    planner = ReipPlanner(RULES, overrides=overrides)
    errors = planner.override_errors(["web", "db", "app"], nics={"app": [nic(0, "10.10.3.5")]})
    assert [e.vm for e in errors] == ["app", "db", "wbe"]
    assert all(isinstance(e, InputError) and e.step == "validate re-IP rules" and e.hint for e in errors)
    assert planner.override_errors(["web", "db", "app"], nics={"app": [nic(5, "10.10.3.5")]})[0].vm == "db"


def test_refuse_lists_every_problem_once():
    errors = [InputError("one", vm="a", step="validate re-IP rules"), InputError("two", vm="b", step="x")]
    err = refused(lambda: reip_plan.refuse(errors))
    assert str(err).startswith("step 'validate re-IP rules': 2 re-IP problems: ")
    assert "VM 'a', step 'validate re-IP rules': one" in str(err) and "VM 'b', step 'x': two" in str(err)
    assert err.vm is None
    assert reip_plan.refuse([]) is None
    assert reip_plan.refusal([errors[0]]) is errors[0]
    grouped = reip_plan.by_vm(errors + [InputError("three", vm="a", step="x")])
    assert sorted(grouped) == ["a", "b"] and "one" in str(grouped["a"]) and "three" in str(grouped["a"])
    assert grouped["a"].vm == "a" and grouped["b"] is errors[1]


# ---- defect 3: one overlap check for the whole call -----------------------------------------------------------

def test_plan_refuses_an_address_that_is_another_vms_gateway():
    planner = ReipPlanner(RULES, overrides={"router-ish": [{"nic": 0, "ip": "10.20.1.1/24"}]})
    err = refused(lambda: planner.plan({"web": [nic(0, "10.10.1.11")], "router-ish": [nic(0, "10.10.9.9")]}))
    assert err.vm == "router-ish" and "the gateway of VM 'web' NIC 0" in str(err)


def test_plan_refuses_two_nics_of_one_vm_given_one_address():
    planner = ReipPlanner(RULES, overrides={"web": [{"nic": 1, "ip": "10.20.1.11/24"}]})
    err = refused(lambda: planner.plan({"web": [nic(0, "10.10.1.11"), nic(1, "10.10.1.12")]}))
    assert "both VM 'web' NIC 0 and VM 'web' NIC 1" in str(err)


def test_plan_names_every_problem_of_every_vm_at_once():
    planner = ReipPlanner(RULES, overrides={"c": [{"nic": 0, "ip": "10.20.1.11/24"}]})
    err = refused(lambda: planner.plan({"a": [nic(0, "192.0.2.1")], "b": [nic(0, "10.10.1.11")],
                                        "c": [nic(0, "10.10.1.12")], "d": [nic(0, "198.51.100.7")]}))
    text = str(err)
    assert "4 re-IP problems" in text
    assert "VM 'a'" in text and "192.0.2.1" in text and "VM 'd'" in text and "198.51.100.7" in text
    assert "both VM 'b' NIC 0 and VM 'c' NIC 0" in text


# ---- the planner works without netaddr (issue 14) ---------------------------------------------------------------

def test_planner_needs_no_netaddr():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))))
    code = ("import sys; sys.modules['netaddr'] = None\n"
            "sys.path[:0] = [%r, %r]\n"
            "from ansible_collections.vmdr.replication.plugins.module_utils.plan import reip\n"
            "p = reip.ReipPlanner([{'source': '10.10.1.0/24', 'target': '10.20.1.0/24', 'gateway': '10.20.1.1'}])\n"
            "print(p.plan({'a': [{'index': 0, 'ip': '10.10.1.5', 'prefix': 24}]})['a'][0]"
            "['target_ip'])\n" % (os.path.join(root, ".build", "collections"), root))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["10.20.1.5"]


# ---- the modules check overrides against their vms before any provider call ---------------------------------

class FakeProvider(object):
    name = "vsphere"
    calls = []

    def __init__(self, **kwargs):
        pass

    def reip(self, refs, planner):
        FakeProvider.calls.append(("reip", [r.label for r in refs]))
        return Batch([r.label for r in refs])

    def failover(self, refs, mode, settings):
        FakeProvider.calls.append(("failover", [r.label for r in refs]))
        return Batch([r.label for r in refs])

    def close(self):
        pass


def run_module(module, args, monkeypatch, capsys):
    FakeProvider.calls = []
    monkeypatch.setattr(module_runner, "get_provider", lambda name: FakeProvider)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("module, args", [
    (reip_module, {"vms": ["app-db-01", "app-web-01"], "rules": RULES,
                   "overrides": {"app-db-1": [{"nic": 0, "ip": "10.20.2.100/24"}]}}),
    (failover_module, {"mode": "test", "vms": ["app-db-01", "app-web-01"],
                       "reip": {"rules": RULES, "overrides": {"app-db-1": [{"nic": 0, "ip": "10.20.2.100/24"}]}}}),
])
def test_modules_refuse_an_override_for_a_vm_not_in_vms_before_the_provider_acts(module, args, monkeypatch, capsys):
    result = run_module(module, args, monkeypatch, capsys)
    assert result["failed"] and FakeProvider.calls == []
    assert result["error"]["vm"] == "app-db-1" and result["error"]["step"] == "validate re-IP rules"
    assert "Did you mean 'app-db-01'?" in result["msg"]


@pytest.mark.parametrize("module, args", [
    (reip_module, {"vms": ["app-db-01"], "rules": RULES,
                   "overrides": {"app-db-01": [{"nic": 0, "ip": "10.20.2.100/24"}]}}),
    (failover_module, {"mode": "test", "vms": ["app-db-01"],
                       "reip": {"rules": RULES, "overrides": {"app-db-01": [{"nic": 0, "ip": "10.20.2.100/24"}]}}}),
])
def test_modules_pass_good_overrides_to_the_provider(module, args, monkeypatch, capsys):
    result = run_module(module, args, monkeypatch, capsys)
    assert not result.get("failed"), result
    assert [c[1] for c in FakeProvider.calls] == [["app-db-01"]]
