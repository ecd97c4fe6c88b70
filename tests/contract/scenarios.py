"""The contract: one table of scenarios, each a list of calls through the real modules, with the outcome every
provider must give. ``args(site, names)`` builds a call's arguments from the profile's own VMs and subnets."""


class Call(object):
    """One module call and what must come of it.

    expect: "ok" (no failure), "refused" (the whole call fails before any change: every VM's truth is as before and
    the error names a VM and a step), "vm_failed" (the call fails for the VMs in ``failed_vms``, by index).
    changed: True/False/None (not checked). keys: per-VM result keys every provider returns. truth: {vm index:
    {key: value}} read from the sites after the call. msg: substrings of the failure message. check: a function
    (site, names, result) for rules no table column can say."""

    def __init__(self, module, args, expect="ok", changed=None, check_mode=False, diff=False, back=False, keys=(),
                 truth=None, msg=(), failed_vms=(), check=None, before=None):
        self.module, self.args, self.expect, self.changed = module, args, expect, changed
        self.check_mode, self.diff, self.back, self.keys = check_mode, diff, back, keys
        self.truth, self.msg, self.failed_vms, self.check, self.before = truth or {}, msg, failed_vms, check, before


class Scenario(object):
    def __init__(self, name, calls, vms=1):
        self.name, self.calls, self.vms = name, calls, vms


def vms(names):
    return list(names)


def test_args(site, names, **extra):
    out = {"mode": "test", "vms": vms(names), "network_map": {"test": site.test_network},
           "reip": {"rules": site.test_rules()}, "ready_timeout": 120}
    out.update(extra)
    return out


def planned_args(site, names):
    return {"mode": "planned", "vms": vms(names), "network_map": {"live": site.live}, "reip": {"rules": site.rules},
            "ready_timeout": 120, "shutdown_timeout": 60}


def override(site, names, **nic):
    return {"vms": vms(names), "rules": site.rules, "overrides": {names[0]: [dict({"nic": 0}, **nic)]}}


def target_host(site, offset):
    """An address of the profile's target subnet, ``offset`` from its network address (negative: from its end)."""
    import ipaddress
    net = ipaddress.ip_network(site.target_subnet)
    address = net.network_address + offset if offset >= 0 else net.broadcast_address + offset + 1
    return "%s/%d" % (address, net.prefixlen)


def rpo_rule(site, names, result):
    for rep in result["replications"]:
        age, rpo = rep["age_seconds"], rep["rpo_seconds"]
        assert rep["rpo_compliant"] == (age is not None and rpo is not None and age <= rpo), rep


def diff_shape(site, names, result):
    assert sorted(result["diff"]["before"]) == sorted(names) == sorted(result["diff"]["after"]), result["diff"]


def compensated(site, names, result):
    vm = result["vms"][0]
    ran = (vm.get("compensation") or {}).get("ran") or []
    assert any(r["step"] == "start source again" and r["ok"] for r in ran), vm


def failed_at(step):
    def check(site, names, result):
        assert result["vms"][0]["error"]["step"] == step, result["vms"][0]["error"]
    return check


def both(*checks):
    def check(site, names, result):
        for one in checks:
            one(site, names, result)
    return check


def fault_scenario(step, then, check):
    """A planned failover whose ``step`` fails for the VM: what the sites hold right after (``then``), and a rerun
    once the fault is gone that converges to the failed-over state."""
    return Scenario("planned-fault-at-%s" % step.replace(" ", "-"), [
        Call("failover", planned_args, expect="vm_failed", failed_vms=(0,),
             before=lambda s, n: s.break_step(step, n[0]), truth={0: then}, check=check),
        Call("failover", planned_args, changed=True, before=lambda s, n: s.repair(n[0]),
             truth={0: {"source_power": "off", "replica_power": "on"}})])


def warned_tls(site, names, result):
    assert any("validate_certs is false" in w and "not verified" in w for w in result.get("warnings") or []), result


