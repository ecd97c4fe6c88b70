"""Scale benchmark of the Hyper-V path: test failover and cleanup of many VMs through the real modules.

Usage: .venv/bin/python bench/hyperv.py [--vms 200] [--latency-ms 200] [--out bench/results/hyperv-<date>.md]

It starts a private simulated site with two primary hosts (hv-a1, hv-a2) and two replica hosts (hv-b1, hv-b2),
puts half the VMs on each primary, protects them with replica_enable (no latency), lets simulated time pass,
then adds --latency-ms to every WinRM command of every host and measures, through ansible-playbook:
  - failover mode=test with a test network map and a re-IP rule (map + re-IP + power on + wait until ready),
  - failover mode=cleanup_test.
The simulator counts WinRM commands per host and per step (the runner names each command's step).
Targets: test failover <= 30 s; commands per step = the number of hosts the step touches.
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.integration.hyperv.hv_session import A, A2, B, B2, HvLab  # noqa: E402  (repo root on sys.path first)

PRIMARIES, REPLICAS = (A, A2), (B, B2)
LIVE = {"prod-web": "dr-web"}
TEST_REIP = {"rules": [{"source": "10.10.0.0/16", "target": "10.99.0.0/16", "gateway": "10.99.0.1"}]}
TARGET_SECONDS = 30


def add_vms(hv, count):
    """``count`` running VMs, alternately on the two primary hosts; returns their names in order."""
    per_host = dict((host, []) for host in PRIMARIES)
    names = []
    for index in range(count):
        host = PRIMARIES[index % len(PRIMARIES)]
        name = "hvb-%04d" % index
        per_host[host].append({"name": name, "switch": "prod-web", "ip": "10.10.%d.%d" % (1 + index // 250,
                                                                                          1 + index % 250),
                               "prefix": 16, "gateway": "10.10.0.1", "state": "Running"})
        names.append(name)
    for host, vms in per_host.items():
        hv.lab("/vms", body={"host": host, "vms": vms})
    return names


def timed(hv, module, args):
    """Runs one module call with the counters zeroed first; returns (result, seconds, {host: {step: commands}})."""
    hv.lab("/stats/reset")
    started = time.time()
    result = hv.module(module, args)
    seconds = time.time() - started
    steps = dict((host, data.get("steps") or {}) for host, data in hv.stats()["hosts"].items() if data["commands"])
    if result.get("failed"):
        raise SystemExit("%s failed: %s" % (module, result.get("msg")))
    return result, seconds, steps


def by_step(steps):
    """{step: {host: commands}} from {host: {step: commands}}."""
    out = {}
    for host, counts in steps.items():
        for step, count in counts.items():
            out.setdefault(step, {})[host] = count
    return out


def step_rows(title, steps):
    rows = []
    for step, hosts in sorted(by_step(steps).items()):
        total = sum(hosts.values())
        rounds = max(hosts.values())
        rows.append("| %s | %s | %s | %d | %d | %s |" % (
            title, step, ", ".join("%s: %d" % (h.split(".")[0], hosts[h]) for h in sorted(hosts)), len(hosts),
            total, "yes" if min(hosts.values()) == rounds else "no"))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vms", type=int, default=200)
    ap.add_argument("--latency-ms", type=int, default=200)
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    command = "python bench/hyperv.py --vms %d --latency-ms %d" % (args.vms, args.latency_ms)
    run_dir = tempfile.mkdtemp(prefix="vmdr-bench-hyperv-")
    load_before = os.getloadavg()
    hv = HvLab.start(run_dir, topology="scale")
    try:
        names = add_vms(hv, args.vms)
        sites = {"source": {"hosts": hv.site_hosts([A2])}, "target": {"hosts": hv.site_hosts([B2])}}
        enable, enable_s, dummy = timed(hv, "replica_enable", dict(
            sites, vms=names, policy={"rpo": 5, "recovery_points": 2}, network_map={"live": LIVE, "test": "dr-test"}))
        hv.advance(3700)
        hv.lab("/latency", params={"ms": args.latency_ms})
        test, test_s, test_steps = timed(hv, "failover", dict(
            sites, mode="test", vms=names, network_map={"test": "dr-test"}, reip=TEST_REIP))
        ready = [vm.get("time_to_ready_seconds") for vm in test["vms"]]
        rpo = [vm.get("achieved_rpo_seconds") for vm in test["vms"]]
        cleanup, cleanup_s, cleanup_steps = timed(hv, "failover", dict(sites, mode="cleanup_test", vms=names))
        removed = sum(len(vm.get("removed") or []) for vm in cleanup["vms"])
    finally:
        hv.stop()
        shutil.rmtree(run_dir, ignore_errors=True)
    load_after = os.getloadavg()

    all_steps = step_rows("test failover", test_steps) + step_rows("cleanup_test", cleanup_steps)
    per_step_ok = all(row.endswith("| yes |") for row in all_steps) and \
        all(len(hosts) == 1 or len(set(hosts.values())) == 1 for hosts in by_step(test_steps).values())
    stamp = datetime.datetime.utcnow()
    lines = [
        "# Hyper-V benchmark: %s UTC" % stamp.strftime("%Y-%m-%d %H:%M"),
        "",
        "Command: `%s`" % command,
        "",
        "Machine: %s, %d cores, Python %s; simulated Hyper-V site over WinRM/HTTPS (NTLM) on loopback, hosts %s "
        "(primary) and %s (replica), %d ms added to every WinRM command of every host. Load average before/after: "
        "%.2f / %.2f (other sessions share the machine)." % (
            platform.machine(), os.cpu_count() or 0, platform.python_version(), ", ".join(PRIMARIES),
            ", ".join(REPLICAS), args.latency_ms, load_before[0], load_after[0]),
        "",
        "| call | VMs | wall s (ansible-playbook, whole call) | result |",
        "|---|---|---|---|",
        "| replica_enable + network map (setup, 0 ms) | %d | %.2f | %d changed |" % (
            len(names), enable_s, sum(1 for vm in enable["vms"] if vm["changed"])),
        "| failover mode=test (test map + re-IP + power on + ready) | %d | %.2f | %d changed; time_to_ready max %.1f s; "
        "achieved RPO %s-%s s |" % (len(names), test_s, sum(1 for vm in test["vms"] if vm["changed"]),
                                    max(r for r in ready if r is not None), min(rpo), max(rpo)),
        "| failover mode=cleanup_test | %d | %.2f | %d test VMs removed |" % (len(names), cleanup_s, removed),
        "",
        "WinRM commands per step, counted by the simulator (per host; 'same' = every host touched got the same "
        "number, i.e. commands per step = hosts touched, or hosts x polling rounds for 'wait until ready'):",
        "",
        "| call | step | commands per host | hosts touched | commands | same on every host |",
        "|---|---|---|---|---|---|",
    ] + all_steps + [
        "",
        "## Targets",
        "",
        "- test failover <= %d s: **%s** (%.2f s)" % (TARGET_SECONDS, "met" if test_s <= TARGET_SECONDS else "missed",
                                                       test_s),
        "- commands per step = hosts touched: **%s**" % ("met" if per_step_ok else "missed"),
    ]
    text = "\n".join(lines) + "\n"
    out = args.out or os.path.join(ROOT, "bench", "results", "hyperv-%s.md" % stamp.strftime("%Y%m%d"))
    with open(out, "w") as handle:
        handle.write(text)
    print(text)
    print("written to %s" % out)
    print(json.dumps({"test_failover_s": round(test_s, 2), "cleanup_s": round(cleanup_s, 2),
                      "per_step_ok": per_step_ok}))
    return 0 if test_s <= TARGET_SECONDS and per_step_ok else 1


if __name__ == "__main__":
    sys.exit(main())
