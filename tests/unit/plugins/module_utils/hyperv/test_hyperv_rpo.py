"""RPO compliance on Hyper-V is the rule of every provider (plan/rpo.py): the newest recovery point is no older than
the RPO (the replication frequency), on the host's clock. It used to be "age <= 2 x frequency"."""
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import info, sync

NOW = "2026-11-21T10:10:00.0000000Z"


def repl(mode, last, state="Replicating", frequency=300):
    return {"mode": mode, "state": state, "health": "Normal", "frequency_sec": frequency, "recovery_history": 4,
            "vss_hours": 0, "last_replication": last}


def pair(last, state="Replicating", frequency=300):
    def item(mode):
        return {"i": 0, "ok": True, "data": {"vm": {"name": "hv-web-01", "power_state": "Running"},
                                             "replication": repl(mode, last, state, frequency)}}
    return {"now": NOW, "source": item("Primary"), "target": item("Replica")}


def test_an_age_between_one_and_two_frequencies_is_outside_the_rpo():
    entry = info.entry("hv-web-01", pair("2026-11-21T10:02:30.0000000Z"))  # 450 s old, every 300 s
    assert (entry["age_seconds"], entry["rpo_seconds"], entry["rpo_compliant"]) == (450, 300, False)
    assert entry["replication_frequency_seconds"] == 300
    assert entry["health"] == "critical" and entry["state"] == "enabled"


def test_within_the_frequency_is_compliant_and_healthy():
    entry = info.entry("hv-web-01", pair("2026-11-21T10:07:30.0000000Z"))
    assert (entry["age_seconds"], entry["rpo_compliant"], entry["health"]) == (150, True, "ok")
    assert entry["policy"] == {"rpo": 5, "recovery_points": 4, "quiesce": False}


def test_paused_is_never_compliant_and_no_point_has_no_age():
    paused = info.entry("hv-web-01", pair("2026-11-21T10:09:30Z", state="Suspended"))
    assert (paused["rpo_compliant"], paused["state"], paused["health"]) == (False, "paused", "warning")
    never = info.entry("hv-web-01", pair(None, state="ReadyForInitialReplication"))
    assert never["age_seconds"] is None and never["rpo_compliant"] is False


def test_replica_sync_reports_the_same_rule_and_the_frequency():
    state = sync.sync_state(repl("Primary", "2026-11-21T10:09:40Z", frequency=30), NOW)
    assert state["age_seconds"] == 20 and state["rpo_compliant"] is True
    late = sync.sync_state(repl("Primary", "2026-11-21T10:09:00+00:00", frequency=30), NOW)
    assert (late["age_seconds"], late["rpo_seconds"], late["rpo_compliant"]) == (60, 30, False)
    assert late["replication_frequency_seconds"] == 30
    assert late["latest_recovery_point"] == {"id": "latest", "time": "2026-11-21T10:09:00Z"}
