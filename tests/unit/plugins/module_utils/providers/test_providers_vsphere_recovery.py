# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Choosing a recovery point (the shared plan.recovery_point rule over vSphere generations) and the small planning
helpers shared by the failover modes; every problem is collected, none raised."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest
from pyVmomi import vim

from ansible_collections.vmdr.replication.plugins.module_utils.engine.refusal import Problems
from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import recovery, vm_spec

# generation ids are what copy_engine writes: the sync start as %Y%m%dT%H%M%SZ
GENS = [{"id": "20261121T090000Z", "time": "2026-11-21T09:00:00Z", "quiesced": False},
        {"id": "20261121T091500Z", "time": "2026-11-21T09:15:00Z", "quiesced": False},
        {"id": "20261121T093000Z", "time": "2026-11-21T09:30:00Z", "quiesced": True}]
RECORD = {"role": "replica", "generations": GENS}


class Ref(object):
    def __init__(self, options=None, label="app-01"):
        self.options = options or {}
        self.label = label


def choose(wanted, record=None):
    """The generation id the vSphere adapter picks, or raises the one problem it found."""
    problems = Problems()
    gen = recovery.choose_point("app-01", RECORD if record is None else record,
                                recovery.point_spec(Ref({"recovery_point": wanted}), {}, problems), "site-b", problems)
    if problems:
        raise problems.items[0]
    return gen["id"]


@pytest.mark.parametrize("wanted", [None, "", "latest"])
def test_latest(wanted):
    assert choose(wanted) == "20261121T093000Z"


def test_by_id():
    assert choose("20261121T091500Z") == "20261121T091500Z"
    assert choose("20261121T090000Z") == "20261121T090000Z"


@pytest.mark.parametrize("wanted, expected", [
    ("2026-11-21T09:20:00Z", "20261121T091500Z"),
    ("2026-11-21T09:15:00Z", "20261121T091500Z"),
    ("2026-11-21T09:14:59Z", "20261121T090000Z"),
    ("2026-11-21T09:00:00", "20261121T090000Z"),
    ("2026-11-21 09:29:59", "20261121T091500Z"),
    ("2026-11-22T00:00:00Z", "20261121T093000Z"),
    # the shared grammar (plan.recovery_point): offsets, minutes precision
    ("2026-11-21T10:20:00+01:00", "20261121T091500Z"),
    ("2026-11-21T09:29", "20261121T091500Z"),
])
def test_newest_at_or_before_a_time(wanted, expected):
    assert choose(wanted) == expected


def test_time_before_every_point_lists_what_is_available():
    with pytest.raises(InputError) as err:
        choose("2026-11-21T08:59:59Z")
    error = err.value
    assert error.message == "no recovery point matches '2026-11-21T08:59:59Z'"
    assert (error.vm, error.site, error.step) == ("app-01", "site-b", "choose recovery point")
    assert error.hint == ("Available: 20261121T090000Z (2026-11-21T09:00:00Z), 20261121T091500Z (2026-11-21T09:15:00Z), "
                          "20261121T093000Z (2026-11-21T09:30:00Z)")


def test_unknown_word_is_not_found():
    with pytest.raises(InputError) as err:
        choose("yesterday")
    assert err.value.hint.startswith("Available: 20261121T090000Z")


def test_malformed_time_is_an_input_error():
    with pytest.raises(InputError) as err:
        choose("2026-11-21T25:00:00Z")
    assert "recovery_point '2026-11-21T25:00:00Z' is not a valid time" in err.value.message
    assert err.value.vm == "app-01"


def test_unknown_generation_id_lists_what_is_available():
    with pytest.raises(InputError) as err:
        choose("20261121T084500Z")
    assert err.value.hint.startswith("Available: ")


@pytest.mark.parametrize("record", [{"generations": []}, {"generations": None}, {"role": "replica"}])
def test_no_generation_yet(record):
    with pytest.raises(InputError) as err:
        choose("latest", record)
    assert err.value.message == "the replica has no recovery point yet"
    assert err.value.hint.startswith("Run replica_sync first")


