# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Guest customization specs, plan hashes, and the readiness poll (power.poll_vms) under the engine's one wait
(engine.waits with engine.readiness) against a scripted bulk read."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

import pytest
from pyVmomi import vim

from ansible_collections.vmdr.replication.plugins.module_utils.errors import VmdrError, WaitTimeout
from ansible_collections.vmdr.replication.plugins.module_utils.engine import readiness, waits
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import guest, power

CUST = vim.vm.customization

STATIC = {"index": 0, "action": "translate", "target_ip": "10.20.0.15", "target_prefix": 24, "gateway": "10.20.0.1",
          "dns": ["10.20.0.2", "10.20.0.3"], "dns_suffix": "dr.example"}
DHCP = {"index": 1, "action": "dhcp", "target_ip": None, "target_prefix": None, "gateway": None,
        "dns": ["10.20.0.3", "10.9.9.9"], "dns_suffix": "lab.example"}
BARE = {"index": 2, "action": "override", "target_ip": "192.168.7.9", "target_prefix": 22, "gateway": None, "dns": [],
        "dns_suffix": None}


def test_customization_spec_linux_maps_every_nic_in_order():
    spec = guest.customization_spec([STATIC, DHCP, BARE], "web_01.prod")
    static, dhcp, bare = [m.adapter for m in spec.nicSettingMap]
    assert isinstance(static.ip, CUST.FixedIp) and static.ip.ipAddress == "10.20.0.15"
    assert static.subnetMask == "255.255.255.0"
    assert list(static.gateway) == ["10.20.0.1"]
    assert list(static.dnsServerList) == ["10.20.0.2", "10.20.0.3"]
    assert static.dnsDomain == "dr.example"
    assert isinstance(dhcp.ip, CUST.DhcpIpGenerator)
    assert dhcp.subnetMask is None
    assert list(dhcp.dnsServerList) == ["10.20.0.3", "10.9.9.9"]
    assert isinstance(bare.ip, CUST.FixedIp) and bare.subnetMask == "255.255.252.0"
    assert not bare.gateway and not bare.dnsServerList and bare.dnsDomain is None
    # global settings gather every server and suffix once, in first-seen order
    assert list(spec.globalIPSettings.dnsServerList) == ["10.20.0.2", "10.20.0.3", "10.9.9.9"]
    assert list(spec.globalIPSettings.dnsSuffixList) == ["dr.example", "lab.example"]
    assert isinstance(spec.identity, CUST.LinuxPrep)
    assert spec.identity.hostName.name == "web-01-prod"
    assert spec.identity.domain == "dr.example"


def test_customization_spec_static_plan_without_ip_is_dhcp():
    plan = dict(STATIC, action="translate", target_ip=None)
    spec = guest.customization_spec([plan], "db")
    assert isinstance(spec.nicSettingMap[0].adapter.ip, CUST.DhcpIpGenerator)
    assert spec.identity.domain == "dr.example"


def test_customization_spec_linux_default_domain():
    spec = guest.customization_spec([BARE], "db")
    assert spec.identity.domain == "localdomain"
    assert list(spec.globalIPSettings.dnsServerList) == []


def test_customization_spec_windows_uses_sysprep():
    spec = guest.customization_spec([STATIC], "APP-SRV-01", windows=True)
    identity = spec.identity
    assert isinstance(identity, CUST.Sysprep)
    assert identity.userData.computerName.name == "APP-SRV-01"
    assert identity.identification.joinWorkgroup == "WORKGROUP"
    assert identity.guiUnattended.autoLogon is False


def test_customization_spec_keep_plan_without_prefix():
    plan = {"index": 0, "action": "keep", "target_ip": "10.0.0.5", "target_prefix": None, "gateway": None, "dns": [],
            "dns_suffix": None}
    try:
        spec = guest.customization_spec([plan], "vm")
    except VmdrError:
        return
    assert spec.nicSettingMap[0].adapter.ip.ipAddress == "10.0.0.5"


