# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Choosing a recovery point and the small planning helpers shared by the failover modes."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest
from pyVmomi import vim

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError, NotFoundError
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import recovery, vm_spec

# generation ids are what copy_engine writes: the sync start as %Y%m%dT%H%M%SZ
GENS = [{"id": "20261121T090000Z", "time": "2026-11-21T09:00:00Z", "quiesced": False},
        {"id": "20261121T091500Z", "time": "2026-11-21T09:15:00Z", "quiesced": False},
        {"id": "20261121T093000Z", "time": "2026-11-21T09:30:00Z", "quiesced": True}]
RECORD = {"role": "replica", "generations": GENS}


def choose(wanted):
    return recovery.choose_generation("app-01", RECORD, wanted, "site-b")["id"]


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
])
def test_newest_at_or_before_a_time(wanted, expected):
    assert choose(wanted) == expected


def test_time_before_every_point_lists_what_is_available():
    with pytest.raises(NotFoundError) as err:
        choose("2026-11-21T08:59:59Z")
    error = err.value
    assert error.message == "no recovery point matches '2026-11-21T08:59:59Z'"
    assert (error.vm, error.site, error.step) == ("app-01", "site-b", "choose recovery point")
    assert error.hint == ("Available: 20261121T090000Z (2026-11-21T09:00:00Z), 20261121T091500Z (2026-11-21T09:15:00Z), "
                          "20261121T093000Z (2026-11-21T09:30:00Z)")


def test_unknown_word_is_not_found():
    with pytest.raises(NotFoundError) as err:
        choose("yesterday")
    assert err.value.hint.startswith("Available: 20261121T090000Z")


def test_malformed_time_is_an_input_error():
    with pytest.raises(InputError) as err:
        choose("2026-11-21T25:00:00Z")
    assert "is not a time like" in err.value.message
    assert err.value.vm == "app-01"


def test_unknown_generation_id_lists_what_is_available():
    with pytest.raises(NotFoundError) as err:
        choose("20261121T084500Z")
    assert err.value.hint.startswith("Available: ")


@pytest.mark.parametrize("record", [{}, {"generations": []}, {"generations": None}])
def test_no_generation_yet(record):
    with pytest.raises(NotFoundError) as err:
        recovery.choose_generation("app-01", record, "latest", "site-b")
    assert err.value.message == "the replica has no recovery point yet"
    assert err.value.hint == "Run replica_sync first"


def test_achieved_rpo_and_wanted_point():
    started = datetime.datetime(2026, 11, 21, 9, 40, 30)
    assert recovery.achieved_rpo(started, GENS[-1]) == 630

    class Ref(object):
        def __init__(self, options):
            self.options = options

    assert recovery.wanted_point(Ref({"recovery_point": "g1"}), {"recovery_point": "g2"}) == "g1"
    assert recovery.wanted_point(Ref({}), {"recovery_point": "g2"}) == "g2"
    assert recovery.wanted_point(Ref({}), {}) == "latest"


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
