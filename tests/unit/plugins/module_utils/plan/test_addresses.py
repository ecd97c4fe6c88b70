import ipaddress

import pytest

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.plan import addresses
from ansible_collections.vmdr.replication.plugins.module_utils.plan.reip import ReipPlanner

N = ipaddress.ip_network
A = ipaddress.ip_address


def entry(index, ip, action="translate", gateway=None):
    """A NIC plan dict as ReipPlanner.plan_vm returns it."""
    return {"index": index, "network": "net", "source_ip": None, "source_prefix": None, "action": action,
            "rule": None, "target_ip": ip, "target_prefix": 24 if ip else None, "gateway": gateway, "dns": [],
            "dns_suffix": None}


# ---- which addresses of a subnet a host may have ---------------------------------------------------------------

@pytest.mark.parametrize("ip, network, kind", [
    ("10.0.0.0", "10.0.0.0/24", "the network address"),
    ("10.0.0.255", "10.0.0.0/24", "the broadcast address"),
    ("10.0.0.4", "10.0.0.4/30", "the network address"),
    ("10.0.0.7", "10.0.0.4/30", "the broadcast address"),
    ("10.0.0.5", "10.0.0.4/30", None),
    ("10.0.0.4", "10.0.0.4/31", None),
    ("10.0.0.5", "10.0.0.4/31", None),
    ("10.0.0.4", "10.0.0.4/32", None),
    ("fd00::", "fd00::/64", "the subnet-router anycast address"),
    ("fd00::ffff:ffff:ffff:ffff", "fd00::/64", None),
    ("fd00::4", "fd00::4/126", "the subnet-router anycast address"),
    ("fd00::4", "fd00::4/127", None),
    ("fd00::4", "fd00::4/128", None),
])
def test_reserved_addresses_follow_the_rfcs(ip, network, kind):
    assert addresses.reserved(A(ip), N(network)) == kind


@pytest.mark.parametrize("ip, network, gateway, problems", [
    ("10.0.0.5", "10.0.0.0/24", "10.0.0.1", []),
    ("10.0.0.5", "10.0.0.0/24", None, []),
    ("10.0.0.1", "10.0.0.0/24", "10.0.0.1", ["address 10.0.0.1 is also its gateway"]),
    ("10.0.0.0", "10.0.0.0/24", "10.0.0.255", [
        "address 10.0.0.0 is the network address of 10.0.0.0/24",
        "gateway 10.0.0.255 is the broadcast address of 10.0.0.0/24"]),
    ("10.0.0.5", "10.0.0.0/24", "10.0.1.1", ["gateway 10.0.1.1 is outside 10.0.0.0/24"]),
    ("10.0.0.4", "10.0.0.4/31", "10.0.0.5", []),
    ("10.0.0.4", "10.0.0.4/32", "10.0.0.4", ["address 10.0.0.4 is also its gateway"]),
    ("10.0.0.4", "10.0.0.4/32", "10.0.0.1", [
        "gateway 10.0.0.1: a /32 holds one address only, so it cannot have a gateway"]),
    ("fd00::5", "fd00::/64", "fd00::", ["gateway fd00:: is the subnet-router anycast address of fd00::/64"]),
    ("fd00::5", "fd00::/64", "10.0.0.1", ["gateway 10.0.0.1 is outside fd00::/64"]),
])
def test_host_problems(ip, network, gateway, problems):
    assert addresses.host_problems(A(ip), N(network), A(gateway) if gateway else None) == problems


@pytest.mark.parametrize("text, what, message", [
    ("10.0.0.0/33", addresses.subnet, "not a valid subnet"),
    ("10.0.0.1/24", addresses.subnet, "has host bits set"),
    (24, addresses.subnet, "not a valid subnet"),
    ("10.0.0.256", addresses.address, "not a valid IP address"),
    (None, addresses.address, "not a valid IP address"),
    ("10.0.0.1", addresses.interface, "needs a prefix length"),
    ("10.0.0.1/40", addresses.interface, "not a valid address/prefix"),
])
def test_parsing_refuses_with_an_input_error(text, what, message):
    with pytest.raises(InputError, match=message):
        what(text, "thing", vm="a")


def test_parsing_accepts_spaces_and_netmasks():
    assert addresses.subnet(" 10.0.0.0/255.255.255.0", "x") == N("10.0.0.0/24")
    assert str(addresses.interface("10.0.0.9/24", "x").network) == "10.0.0.0/24"


def test_translate_keeps_the_host_part_and_the_version():
    assert addresses.translate(A("10.10.1.77"), N("10.10.1.0/24"), N("172.16.0.0/20")) == A("172.16.0.77")
    assert addresses.translate(A("fd00:1::15"), N("fd00:1::/64"), N("::/64")) == A("::15")


# ---- overlap_errors: the one overlap check for every provider ----------------------------------------------

def test_no_overlap_no_errors():
    plans = {"a": [entry(0, "10.0.0.5", gateway="10.0.0.1"), entry(1, None, "dhcp")],
             "b": [entry(0, "10.0.0.6", gateway="10.0.0.1"), entry(1, None, "dhcp")]}
    assert addresses.overlap_errors(plans) == []


