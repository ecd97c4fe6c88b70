"""The step chain: outcomes per VM, nothing raises after the first change, compensation in reverse order."""
from ansible_collections.vmdr.replication.plugins.module_utils.common.results import Batch
from ansible_collections.vmdr.replication.plugins.module_utils.engine.chain import Chain, Outcome, Step
from ansible_collections.vmdr.replication.plugins.module_utils.errors import VmdrError


class Site(object):
    """Records what each step did, to check the order and the compensations."""

    def __init__(self, fail=None, raise_in=None):
        self.log = []
        self.fail = fail or {}
        self.raise_in = raise_in

    def op(self, name):
        def run(labels):
            self.log.append((name, tuple(labels)))
            if self.raise_in == name:
                raise RuntimeError("boom in %s" % name)
            return dict((label, Outcome(changed=True, error=VmdrError("no") if self.fail.get(label) == name
                                        else None)) for label in labels)
        return run


def steps(site, no_return_at=None):
    out = []
    for name in ("stop", "sync", "fence", "promote", "start"):
        out.append(Step(name, "site-x", site.op(name), compensate=site.op("undo " + name),
                        point_of_no_return=(name == no_return_at)))
    return out


def test_all_steps_run_in_order_for_every_vm():
    site = Site()
    batch = Chain(Batch(["a", "b"]), steps(site)).run(["a", "b"])
    assert [n for n, dummy in site.log] == ["stop", "sync", "fence", "promote", "start"]
    assert not batch.failures() and batch.changed


def test_failure_compensates_completed_steps_newest_first_for_that_vm_only():
    site = Site(fail={"b": "promote"})
    batch = Chain(Batch(["a", "b"]), steps(site)).run(["a", "b"])
    undo = [(n, labels) for n, labels in site.log if n.startswith("undo")]
    assert undo == [("undo fence", ("b",)), ("undo sync", ("b",)), ("undo stop", ("b",))]
    assert ("start", ("a",)) in site.log and ("start", ("b",)) not in site.log
    assert batch["b"].failed and batch["b"].error.step == "promote" and batch["b"].error.site == "site-x"
    ran = batch["b"].details["compensation"]["ran"]
    assert [r["step"] for r in ran] == ["undo fence", "undo sync", "undo stop"] and all(r["ok"] for r in ran)
    assert not batch["a"].failed and "compensation" not in batch["a"].details


def test_an_exception_in_a_step_fails_its_vms_and_compensates_instead_of_escaping():
    site = Site(raise_in="fence")
    batch = Chain(Batch(["a", "b"]), steps(site)).run(["a", "b"])
    assert [f.name for f in batch.failures()] == ["a", "b"]
    assert "boom in fence" in str(batch["a"].error) and batch["a"].error.step == "fence"
    assert ("undo stop", ("a", "b")) in site.log and ("undo fence", ("a", "b")) not in site.log


def test_no_compensation_past_the_point_of_no_return():
    site = Site(fail={"a": "start"})
    batch = Chain(Batch(["a"]), steps(site, no_return_at="promote")).run(["a"])
    assert not [n for n, dummy in site.log if n.startswith("undo")]
    assert batch["a"].details["compensation"] == {"ran": [], "reason": "past the point of no return"}


def test_a_vm_without_answer_fails_with_a_located_error():
    batch = Chain(Batch(["a", "b"]), [Step("read", "s1", lambda labels: {"a": Outcome()})]).run(["a", "b"])
    assert not batch["a"].failed
    assert batch["b"].failed and batch["b"].error.vm == "b" and batch["b"].error.step == "read"


def test_done_vms_leave_the_chain_unchanged():
    seen = []

    def first(labels):
        return dict((label, Outcome(done=(label == "a"))) for label in labels)

    def second(labels):
        seen.extend(labels)
        return dict((label, Outcome(changed=True)) for label in labels)

    batch = Chain(Batch(["a", "b"]), [Step("one", "s", first), Step("two", "s", second)]).run(["a", "b"])
    assert seen == ["b"] and not batch["a"].changed and batch["b"].changed


def test_a_failed_compensation_is_reported_not_raised():
    def undo(labels):
        raise RuntimeError("cannot start it")

    def bad(labels):
        return dict((label, Outcome(error=VmdrError("promote failed"))) for label in labels)

    chain = [Step("stop", "src", lambda labels: dict((k, Outcome(changed=True)) for k in labels), compensate=undo,
                  compensation_name="start source again"),
             Step("promote", "tgt", bad)]
    batch = Chain(Batch(["a"]), chain).run(["a"])
    ran = batch["a"].details["compensation"]["ran"]
    assert ran[0]["step"] == "start source again" and not ran[0]["ok"] and "cannot start it" in ran[0]["error"]
