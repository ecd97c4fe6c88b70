"""The retry policy (plugins/module_utils/clients/retry.py) through the real modules, with a TLS proxy in front of
each vCenter of a private lab that answers HTTP 503 or drops the connection where a test says.

- reads are retried: two 503s on the login and a dropped PropertyCollector read, and replica_info still succeeds;
  every faulted request was sent again, the same call, and then answered;
- the attempts are bounded: a vCenter that answers 503 to everything fails the module after 5 attempts of the
  one call, well within the policy's deadline, with an error naming the site and the step, also when the 503s
  start once logged in (while the site is opened, or at the inventory read);
- changing calls are not retried: a 503 on the datastore PUT of a sync fails the VM at "write replica disk" after
  that one PUT, and no recovery point is recorded for it.
"""
import time

import pytest

from ansible_collections.vmdr.replication.plugins.module_utils.clients import retry
from tests.integration import fault_proxy, vcenter
from tests.integration.fault_proxy import RESET
from tests.integration.lab_session import Lab, run_module

VM = "app-web-01"
PLACEMENT = {"cluster": "DC0_C0", "datastore": "LocalDS_0", "folder": "vmdr-replicas"}
LIVE = {"live": {"prod-web": "dr-web", "prod-db": "dr-db"}}
VERSIONS = "/sdk/vimServiceVersions.xml"  # pyVim's first request of a login


class FaultLab(object):
    """A private lab with a fault proxy in front of each site; ``env()`` points the modules at the proxies."""

    def __init__(self, lab):
        self.lab = lab
        self.proxies = {}
        for name in ("site-a", "site-b"):
            # the proxy's certificate (lab CA) names localhost and 127.0.0.1: the module connects to the site's
            # hostname and verifies it with the lab CA, as it does without the proxy
            assert lab.site(name)["hostname"] in ("localhost", "127.0.0.1"), lab.site(name)
            self.proxies[name] = fault_proxy.FaultProxy(lab.run_dir, lab.state["sites"][name]["port"],
                                                        lab.state["ca_file"], name="proxy-" + name, lifetime=600)

    def env(self):
        env = self.lab.env()
        env["VMDR_SOURCE_PORT"] = str(self.proxies["site-a"].port)
        env["VMDR_TARGET_PORT"] = str(self.proxies["site-b"].port)
        return env

    def module(self, name, args, faults=None):
        """Runs the module through the proxies; ``faults`` maps a site to its proxy's ``decide``."""
        for site, proxy in self.proxies.items():
            proxy.reset((faults or {}).get(site))
        started = time.monotonic()
        result = run_module(name, args, self.env())
        result["_seconds"] = time.monotonic() - started
        return result

    def stop(self):
        for proxy in self.proxies.values():
            proxy.stop()


@pytest.fixture(scope="module")
def faults(tmp_path_factory):
    lab = Lab.start(str(tmp_path_factory.mktemp("retry-faults-lab")))
    fault_lab = None
    try:
        fault_lab = FaultLab(lab)
        enabled = lab.module("replica_enable", {"vms": [VM], "policy": {"rpo": 15, "recovery_points": 3},
                                                "placement": PLACEMENT, "network_map": LIVE})
        assert enabled["changed"] and not enabled.get("failed"), enabled
        yield fault_lab
    finally:
        if fault_lab is not None:
            fault_lab.stop()
        lab.stop()


def generations(lab):
    """The recovery points recorded on the replica, read directly from site-b (not through a proxy)."""
    from pyVim.connect import Disconnect
    si = lab.connect("site-b")
    try:
        return [g["id"] for g in vcenter.record(vcenter.one(si, VM))["generations"]]
    finally:
        Disconnect(si)


def assert_each_fault_was_sent_again(log):
    """Every faulted request is followed by the same call (same method, path, SOAP operation and body), which
    in the end was relayed and answered; no call was sent more often than its faults plus one."""
    for request in [r for r in log if r.fault is not None]:
        again = [r for r in log if r.call == request.call and r.seq > request.seq]
        assert again, "%r was not sent again: %r" % (request, log)
        assert again[-1].fault is None and again[-1].status == 200, (request, again)
        sent = [r for r in log if r.call == request.call]
        assert len(sent) == len([r for r in sent if r.fault is not None]) + 1, (request, sent)


def test_reads_are_retried_through_503s_and_a_dropped_connection(faults):
    # a starting vCenter (503 to the first two requests: the login is made again), then a PropertyCollector
    # read whose connection is dropped after the request arrived (the read is made again)
    decide = fault_proxy.chain(fault_proxy.first(2, 503),
                               fault_proxy.first(1, RESET, method="POST", operation="RetrievePropertiesEx"))
    result = faults.module("replica_info", {"vms": [VM]}, {"site-a": decide})

    assert not result.get("failed"), result
    [row] = result["replications"]
    assert row["name"] == VM and row["health"] == "ok", row
    assert [p["id"] for p in row["recovery_points"]] == list(reversed(generations(faults.lab)))

    log = faults.proxies["site-a"].requests()
    injected = [(r.method, r.path, r.operation, r.fault) for r in log if r.fault is not None]
    assert injected == [("GET", VERSIONS, None, 503), ("GET", VERSIONS, None, 503),
                        ("POST", "/sdk", "RetrievePropertiesEx", RESET)], log
    assert_each_fault_was_sent_again(log)
    # the retried requests: the version document three times (two 503s, then answered), the dropped read twice
    assert [r.fault for r in log if r.path == VERSIONS] == [503, 503, None]
    dropped = [r for r in log if r.fault == RESET][0]
    assert [r.fault for r in log if r.call == dropped.call] == [RESET, None]
    assert len([r for r in log if r.operation == "Login"]) == 1  # the 503s came before it: one session
    assert not faults.proxies["site-b"].faulted()