def test_one_address_for_two_vms_fails_both():
    errors = addresses.overlap_errors({"b": [entry(0, "10.0.0.5")], "a": [entry(0, "10.0.0.5", "override")]})
    assert [e.vm for e in errors] == ["a", "b"]
    assert all("re-IP would give 10.0.0.5 to both VM 'a' NIC 0 and VM 'b' NIC 0" in str(e) for e in errors)
    assert all(isinstance(e, InputError) and e.step == "compute re-IP plan" and e.hint for e in errors)


def test_one_address_for_two_nics_of_one_vm_fails_it_once():
    errors = addresses.overlap_errors({"a": [entry(0, "10.0.0.5"), entry(1, "10.0.0.5")]})
    assert len(errors) == 1 and "both VM 'a' NIC 0 and VM 'a' NIC 1" in str(errors[0])


def test_one_address_for_many_nics_names_them_all_briefly():
    plans = dict(("vm%d" % i, [entry(0, "10.0.0.5")]) for i in range(5))
    errors = addresses.overlap_errors(plans)
    assert len(errors) == 5
    assert "to VM 'vm0' NIC 0, VM 'vm1' NIC 0, VM 'vm2' NIC 0 and 2 more" in str(errors[0])


def test_addresses_compare_by_value():
    errors = addresses.overlap_errors({"a": [entry(0, "fd00::0015")], "b": [entry(0, "fd00::15")]})
    assert [e.vm for e in errors] == ["a", "b"]


def test_a_kept_address_taken_by_a_reiped_nic_fails_only_the_reiped_vm():
    errors = addresses.overlap_errors({"keeper": [entry(0, "192.0.2.4", "keep")], "mover": [entry(0, "192.0.2.4")]})
    assert [e.vm for e in errors] == ["mover"] and "VM 'keeper' NIC 0" in str(errors[0])


def test_two_nics_keeping_one_address_are_the_sources_state():
    assert addresses.overlap_errors({"a": [entry(0, "192.0.2.4", "keep")], "b": [entry(0, "192.0.2.4", "keep")]}) == []


def test_an_address_that_is_another_vms_gateway_fails_that_vm():
    plans = {"web": [entry(0, "10.0.0.5", gateway="10.0.0.1")], "db": [entry(0, "10.0.0.6", gateway="10.0.0.1")],
             "thief": [entry(0, "10.0.0.1", "override")]}
    errors = addresses.overlap_errors(plans)
    assert [e.vm for e in errors] == ["thief"]
    assert "re-IP would give VM 'thief' NIC 0 the address 10.0.0.1, the gateway of VM 'db' NIC 0 and VM 'web' " \
           "NIC 0" in str(errors[0])


def test_an_address_that_is_the_gateway_of_another_nic_of_the_same_vm_is_refused():
    errors = addresses.overlap_errors({"a": [entry(0, "10.0.0.1"), entry(1, "10.0.1.5", gateway="10.0.0.1")]})
    assert len(errors) == 1 and "VM 'a' NIC 0 the address 10.0.0.1, the gateway of VM 'a' NIC 1" in str(errors[0])


def test_a_new_gateway_onto_a_kept_address_fails_the_vm_with_that_gateway():
    plans = {"keeper": [entry(0, "10.0.0.1", "keep")], "web": [entry(0, "10.0.0.5", gateway="10.0.0.1")],
             "old": [entry(0, "10.0.0.6", "keep", gateway="10.0.0.1")]}
    errors = addresses.overlap_errors(plans)
    assert [e.vm for e in errors] == ["web"] and "VM 'keeper' NIC 0, which keeps its address" in str(errors[0])


def test_errors_are_sorted_by_vm_then_nic():
    plans = {"b": [entry(10, "10.0.0.9"), entry(2, "10.0.0.7")], "a": [entry(0, "10.0.0.9"), entry(1, "10.0.0.7")]}
    errors = addresses.overlap_errors(plans)
    assert [(e.vm, "10.0.0.7" in e.message) for e in errors] == [("a", False), ("a", True), ("b", True), ("b", False)]


def test_overlap_errors_is_a_superset_of_both_provider_checks():
    """What vSphere (ReipPlanner.plan) and Hyper-V (_check_overlap) refused is refused; and more."""
    planner = ReipPlanner([{"source": "10.10.0.0/16", "target": "10.20.0.0/16", "gateway": "10.20.0.1"}],
                          overrides={"b": [{"nic": 0, "ip": "10.20.1.11/16"}]})
    plans = {"a": planner.plan_vm("a", [{"index": 0, "ip": "10.10.1.11", "prefix": 16}]),
             "b": planner.plan_vm("b", [{"index": 0, "ip": "10.10.9.9", "prefix": 16}])}
    assert [e.vm for e in addresses.overlap_errors(plans)] == ["a", "b"]
    # Hyper-V skipped two NICs of one VM, both skipped gateways: refused now
    assert addresses.overlap_errors({"a": [entry(0, "10.0.0.5"), entry(1, "10.0.0.5")]})
    assert addresses.overlap_errors({"a": [entry(0, "10.20.0.1")], "b": [entry(0, "10.20.0.5", gateway="10.20.0.1")]})
