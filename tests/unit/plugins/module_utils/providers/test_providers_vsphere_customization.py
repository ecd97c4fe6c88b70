# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""When the re-IP reaches the guest on vSphere: one guest customization, staged by the failover right before the
power-on; a customization already pending that is not this plan cannot be replaced and refuses the call first."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from pyVmomi import vim

from ansible_collections.vmdr.replication.plugins.module_utils.engine.refusal import Problems
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import guest, recovery

PLAN = [{"index": 0, "action": "translate", "target_ip": "10.210.0.14", "target_prefix": 16, "gateway": "10.210.0.1",
         "dns": [], "dns_suffix": None}]
OTHER = [dict(PLAN[0], target_ip="10.210.0.200")]


class Rec(object):
    def __init__(self, record, pending=None, nics=1):
        self.record = record
        self.props = {recovery.PENDING_PATH: pending,
                      "config.hardware.device": [vim.vm.device.VirtualVmxnet3(key=4000 + i) for i in range(nics)]}


def decide(rec, plan):
    problems = Problems()
    effective, customize = recovery.customization_decision("vm-1", rec, plan, problems, "site-b")
    return effective, customize, problems.items


def staged(plan):
    return {"hash": guest.plan_hash(plan), "nics": plan}


def test_a_plan_is_customized_at_failover_when_nothing_is_pending():
    assert decide(Rec({}), PLAN) == (PLAN, True, [])


def test_without_a_plan_of_the_call_the_staged_one_is_used_and_none_means_no_customization():
    assert decide(Rec({"reip": staged(OTHER)}), None) == (OTHER, True, [])
    assert decide(Rec({}), None) == (None, False, [])


def test_a_pending_customization_of_the_same_plan_is_kept_not_staged_twice():
    for record in ({"customization": staged(PLAN)}, {"reip": staged(PLAN)}):  # ours, or an earlier version's
        assert decide(Rec(record, pending="uuid-1"), PLAN) == (PLAN, False, [])
        assert decide(Rec(record, pending="uuid-1"), None) == (PLAN, False, [])


def test_a_pending_customization_that_differs_is_a_problem_of_the_vm_before_anything_changes():
    for record in ({"customization": staged(OTHER), "reip": staged(PLAN)}, {}):
        _plan, customize, problems = decide(Rec(record, pending="uuid-1"), PLAN)
        assert not customize and len(problems) == 1
        problem = problems[0]
        assert (problem.vm, problem.site, problem.step) == ("vm-1", "site-b", "check staged guest customization")
        assert "cannot replace" in problem.message and problem.hint.startswith("Nothing was changed")
    _plan, _customize, [problem] = decide(Rec({}, pending="uuid-1"), None)
    assert "did not ask for" in problem.message


def test_a_plan_that_does_not_fit_the_replica_is_refused_first():
    _plan, _customize, [problem] = decide(Rec({}, nics=2), PLAN)
    assert "1 NIC but the replica has 2" in problem.message
    no_prefix = [dict(PLAN[0], target_prefix=None)]
    _plan, _customize, [problem] = decide(Rec({}), no_prefix)
    assert problem.step == "build guest customization" and "prefix length" in problem.message