def test_every_vm_gets_its_own_problem_and_the_per_vm_point_wins():
    problems = Problems()
    specs = [recovery.point_spec(Ref({"recovery_point": "2026-13-45T00:00:00Z"}, "a"), {}, problems),
             recovery.point_spec(Ref({}, "b"), {"recovery_point": "nope"}, problems),
             recovery.point_spec(Ref({"recovery_point": "20261121T090000Z"}, "c"), {"recovery_point": "x"},
                                 problems)]
    assert specs[0] is None and specs[1].kind == "id" and specs[2].value == "20261121T090000Z"
    assert recovery.choose_point("b", RECORD, specs[1], "site-b", problems) is None
    assert [e.vm for e in problems.items] == ["a", "b"]


def test_achieved_rpo_and_the_recorded_point():
    started = datetime.datetime(2026, 11, 21, 9, 40, 30)
    assert recovery.achieved_rpo(started, GENS[-1]) == 630
    promoted = dict(RECORD, failover={"generation": "20261121T091500Z"})
    assert recovery.recorded_point(promoted)["id"] == "20261121T091500Z"
    assert recovery.recorded_point(RECORD)["id"] == "20261121T093000Z"
    assert recovery.recorded_point({}) is None


def test_expected_ips_and_windows_detection():
    plans = [{"action": "translate", "target_ip": "10.0.0.1"}, {"action": "dhcp", "target_ip": "10.0.0.2"},
             {"action": "keep", "target_ip": "10.0.0.3"}, {"action": "override", "target_ip": None}]
    assert recovery.expected_ips(plans) == {"10.0.0.1", "10.0.0.3"}
    assert recovery.is_windows({"guest_family": "windowsGuest"}) is True
    assert recovery.is_windows({}, {"config.guestId": "windows2019srv_64Guest"}) is True
    assert recovery.is_windows({"guest_family": "linuxGuest"}, {"config.guestId": "ubuntu64Guest"}) is False
    assert recovery.is_windows(None) is False


def test_reip_nics_from_record():
    record = {"nics": [{"index": 0, "key": 4000, "network": "prod-web", "ip": "10.1.0.5", "prefix": 24, "addresses": []}]}
    assert recovery.reip_nics(record) == [{"index": 0, "network": "prod-web", "ip": "10.1.0.5", "prefix": 24}]
    assert recovery.reip_nics({}) == []


class FakeInventory(object):
    def __init__(self, networks):
        self._networks = networks

    def networks(self):
        return self._networks


def test_nic_edits_changes_only_nics_on_the_wrong_network():
    dev = vim.vm.device
    devices = [dev.VirtualVmxnet3(key=4000, backing=dev.VirtualEthernetCard.NetworkBackingInfo(deviceName="dr-web")),
               dev.VirtualVmxnet3(key=4001, backing=dev.VirtualEthernetCard.NetworkBackingInfo(deviceName="prod-db")),
               dev.VirtualVmxnet3(key=4002, backing=dev.VirtualEthernetCard.NetworkBackingInfo(deviceName="other"))]
    networks = {"dr-web": {"kind": "standard", "key": None, "obj": vim.Network("network-1")},
                "dr-db": {"kind": "distributed", "key": "dvportgroup-5", "switch_uuid": "uuid-1"}}
    targets = {0: ("dr-web", networks["dr-web"]), 1: ("dr-db", networks["dr-db"])}
    changes, report = recovery.nic_edits(devices, targets, FakeInventory(networks))
    assert report == [{"index": 0, "network": "dr-web", "changed": False, "current": "dr-web"},
                      {"index": 1, "network": "dr-db", "changed": True, "current": "prod-db"}]
    assert len(changes) == 1
    assert changes[0].device.key == 4001
    assert changes[0].operation == dev.VirtualDeviceSpec.Operation.edit
    assert vm_spec.backing_matches(changes[0].device.backing, networks["dr-db"], "dr-db")
    # the NIC without a target is left alone
    assert devices[2].backing.deviceName == "other"