@pytest.mark.parametrize("text, expected", [("web_01.prod", "web-01-prod"), ("", "vmdr-recovered"), (None, "vmdr-recovered"),
                                            ("---", "vmdr-recovered"), ("-db-", "db"), ("x" * 80, "x" * 63)])
def test_host_name(text, expected):
    assert guest.host_name(text) == expected


def test_plan_hash_is_stable_and_sensitive():
    first = guest.plan_hash([STATIC, DHCP])
    assert len(first) == 16 and int(first, 16) >= 0
    assert guest.plan_hash([dict(reversed(list(STATIC.items()))), dict(DHCP)]) == first
    assert guest.plan_hash([DHCP, STATIC]) != first
    assert guest.plan_hash([dict(STATIC, target_ip="10.20.0.16"), DHCP]) != first


def test_reported_ips_merges_nics_and_primary():
    props = {"guest.net": [vim.vm.GuestInfo.NicInfo(ipAddress=["10.0.0.5", "fe80::1"]), vim.vm.GuestInfo.NicInfo()],
             "guest.ipAddress": "10.0.1.5"}
    assert guest.reported_ips(props) == {"10.0.0.5", "fe80::1", "10.0.1.5"}
    assert guest.reported_ips({}) == set()


def vm_props(power="poweredOn", tools="guestToolsRunning", ips=(), primary=None):
    return {"runtime.powerState": power, "guest.toolsRunningStatus": tools, "guest.ipAddress": primary,
            "guest.net": [vim.vm.GuestInfo.NicInfo(ipAddress=list(ips))] if ips else None}


class ScriptedRead(object):
    """Stands in for retrieve_objects: each VM answers its next scripted state (the last one repeats)."""

    def __init__(self, script):
        self.script = script
        self.calls = []

    def __call__(self, si, objs, paths, obj_type=None):
        objs = list(objs)
        assert si == "si"
        assert paths == guest.READY_PATHS
        assert obj_type is vim.VirtualMachine
        self.calls.append([o._moId for o in objs])
        rows = []
        for obj in objs:
            states = self.script[obj._moId]
            rows.append((vim.VirtualMachine(obj._moId), states.pop(0) if len(states) > 1 else states[0]))
        return rows


class Site(object):
    si = "si"
    name = "site-b"


def vms(*moids):
    return dict(("vm%s" % m.split("-")[1], vim.VirtualMachine(m)) for m in moids)


def wait_ready(objs, expected, timeout, need_ip=True, started=None, delay=0):
    """What test_copy and the engine run: the one wait over the vSphere bulk poll."""
    waiter = waits.Waiter(readiness.GUEST_READY.name, readiness.GUEST_READY.acceptor, delay=delay,
                          describe=readiness.describe)
    got = waits.wait(waiter, list(objs), lambda pending: power.poll_vms(
        Site(), dict((k, objs[k]) for k in pending), expected, need_ip), timeout, site="site-b", started=started)
    ready = dict((label, seconds) for label, (_s, error, seconds) in got.items() if error is None)
    not_ready = dict((label, (state, error)) for label, (state, error, _s) in got.items() if error is not None)
    return ready, not_ready


def test_wait_ready_polls_in_bulk_until_all_ready(monkeypatch):
    read = ScriptedRead({
        "vm-1": [vm_props(power="poweredOff", tools="guestToolsNotRunning"), vm_props(tools="guestToolsNotRunning"),
                 vm_props(ips=["10.20.0.15"])],
        "vm-2": [vm_props(ips=["10.20.0.16", "10.20.1.16"])],
    })
    monkeypatch.setattr(power, "retrieve_objects", read)
    started = time.time() - 5
    ready, not_ready = wait_ready(vms("vm-1", "vm-2"), {"vm1": {"10.20.0.15"}, "vm2": {"10.20.0.16"}}, timeout=5,
                                  started=started)
    assert not_ready == {}
    assert sorted(ready) == ["vm1", "vm2"]
    assert all(5 <= s < 6 for s in ready.values())
    assert ready["vm2"] <= ready["vm1"]
    # one read for all VMs per poll; ready VMs are not read again
    assert read.calls == [["vm-1", "vm-2"], ["vm-1"], ["vm-1"]]


