"""Hyper-V network and re-IP planning without the source VM: the replica's own NICs (an unplanned failover with the
protected site lost) and the failover IPs an earlier reip call staged on them."""
import pytest

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.plan.network_map import NetworkMap
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import networks, reip

NMAP = NetworkMap({"prod-web": "dr-web", "prod-db": "dr-db"})
SWITCHES = {"dr-web": "External", "dr-db": "External", "prod-db": "External", "dr-test": "Private"}


def test_a_nic_on_a_recovery_switch_stays_and_one_on_a_source_named_switch_moves():
    nics = [{"index": 0, "switch": "dr-web"}, {"index": 1, "switch": "prod-db"}]
    assert networks.replica_switch_plan("vm", nics, NMAP, SWITCHES, "hv-b1") == [
        {"index": 0, "switch": "dr-web"}, {"index": 1, "switch": "dr-db"}]


@pytest.mark.parametrize("nic, text", [
    ({"index": 0, "switch": None}, "NIC 0 of the replica is not connected and the source VM could not be read"),
    ({"index": 0, "switch": "dr-test"}, "NIC 0 of the replica is on switch 'dr-test', which network_map.live does "
                                        "not name, and the source VM could not be read"),
])
def test_a_nic_whose_source_network_is_unknown_is_an_input_problem(nic, text):
    with pytest.raises(InputError) as caught:
        networks.replica_switch_plan("vm", [nic], NMAP, SWITCHES, "hv-b1")
    assert text in str(caught.value) and caught.value.vm == "vm" and caught.value.site == "hv-b1"


def test_a_recovery_switch_missing_on_the_host_is_an_input_problem():
    with pytest.raises(InputError, match="switch 'dr-web' does not exist on the recovery host"):
        networks.replica_switch_plan("vm", [{"index": 0, "switch": "prod-web"}], NMAP, {"dr-db": "External"}, "b")


def test_staged_failover_ips_count_only_on_connected_nics():
    nics = [{"index": 0, "failover_ip": {"ip": "10.20.1.41", "mask": "255.255.255.0"}},
            {"index": 1, "failover_ip": {"ip": "10.20.2.41"}},
            {"index": 2, "failover_ip": {"ip": None}}, {"index": 3}]
    assert reip.staged(nics, {0, 2, 3}) == ["10.20.1.41"]
    assert reip.staged(nics, {0, 1}) == ["10.20.1.41", "10.20.2.41"]
    assert reip.staged(None, {0}) == []
