"""Benchmark of the product path (real modules through ansible-playbook) on the lab with injected latency.

Usage: .venv/bin/python bench/run.py [--vms 200] [--delay-ms 50] [--out bench/results/latest.md]
Starts a private lab, enables replication of N VMs without latency (setup), then sets the SOAP latency
and times replica_info, test failover (network map + re-IP + power on + readiness) and cleanup.
"""
import argparse
import datetime
import os
import platform
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.integration.lab_session import Lab  # noqa: E402  (the repo root must be on sys.path first)

PLACEMENT = {"cluster": "DC0_C0", "datastore": "LocalDS_0", "folder": "vmdr-replicas"}
LIVE = {"prod-web": "dr-web", "prod-db": "dr-db"}
TEST_REIP = {"rules": [{"source": "10.110.0.0/16", "target": "10.210.0.0/16"},
                       {"source": "10.120.0.0/16", "target": "10.220.0.0/16"}]}


def timed(label, lab, module, args, rows, count):
    start = time.time()
    result = lab.module(module, args)
    seconds = time.time() - start
    if result.get("failed"):
        raise SystemExit("%s failed: %s" % (label, result.get("msg")))
    rows.append((label, count, seconds))
    print("%-40s %5d VMs %8.2f s" % (label, count, seconds), flush=True)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=200)
    parser.add_argument("--delay-ms", type=int, default=50)
    parser.add_argument("--max-concurrent-tasks", type=int, default=32)
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "latest.md"))
    parser.add_argument("--run-dir", default=os.path.join(ROOT, ".build", "bench-lab"))
    args = parser.parse_args()

    subprocess.run([sys.executable, "-m", "lab.labctl", "down", "--run-dir", args.run_dir], cwd=ROOT, check=False,
                   stdout=subprocess.DEVNULL)
    lab = Lab.start(args.run_dir, extra_vms=args.vms)
    rows = []
    try:
        names = ["bulk-%04d" % i for i in range(1, args.vms + 1)]
        common = {"vms": names, "max_concurrent_tasks": args.max_concurrent_tasks}
        timed("setup: replica_enable + initial copy (0 ms)", lab, "replica_enable",
              dict(common, placement=PLACEMENT, network_map={"live": LIVE}), rows, len(names))
        subprocess.run([sys.executable, "-m", "lab.labctl", "delay", str(args.delay_ms), "--run-dir", args.run_dir],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        label = "(%d ms per vCenter call)" % args.delay_ms
        timed("replica_info " + label, lab, "replica_info", {"vms": names}, rows, len(names))
        timed("test failover " + label, lab, "failover",
              dict(common, mode="test", network_map={"test": "dr-test"}, reip=TEST_REIP, ready_timeout=600),
              rows, len(names))
        timed("cleanup_test " + label, lab, "failover", dict(common, mode="cleanup_test"), rows, len(names))
        timed("replica_sync, all within RPO " + label, lab, "replica_sync", {"vms": names}, rows, len(names))
    finally:
        lab.stop()
    write(args, rows)


def write(args, rows):
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    command = "python bench/run.py --vms %d --delay-ms %d --max-concurrent-tasks %d" % (
        args.vms, args.delay_ms, args.max_concurrent_tasks)
    lines = ["# Benchmark: %s" % datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"), "",
             "Command: `%s`" % command, "",
             "Machine: %s, %d cores, Python %s; two vcsim sites over TLS on loopback." % (
                 platform.machine(), os.cpu_count(), platform.python_version()), "",
             "Each step is one module call through ansible-playbook (login, bulk reads, bounded tasks).", "",
             "| step | VMs | wall s | ms per VM |", "|---|---|---|---|"]
    for label, count, seconds in rows:
        lines.append("| %s | %d | %.2f | %.1f |" % (label, count, seconds, 1000.0 * seconds / max(count, 1)))
    with open(args.out, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    print("results: %s" % args.out)


if __name__ == "__main__":
    main()
