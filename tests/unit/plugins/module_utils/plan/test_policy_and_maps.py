import pytest

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.plan.policy import ReplicationPolicy
from ansible_collections.vmdr.replication.plugins.module_utils.plan.network_map import NetworkMap
from ansible_collections.vmdr.replication.plugins.module_utils.plan.vm_refs import parse_vms


def test_policy_defaults():
    expected = {"rpo": 15, "recovery_points": 3, "quiesce": False}
    assert ReplicationPolicy.from_params(None, "vsphere").as_dict() == expected


@pytest.mark.parametrize("params, text", [
    ({"rpo": 4}, "out of range"),
    ({"rpo": 1441}, "out of range"),
    ({"rpo": 10, "quiesce": True}, "guest quiescing"),
    ({"recovery_points": 0}, "recovery_points 0"),
    ({"recovery_points": 25}, "recovery_points 25"),
    ({"rpo": "soon"}, "must be numbers"),
])
def test_policy_limits_vsphere(params, text):
    with pytest.raises(InputError, match=text):
        ReplicationPolicy.from_params(params, "vsphere", vm="app-1")


def test_policy_hyperv_frequencies():
    assert ReplicationPolicy.from_params({"rpo": 0.5}, "hyperv").rpo == 0.5
    assert ReplicationPolicy.from_params({"rpo": 5}, "hyperv").rpo == 5
    with pytest.raises(InputError, match="30 s, 5 min or 15 min"):
        ReplicationPolicy.from_params({"rpo": 10}, "hyperv")


def test_network_map_live_and_unmapped():
    nmap = NetworkMap.from_params({"live": {"prod-web": "dr-web"}, "test": "dr-test"})
    assert nmap.target_for("prod-web", "live") == "dr-web"
    assert nmap.target_for("anything", "test") == "dr-test"
    with pytest.raises(InputError) as err:
        nmap.target_for("prod-db", "live", vm="app-db-01", site="site-b")
    text = str(err.value)
    assert "app-db-01" in text and "site-b" in text and "prod-db" in text and "network_map.live" in text


def test_network_map_test_mapping_and_clash():
    nmap = NetworkMap.from_params({"live": {"prod-web": "dr-web"}, "test": {"prod-web": "dr-web"}})
    with pytest.raises(InputError, match="also production networks"):
        nmap.check_test_apart_from_live()
    with pytest.raises(InputError, match="has no test network"):
        NetworkMap.from_params({"test": {"a": "t"}}).target_for("b", "test")


def test_vm_refs_names_ids_and_options():
    refs = parse_vms(["web-01", {"uuid": "4212F1A2-0000-1111-2222-333344445555"}, {"moid": "vm-12"},
                      {"name": "db", "recovery_point": "latest"}], allowed_options=("recovery_point",))
    assert [r.label for r in refs] == ["web-01", "4212f1a2-0000-1111-2222-333344445555", "vm-12", "db"]
    assert refs[3].options == {"recovery_point": "latest"}


def test_vm_names_with_quotes_and_metacharacters_are_data():
    refs = parse_vms(["a'; Remove-VM *; '", 'b"$(calc)`', "c|d&e;f"])
    assert refs[0].name == "a'; Remove-VM *; '"


@pytest.mark.parametrize("items, text", [
    ([], "empty"),
    ([""], "non-empty"),
    (["a\nb"], "control characters"),
    (["x" * 81], "longer than"),
    ([{"name": "a", "uuid": "4212f1a2-0000-1111-2222-333344445555"}], "exactly one"),
    ([{"uuid": "nope"}], "not a UUID"),
    (["a", "a"], "listed twice"),
    ([{"name": "a", "colour": "red"}], "unknown per-VM keys"),
    ([42], "a name or a dict"),
])
def test_vm_refs_refused(items, text):
    with pytest.raises(InputError, match=text):
        parse_vms(items)
