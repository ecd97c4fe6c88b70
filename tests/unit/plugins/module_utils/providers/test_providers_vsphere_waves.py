# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Recovery waves in one test failover call: the per-VM ``wave`` key, checked and ordered."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.plan.vm_refs import parse_vms
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere.test_copy import _waves
from ansible_collections.vmdr.replication.plugins.modules.failover import check_waves
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv.provider import HypervProvider
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere.provider import VsphereProvider

PROVIDERS = {"vsphere": VsphereProvider, "hyperv": HypervProvider}

VMS = [{"name": "web-1", "wave": 2}, {"name": "db-1", "wave": 1}, "mq-1", {"name": "web-2", "wave": 2},
       {"name": "db-2", "wave": 1}]


def refs(items=None):
    return parse_vms(items or VMS, ("recovery_point", "wave"))


def test_waves_lowest_first_keeping_the_given_order_inside_a_wave():
    found = dict((r.label, {}) for r in refs())
    assert _waves(refs(), found) == [["mq-1"], ["db-1", "db-2"], ["web-1", "web-2"]]


def test_waves_leave_out_vms_that_need_no_start():
    found = {"web-1": {}, "db-2": {}}
    assert _waves(refs(), found) == [["db-2"], ["web-1"]]


def test_without_wave_keys_all_vms_are_one_wave():
    items = ["a", "b", "c"]
    assert _waves(refs(items), dict((n, {}) for n in items)) == [["a", "b", "c"]]


def test_check_waves_accepts_integers_for_vsphere_test():
    check_waves(refs(), "test", VsphereProvider)
    check_waves(refs(["a", "b"]), "planned", HypervProvider)  # no wave key: nothing to check


@pytest.mark.parametrize("mode, provider", [("planned", "vsphere"), ("unplanned", "vsphere"),
                                            ("cleanup_test", "vsphere"), ("test", "hyperv")])
def test_check_waves_refuses_other_modes_and_providers(mode, provider):
    with pytest.raises(InputError) as err:
        check_waves(refs(), mode, PROVIDERS[provider])
    assert err.value.vm == "web-1"
    assert "call failover once per wave" in err.value.hint


@pytest.mark.parametrize("wave", [-1, "2", 1.5, True, None])
def test_check_waves_refuses_what_is_not_a_wave_number(wave):
    with pytest.raises(InputError) as err:
        check_waves(refs([{"name": "x", "wave": wave}]), "test", VsphereProvider)
    assert err.value.vm == "x" and err.value.step == "validate vms"