def replicating(site, names, result):
    """After a failback the replication runs in the original direction again."""
    [rep] = result["replications"]
    assert rep["state"] == "enabled" and (rep.get("source") or {}).get("role") in (None, "source"), rep


def warned_down(site, names, result):
    assert any("source" in w and ("unreachable" in w or "could not be read" in w)
               for w in result.get("warnings") or []), result.get("warnings")


UNCHANGED_TRUTH = {0: {"source_power": "on", "replica_power": "off", "test_copy": False}}
FAILOVER_KEYS = ("name", "changed", "failed", "recovery_point")

SCENARIOS = [
    Scenario("enable-rerun-changes-nothing", [
        Call("replica_enable", lambda s, n: s.enable_args(n), changed=False, keys=("name", "changed", "failed"))]),
    Scenario("sync-negative-timeout-refused", [
        Call("replica_sync", lambda s, n: {"vms": n, "force": True, "timeout": -1}, expect="refused",
             msg=("timeout=-1", "out of range"))]),
    Scenario("enable-nan-rpo-refused", [
        Call("replica_enable", lambda s, n: dict(s.enable_args(n), policy={"rpo": "nan"}), expect="refused",
             msg=("policy.rpo=nan",))]),
    Scenario("info-rpo-compliant-is-age-within-rpo", [
        Call("replica_info", lambda s, n: {"vms": n}, changed=False, check=rpo_rule)]),
    Scenario("missing-ca-file-refused-before-contact", [
        Call("replica_info", lambda s, n: {"vms": n, "target": {"ca_path": "/nonexistent/vmdr-ca.pem"}},
             expect="refused", msg=("target.ca_path '/nonexistent/vmdr-ca.pem' does not exist",))]),
    Scenario("validate-certs-false-is-warned", [
        Call("replica_info", lambda s, n: {"vms": n, "source": {"validate_certs": False}}, check=warned_tls)]),
    Scenario("empty-vm-list-refused", [
        Call("failover", lambda s, n: {"mode": "test", "vms": []}, expect="refused", msg=("no VMs given",))]),
    Scenario("test-check-mode-changes-nothing", [
        Call("failover", test_args, check_mode=True, changed=True, truth=UNCHANGED_TRUTH)]),
    Scenario("test-then-cleanup-and-reruns", [
        Call("failover", test_args, changed=True, keys=FAILOVER_KEYS,
             truth={0: {"source_power": "on", "replica_power": "off", "test_copy": True}}),
        Call("failover", test_args, changed=False),
        Call("failover", lambda s, n: {"mode": "cleanup_test", "vms": n}, changed=True,
             truth={0: {"test_copy": False}}),
        Call("failover", lambda s, n: {"mode": "cleanup_test", "vms": n}, changed=False)]),
    Scenario("test-diff-shape", [
        Call("failover", test_args, diff=True, changed=True, check=diff_shape),
        Call("failover", lambda s, n: {"mode": "cleanup_test", "vms": n}, changed=True)]),
    Scenario("bad-recovery-point-refuses-every-vm", [
        Call("failover", lambda s, n: test_args(s, [{"name": n[0], "recovery_point": "2026-13-45T00:00:00Z"}, n[1]]),
             expect="refused", msg=("recovery_point",),
             truth={0: {"test_copy": False}, 1: {"test_copy": False}})], vms=2),
    Scenario("recovery-point-time-with-offset", [
        Call("failover", lambda s, n: test_args(s, [{"name": n[0], "recovery_point": "2099-01-01T01:00:00+01:00"}]),
             changed=True, truth={0: {"test_copy": True}}),
        Call("failover", lambda s, n: {"mode": "cleanup_test", "vms": n}, changed=True)]),
    Scenario("recovery-point-minute-precision", [
        Call("failover", lambda s, n: test_args(s, [{"name": n[0], "recovery_point": "2099-01-01T00:00"}]),
             changed=True, truth={0: {"test_copy": True}}),
        Call("failover", lambda s, n: {"mode": "cleanup_test", "vms": n}, changed=True)]),
    Scenario("reip-network-address-refused", [
        Call("reip", lambda s, n: override(s, n, ip=target_host(s, 0)), expect="refused", msg=("network",))]),
    Scenario("reip-broadcast-address-refused", [
        Call("reip", lambda s, n: override(s, n, ip=target_host(s, -1)), expect="refused", msg=("broadcast",))]),
    Scenario("reip-target-equal-to-gateway-refused", [
        Call("reip", lambda s, n: override(s, n, ip=target_host(s, 7), gateway=target_host(s, 7).split("/")[0]),
             expect="refused", msg=("gateway",))]),
    Scenario("reip-override-for-unknown-vm-refused", [
        Call("reip", lambda s, n: {"vms": n, "rules": s.rules,
                                   "overrides": {"no-such-vm": [{"nic": 0, "ip": target_host(s, 9)}]}},
             expect="refused", msg=("no-such-vm",))]),
    Scenario("reip-override-for-missing-nic-refused", [
        Call("reip", lambda s, n: {"vms": n, "rules": s.rules, "overrides": {n[0]: [{"nic": 5, "ip": target_host(s, 9)}]}},
             expect="refused", msg=("NIC", "5"))]),
    Scenario("unplanned-refused-while-the-source-runs", [
        Call("failover", lambda s, n: {"mode": "unplanned", "vms": n, "network_map": {"live": s.live}},
             expect="refused", msg=("running",), truth=UNCHANGED_TRUTH)]),
    Scenario("planned-round-trip-and-reruns", [
        Call("failover", planned_args, check_mode=True, changed=True, truth=UNCHANGED_TRUTH),
        Call("failover", planned_args, changed=True, keys=FAILOVER_KEYS + ("achieved_rpo_seconds",),
             truth={0: {"source_power": "off", "replica_power": "on"}}),
        Call("failover", planned_args, changed=False),
        Call("failover", lambda s, n: {"mode": "reverse", "vms": n}),
        Call("failover", lambda s, n: {"mode": "planned", "vms": n, "network_map": {"live": s.back_live()},
                                       "ready_timeout": 120, "shutdown_timeout": 60}, back=True, changed=True,
             truth={0: {"source_power": "on", "replica_power": "off"}}),
        Call("failover", lambda s, n: {"mode": "reverse", "vms": n}, back=True,
             truth={0: {"source_power": "on", "replica_power": "off"}}),
        Call("replica_info", lambda s, n: {"vms": n}, changed=False, check=replicating)]),
    Scenario("unplanned-with-the-source-site-down", [
        Call("failover", lambda s, n: {"mode": "unplanned", "vms": n, "network_map": {"live": s.live},
                                       "source": {"port": 1}, "ready_timeout": 120}, changed=True,
             keys=FAILOVER_KEYS + ("achieved_rpo_seconds",), truth={0: {"replica_power": "on"}}, check=warned_down),
        Call("failover", lambda s, n: {"mode": "unplanned", "vms": n, "network_map": {"live": s.live},
                                       "source": {"port": 1}}, changed=False)]),
    # a fault before the replica starts leaves production running (the stopped source is started again); a fault
    # at the start itself leaves at most one copy running; every time a rerun converges
    fault_scenario("stop source", {"source_power": "on", "replica_power": "off"}, failed_at("stop source")),
    fault_scenario("final recovery point", {"source_power": "on", "replica_power": "off"},
                   both(failed_at("final recovery point"), compensated)),
    fault_scenario("promote replica", {"source_power": "on", "replica_power": "off"},
                   both(failed_at("promote replica"), compensated)),
    fault_scenario("start replica", {"replica_power": "off"}, failed_at("start replica")),
]
