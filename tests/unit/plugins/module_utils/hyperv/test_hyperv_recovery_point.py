"""Per-VM recovery point and achieved RPO of Hyper-V failovers: the keys and meaning the vSphere provider uses."""
from ansible_collections.vmdr.replication.plugins.module_utils.common.results import VmResult
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import provider as hp


def details(point, mode):
    item = VmResult("vm")
    hp.point_details(item, point, mode)
    return item.details


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
    point = {"id": "latest-20261121T091500Z", "time": "2026-11-21T09:15:00Z", "at": "2026-11-21T09:15:02Z"}
    assert details(point, "planned")["achieved_rpo_seconds"] == 0


def test_no_point_no_keys_and_a_clock_skew_never_gives_a_negative_rpo():
    assert details(None, "unplanned") == {}
    skewed = {"id": "x", "time": "2026-11-21T09:15:05Z", "at": "2026-11-21T09:15:00Z"}
    assert details(skewed, "test")["achieved_rpo_seconds"] == 0


def test_recovery_point_spec_accepts_latest_times_and_ids():
    assert hp.recovery_point_spec(None) == {"kind": "latest", "value": None}
    assert hp.recovery_point_spec("2026-11-21T09:45") == {"kind": "time", "value": "2026-11-21T09:45:00Z"}
    assert hp.recovery_point_spec("2026-11-21T10:45:00+01:00") == {"kind": "time", "value": "2026-11-21T09:45:00Z"}
    assert hp.recovery_point_spec("5f0c") == {"kind": "id", "value": "5f0c"}