def test_the_poll_reports_power_agent_and_both_address_lists(monkeypatch):
    monkeypatch.setattr(power, "retrieve_objects", ScriptedRead({
        "vm-1": [vm_props(power="poweredOff", tools="guestToolsNotRunning")],
        "vm-2": [vm_props(ips=["10.0.0.9", "10.0.0.2"])]}))
    states = power.poll_vms(Site(), vms("vm-1", "vm-2"), {"vm2": {"10.20.0.16"}})
    assert states == {
        "vm1": {"power": "off", "agent": False, "addresses": [], "expected": [], "need_address": True},
        "vm2": {"power": "on", "agent": True, "addresses": ["10.0.0.2", "10.0.0.9"], "expected": ["10.20.0.16"],
                "need_address": False}}


def test_a_vm_not_at_its_promised_address_fails_naming_expected_and_seen(monkeypatch):
    read = ScriptedRead({"vm-1": [vm_props(power="poweredOff", tools="guestToolsNotRunning")],
                         "vm-2": [vm_props(ips=["10.0.0.9", "10.0.0.2"])],
                         "vm-3": [vm_props(ips=["10.0.0.3"])]})
    monkeypatch.setattr(power, "retrieve_objects", read)
    ready, not_ready = wait_ready(vms("vm-1", "vm-2", "vm-3"), {"vm2": {"10.20.0.16"}}, timeout=0)
    assert list(ready) == ["vm3"]
    assert sorted(not_ready) == ["vm1", "vm2"]
    _state, error = not_ready["vm2"]
    # on and running tools, but not at the address re-IP gave it
    assert isinstance(error, WaitTimeout) and error.vm == "vm2" and error.site == "site-b"
    assert "expected addresses 10.20.0.16, seen 10.0.0.2, 10.0.0.9" in error.message
    assert "power off, guest agent silent" in not_ready["vm1"][1].message
    assert len(read.calls) == 1


def test_wait_ready_gives_up_after_the_timeout(monkeypatch):
    read = ScriptedRead({"vm-1": [vm_props(tools="guestToolsNotRunning")]})
    monkeypatch.setattr(power, "retrieve_objects", read)
    began = time.time()
    ready, not_ready = wait_ready(vms("vm-1"), {}, timeout=0.05, delay=0.01)
    assert ready == {}
    assert not_ready["vm1"][0]["agent"] is False
    assert len(read.calls) >= 2
    assert time.time() - began < 1


@pytest.mark.parametrize("need_ip, expected, ips, is_ready", [
    (True, set(), [], False),
    (True, set(), ["10.0.0.1"], True),
    (False, set(), [], True),
    (False, {"10.0.0.1"}, [], False),
    (True, {"10.0.0.1", "10.0.0.2"}, ["10.0.0.1"], False),
    (True, {"10.0.0.1"}, ["10.0.0.1", "10.0.0.7"], True),
])
def test_wait_ready_address_rules(monkeypatch, need_ip, expected, ips, is_ready):
    monkeypatch.setattr(power, "retrieve_objects", ScriptedRead({"vm-1": [vm_props(ips=ips)]}))
    ready, not_ready = wait_ready(vms("vm-1"), {"vm1": expected}, timeout=0, need_ip=need_ip)
    assert ("vm1" in ready) is is_ready
    assert ("vm1" in not_ready) is not is_ready


def test_wait_ready_counts_the_primary_address(monkeypatch):
    monkeypatch.setattr(power, "retrieve_objects", ScriptedRead({"vm-1": [vm_props(primary="10.0.0.1")]}))
    ready = wait_ready(vms("vm-1"), {"vm1": {"10.0.0.1"}}, timeout=0)[0]
    assert list(ready) == ["vm1"]
