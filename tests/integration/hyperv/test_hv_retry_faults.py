"""The retry policy (plugins/module_utils/clients/retry.py) on Hyper-V, through the real modules, with the lab's
connection-drop fault (``POST /lab/fault {"host", "drop_next", "drop_mode"}``: the WinRM connection of that
Command message is closed; ``after`` runs the command first, so only its answer is lost).

- a read-only step (its body is marked ``read_only`` in providers/hyperv/scripts.py) is sent again after a drop,
  and replica_info succeeds;
- a changing step whose answer was lost is not sent again: the module fails with "outcome unknown", the host
  did run it once, and rerunning the task continues from there.
"""
import pytest

from ansible_collections.vmdr.replication.plugins.module_utils.clients import retry
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import scripts
from tests.integration.hyperv.hv_session import A, B

VM = "hv-web-01"
ENABLE = {"vms": [VM], "policy": {"rpo": 5, "recovery_points": 4},
          "network_map": {"live": {"prod-web": "dr-web", "prod-db": "dr-db"}, "test": "dr-test"}}


@pytest.fixture
def site(fresh):
    """The seeded site; no fault outlives the test."""
    yield fresh
    fresh.lab("/fault/clear")


def host_stats(hv, host):
    stats = hv.stats()["hosts"][host]
    return {"commands": stats["commands"], "dropped": stats["dropped"], "steps": dict(stats.get("steps") or {})}


def drop(hv, host, nth, mode):
    """Drops the connection of the ``nth`` next Command message at ``host``."""
    hv.lab("/fault", body={"host": host, "drop_next": nth, "drop_mode": mode})


@pytest.mark.parametrize("mode", ["before", "after"])
def test_a_read_only_step_is_sent_again_after_a_dropped_connection(site, mode):
    hv = site
    assert scripts.READ.read_only is True  # replica_info reads with this step
    assert not hv.module("replica_enable", ENABLE)["failed"]
    hv.advance(120)
    hv.lab("/stats/reset")

    drop(hv, A, 1, mode)  # replica_info's one command at the source host
    result = hv.module("replica_info", {"vms": [VM]})

    assert not result.get("failed"), result
    [row] = result["replications"]
    assert row["name"] == VM and row["health"] == "ok" and row["state"] == "enabled", row
    assert row["source"]["replication_state"] == "Replicating", row
    source, target = host_stats(hv, A), host_stats(hv, B)
    # the read was sent twice at the source: once dropped, once answered; the target's once
    assert source["dropped"] == 1 and source["steps"] == {"read replication": 2}, source
    assert target["dropped"] == 0 and target["steps"] == {"read replication": 1}, target


def test_a_changing_step_dropped_after_it_ran_fails_as_outcome_unknown_and_is_not_resent(site):
    hv = site
    assert scripts.ENABLE.read_only is False
    hv.lab("/stats/reset")
    # at the source, replica_enable reads the VMs (command 1), then enables replication (command 2): that
    # command runs, and its answer is lost
    drop(hv, A, 2, "after")
    result = hv.module("replica_enable", ENABLE)

    assert result.get("failed") is True, result
    [vm] = result["vms"]
    error = vm["error"]
    assert vm["failed"] is True and error["site"] == A and error["step"] == "enable replication", result
    assert "the command was sent and may have run (outcome unknown)" in error["message"], error
    assert "attempts" not in error["message"], error  # made once: no retry note
    assert error["hint"] == retry.UNKNOWN_OUTCOME_HINT, error
    source = host_stats(hv, A)
    assert source["dropped"] == 1, source
    assert source["steps"] == {"read VMs": 1, "enable replication": 1}, source  # not sent again
    # it did run: the source is a primary now, although the module could not know
    assert hv.replication(A, VM)["mode"] == "Primary"

    # what the error says to do: rerun the task; it continues from the recorded state
    hv.lab("/stats/reset")
    again = hv.module("replica_enable", ENABLE)
    assert not again.get("failed"), again
    assert hv.replication(A, VM)["mode"] == "Primary"
    assert hv.replication(B, VM)["mode"] == "Replica"
    assert host_stats(hv, A)["dropped"] == 0