def after(operation, fault):
    """``fault`` for every request after vCenter answered the first ``operation``."""
    seen = []

    def decide(request):
        if seen:
            return fault
        if request.operation == operation:
            seen.append(request.seq)
        return None
    return decide


CLOSING = ("RetrieveServiceContent", "Logout")  # the module's Disconnect() when it ends


@pytest.mark.parametrize("decide, step, first_faulted", [
    # a vCenter that answers nothing but 503: the login is made 5 times
    (fault_proxy.every(503), "connect", VERSIONS),
    # the same once logged in, while the site is opened (its instance UUID and datacenter)
    (after("Login", 503), "connect", "/sdk"),
    # a session that stops answering once the site is open (after the datacenter lookup): the inventory read
    (after("DestroyView", 503), "read from vCenter", "/sdk"),
], ids=["login", "reads-while-connecting", "reads"])
def test_a_vcenter_answering_503_to_everything_fails_after_5_attempts_within_the_deadline(
        faults, decide, step, first_faulted):
    result = faults.module("replica_info", {"vms": [VM]}, {"site-a": decide})
    assert result.get("failed") is True, result

    requests = faults.proxies["site-a"].requests()
    faulted = [r for r in requests if r.fault is not None][:retry.ATTEMPTS]
    # one call, made 5 times (the first attempt and 4 retries); afterwards at most the session is closed
    assert len(faulted) == retry.ATTEMPTS and len(set(r.call for r in faulted)) == 1, requests
    assert faulted[0].path == first_faulted, faulted
    assert all(r.operation in CLOSING for r in requests[faulted[-1].seq:]), requests
    # the backoff between the attempts is at most 1 + 2 + 4 + 8 s: far inside the deadline
    span = faulted[-1].at - faulted[0].at
    assert span <= 15 + 5 and span < retry.DEADLINE, span
    assert result["_seconds"] < retry.DEADLINE + 30, result["_seconds"]

    # the error names the site and the step, and says how often the call was made
    error = result.get("error") or {}
    assert error.get("site") == "site-a" and error.get("step"), result
    assert step is None or error["step"] == step, error
    assert error["message"].endswith("(after %d attempts)" % retry.ATTEMPTS), error
    assert "site 'site-a'" in result["msg"] and "step '%s'" % error["step"] in result["msg"], result["msg"]
    if first_faulted != VERSIONS:  # a read's error says what vCenter answered; a login's says "is down or ..."
        assert "503" in error["message"], error


def test_a_datastore_put_answered_503_is_sent_once_and_records_no_recovery_point(faults):
    before = generations(faults.lab)
    # the flat extent: the PUT that carries the disk's bytes
    decide = fault_proxy.first(1, 503, method="PUT", path_prefix="/folder/", path_contains="-flat.vmdk")
    result = faults.module("replica_sync", {"vms": [VM], "force": True}, {"site-b": decide})

    assert result.get("failed") is True, result
    [vm] = result["vms"]
    assert vm["failed"] is True and vm.get("recovery_point") is None, vm
    # the result does not claim a new point (it said changed and "(new)", rpo_compliant true before)
    assert vm["changed"] is False and (vm.get("state") or {}).get("latest_recovery_point") != "(new)", vm
    error = vm["error"]
    assert error["step"] == "write replica disk" and error["site"] == "site-b", error
    assert error["message"].endswith("-flat.vmdk answered HTTP 503"), error  # no "(after N attempts)"

    puts = [r for r in faults.proxies["site-b"].requests() if r.method == "PUT"]
    flat = [r for r in puts if r.fault is not None]
    assert len(flat) == 1 and flat[0].fault == 503 and flat[0].size > 0, puts
    # that PUT was sent once, never again; the descriptor is written only after its extents, so none was sent
    assert [r for r in puts if r.path == flat[0].path] == flat, puts
    assert len(puts) == 1, puts
    # nothing recorded for the failed sync: the replica keeps exactly the recovery points it had
    assert generations(faults.lab) == before
    reads = faults.module("replica_info", {"vms": [VM]})
    assert [p["id"] for p in reads["replications"][0]["recovery_points"]] == list(reversed(before)), reads
    # and the sync snapshot was removed from the source again
    from pyVim.connect import Disconnect
    si = faults.lab.connect("site-a")
    try:
        source = vcenter.one(si, VM, paths=("name", "snapshot", "config.extraConfig"))
        assert source.get("snapshot") is None or not source["snapshot"].rootSnapshotList
    finally:
        Disconnect(si)
