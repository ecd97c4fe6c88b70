"""One refusal for all input problems; the one wait helper with a deadline; readiness needs promised addresses."""
import pytest

from ansible_collections.vmdr.replication.plugins.module_utils.engine import readiness, waits
from ansible_collections.vmdr.replication.plugins.module_utils.engine.refusal import Problems
from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError, NotFoundError, WaitTimeout


def not_found():
    raise NotFoundError("no replica")


def test_refusal_lists_every_problem_with_vm_site_and_step():
    problems = Problems()
    problems.add(InputError("bad point", vm="web-01", site="site-b", step="choose recovery point"))
    problems.check(not_found, vm="db-01", site="site-b",
                   step="find replicas")
    with pytest.raises(InputError) as err:
        problems.refuse()
    text = str(err.value)
    assert "2 problems, nothing was changed" in text
    assert "VM 'web-01', site 'site-b', step 'choose recovery point': bad point" in text
    assert "VM 'db-01', site 'site-b', step 'find replicas': no replica" in text
    assert [p["vm"] for p in err.value.problems] == ["web-01", "db-01"]
    assert err.value.as_dict()["problems"][1]["step"] == "find replicas"


def test_no_problem_no_refusal_and_one_problem_raised_as_is():
    Problems().refuse()
    problems = Problems()
    problems.add("plain text", vm="a", step="s")
    with pytest.raises(InputError) as err:
        problems.refuse()
    assert str(err.value) == "VM 'a', step 's': plain text"


class Clock(object):
    def __init__(self):
        self.now = 0.0

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def test_wait_accepts_refuses_and_times_out_per_vm():
    clock = Clock()
    states = {"a": [{"n": 0}, {"n": 1}], "b": [{"n": -1}], "c": [{"n": 0}]}

    def poll(pending):
        return dict((label, states[label].pop(0) if len(states[label]) > 1 else states[label][0])
                    for label in pending)

    def acceptor(state):
        if state["n"] == 1:
            return waits.SUCCESS, None
        if state["n"] < 0:
            return waits.FAILURE, "it broke"
        return waits.RETRY, None

    waiter = waits.Waiter("counted", acceptor, delay=1.0)
    out = waits.wait(waiter, ["a", "b", "c"], poll, timeout=5, site="s", clock=clock.time, sleep=clock.sleep)
    assert out["a"][1] is None and out["a"][2] == 1.0
    assert "it broke" in str(out["b"][1]) and out["b"][1].vm == "b"
    assert isinstance(out["c"][1], WaitTimeout) and "within 5s" in str(out["c"][1])
    assert clock.now <= 5


def test_wait_refuses_a_missing_or_negative_deadline():
    with pytest.raises(ValueError):
        waits.wait(readiness.GUEST_READY, ["a"], lambda p: {}, timeout=-1)


def test_ready_only_with_the_promised_addresses():
    clock = Clock()
    state = {"power": "on", "agent": True, "addresses": ["10.110.0.5"], "expected": ["10.210.0.5"]}
    out = waits.wait(readiness.GUEST_READY, ["web"], lambda p: {"web": state}, timeout=3, clock=clock.time,
                     sleep=clock.sleep)
    error = out["web"][1]
    assert isinstance(error, WaitTimeout)
    assert "expected addresses 10.210.0.5, seen 10.110.0.5" in str(error)
    assert readiness.missing_addresses(state) == ["10.210.0.5"]
    state["addresses"] = ["10.210.0.5", "fe80::1"]
    assert waits.wait(readiness.GUEST_READY, ["web"], lambda p: {"web": state}, timeout=3, clock=clock.time,
                      sleep=clock.sleep)["web"][1] is None


def test_not_ready_while_off_or_agent_silent():
    for state in ({"power": "off", "agent": True}, {"power": "on", "agent": False}):
        assert readiness.GUEST_READY.acceptor(state)[0] == waits.RETRY
