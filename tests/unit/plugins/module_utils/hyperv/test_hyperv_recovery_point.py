"""Recovery points of Hyper-V failovers: the grammar and the choice of every provider (plan/recovery_point.py) over
the points READ returns, and the recovery point and achieved RPO reported with the vSphere provider's meaning."""
import pytest

from ansible_collections.vmdr.replication.plugins.module_utils.common.results import VmResult
from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError, NotFoundError
from ansible_collections.vmdr.replication.plugins.module_utils.plan.recovery_point import PointSpec
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import promote

REPLICA = {"replication": {"mode": "Replica", "state": "Replicating",
                           "last_replication": "2026-11-21T10:12:30.0000000Z"},
           "recovery_points": [
               {"id": "p-09", "name": "db - Standard Replica - (11/21/2026 - 9:00:00 AM)",
                "time": "2026-11-21T09:00:00.0000000Z"},
               {"id": "p-10", "name": "db - Standard Replica - (11/21/2026 - 10:00:00 AM)",
                "time": "2026-11-21T10:00:00.0000000Z"},
               {"id": "p-08", "name": "db - Standard Replica - (11/21/2026 - 8:00:00 AM)",
                "time": "2026-11-21T08:00:00.0000000Z"}]}


def details(point, mode):
    item = VmResult("vm")
    promote.point_details(item, point, mode)
    return item.details


def choose(text):
    point, named = promote.choose_point("db", REPLICA, PointSpec.parse(text, "db"), "hv-b1")
    return point["id"], named


def test_a_snapshot_point_gives_its_utc_time_and_the_seconds_until_the_failover_used_it():
    point = {"id": "5f0c", "name": "vm - Standard Replica - (11/21/2026 - 9:00:00 AM)",
             "time": "2026-11-21T09:00:00.0000000Z", "at": "2026-11-21T10:15:30.5000000Z"}
    assert details(point, "unplanned") == {"recovery_point": {"id": "5f0c", "time": "2026-11-21T09:00:00Z"},
                                           "achieved_rpo_seconds": 4530}
    assert details(point, "test")["achieved_rpo_seconds"] == 4530


def test_host_offsets_are_converted_to_utc():
    point = {"id": "latest-20261121T091500Z", "time": "2026-11-21T10:15:00+01:00", "at": "2026-11-21T09:16:40Z"}
    assert details(point, "unplanned") == {"recovery_point": {"id": "latest-20261121T091500Z",
                                                              "time": "2026-11-21T09:15:00Z"},
                                           "achieved_rpo_seconds": 100}


def test_planned_failover_loses_nothing():
    # the latest point of a planned failover is the final sync of Start-VMFailover -Prepare
    point = {"id": "latest-20261121T091500Z", "time": "2026-11-21T09:15:00Z", "at": "2026-11-21T09:15:02Z",
             "latest": True}
    assert details(point, "planned")["achieved_rpo_seconds"] == 0


def test_planned_failover_to_an_older_point_achieves_its_age():
    # Start-VMFailover -VMRecoverySnapshot on the replica discards the final sync: the RPO is the snapshot's age
    point = {"id": "p-09", "name": "db - Standard Replica - (11/21/2026 - 9:00:00 AM)",
             "time": "2026-11-21T09:00:00.0000000Z", "at": "2026-11-21T10:15:30Z"}
    assert details(point, "planned") == {"recovery_point": {"id": "p-09", "time": "2026-11-21T09:00:00Z"},
                                         "achieved_rpo_seconds": 4530}


def test_no_point_no_keys_and_a_clock_skew_never_gives_a_negative_rpo():
    assert details(None, "unplanned") == {}
    skewed = {"id": "x", "time": "2026-11-21T09:15:05Z", "at": "2026-11-21T09:15:00Z"}
    assert details(skewed, "test")["achieved_rpo_seconds"] == 0


def test_latest_is_the_last_replication_and_the_step_is_told_latest():
    assert choose("latest") == ("latest-20261121T101230Z", {"kind": "latest"})
    assert choose(None)[1] == {"kind": "latest"}


def test_latest_is_the_newest_applied_log_when_a_suspended_replica_received_newer_ones():
    # a suspended replica receives logs without applying them: LastReplicationTime 10:12:30, LastAppliedLogTime
    # 10:05:00. Start-VMFailover recovers the applied one, and names the point by it (ConvertTo-VmdrPoint)
    suspended = dict(REPLICA, replication=dict(REPLICA["replication"], state="Suspended",
                                               last_applied="2026-11-21T10:05:00.0000000Z"))
    point, named = promote.choose_point("db", suspended, PointSpec.parse("2026-11-21T10:06:00Z", "db"), "hv-b1")
    assert (point["id"], point["time"], named) == ("latest-20261121T100500Z", "2026-11-21T10:05:00.0000000Z",
                                                   {"kind": "latest"})
    point, dummy = promote.choose_point("db", suspended, PointSpec.parse("latest"), "hv-b1")
    assert point["id"] == "latest-20261121T100500Z"


@pytest.mark.parametrize("text, expected", [
    ("2026-11-21T10:20:00+01:00", "p-09"),    # 09:20 UTC: the newest point at or before it
    ("2026-11-21T10:05", "p-10"),             # minute precision, UTC
    ("2026-11-21 10:05:00.1234567Z", "p-10"),  # .NET round-trip precision, space separator
    ("2026-11-21T11:13:00+0100", "latest-20261121T101230Z"),
    ("p-08", "p-08"),
    ("db - Standard Replica - (11/21/2026 - 8:00:00 AM)", "p-08"),  # a snapshot is also named by its name
])
def test_times_ids_and_names_name_one_point_and_the_step_gets_its_id(text, expected):
    point_id, named = choose(text)
    assert point_id == expected
    assert named == ({"kind": "latest"} if expected.startswith("latest-") else {"kind": "id", "value": expected})


@pytest.mark.parametrize("text", ["2026-02-30T10:00:00Z", "2026-11-21T10:20:00+25:00", "2026-11-21", "2026-11-21T1"])
def test_text_that_looks_like_a_time_but_is_not_one_is_refused_as_input(text):
    with pytest.raises(InputError) as caught:
        PointSpec.parse(text, "db")
    assert "recovery_point" in str(caught.value) and caught.value.vm == "db"


def test_a_point_that_does_not_exist_names_the_points_there_are():
    with pytest.raises(NotFoundError) as caught:
        choose("2026-11-21T07:59:59Z")
    assert "p-08 (2026-11-21T08:00:00Z)" in caught.value.hint
    with pytest.raises(NotFoundError):
        promote.choose_point("db", {"replication": {"mode": "Replica", "last_replication": None}},
                             PointSpec.parse("latest"), "hv-b1")
