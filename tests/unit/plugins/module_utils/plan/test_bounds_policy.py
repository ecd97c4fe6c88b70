"""Out-of-range numbers are refused before any change, naming the option (issue 10 defect 6)."""
import pytest

from ansible_collections.vmdr.replication.plugins.module_utils.common import bounds
from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.plan.policy import ReplicationPolicy


@pytest.mark.parametrize("params, option", [
    ({"timeout": -1}, "timeout"), ({"timeout": 0}, "timeout"), ({"max_concurrent_tasks": 0}, "max_concurrent_tasks"),
    ({"ready_timeout": -5}, "ready_timeout"), ({"policy": {"rpo": float("nan")}}, "policy.rpo"),
    ({"policy": {"rpo": float("inf")}}, "policy.rpo"), ({"policy": {"recovery_points": 99}}, "policy.recovery_points"),
    ({"source": {"port": 70000}}, "source.port"),
])
def test_out_of_range_options_are_named(params, option):
    found = bounds.problems(params)
    assert len(found) == 1 and found[0].step == "validate options" and found[0].message.startswith(option + "=")


def test_in_range_options_pass():
    params = {"timeout": 1800, "max_concurrent_tasks": 16, "policy": {"rpo": 15, "recovery_points": 3}}
    assert bounds.problems(params) == []


@pytest.mark.parametrize("rpo", ["nan", "inf", float("nan"), float("-inf")])
def test_policy_refuses_non_finite_rpo_with_vm_and_step(rpo):
    with pytest.raises(InputError) as err:
        ReplicationPolicy.from_params({"rpo": rpo}, "vsphere", vm="web-01")
    assert err.value.vm == "web-01" and err.value.step == "validate policy" and "finite" in str(err.value)
