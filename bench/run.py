"""Scale benchmark of the vSphere path: product (real modules through ansible-playbook) vs baseline vs limit.

Usage: .venv/bin/python bench/run.py [--vms 1000] [--ratio-vms 200] [--info-vms 5000] [--delay-ms 50]
                                    [--baseline-sample 2] [--threads 64] [--out bench/results/latest.md]

One run, on labs with SOAP latency injected into every vCenter method (both sites):
  lab 1 (--vms protected VMs): setup without latency (replica_enable + initial copy), then with latency:
    product replica_info, test failover (5 priority groups as 5 waves of one failover call, then again as
    one call per group, as the drill role runs them, then as one wave like the limit), cleanup, the same on the
    first --ratio-vms VMs (one call), the limit script (bench/limit.py) on the same VMs, planned failover
    (5 groups), and the baseline loop (bench/baseline.py) on --baseline-sample VMs of the --ratio-vms set,
    extrapolated linearly (the loop is sequential).
  lab 2 (--info-vms protected VMs): setup, then replica_info with latency (by name, with no names, and with
    summary: true), with peak RSS.
vCenter method calls are counted client-side by bench/hook/sitecustomize.py (PYTHONPATH hook that wraps
pyVmomi's SoapStubAdapter.InvokeMethod in every Python process that loads pyVmomi).
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.integration.lab_session import Lab, BIN  # noqa: E402  (the repo root must be on sys.path first)
from bench import baseline  # noqa: E402

HOOK = os.path.join(ROOT, "bench", "hook")
PLACEMENT = {"cluster": "DC0_C0", "datastore": "LocalDS_0", "folder": "vmdr-replicas"}
LIVE = {"prod-web": "dr-web", "prod-db": "dr-db"}
TEST_REIP = {"rules": [{"source": "10.110.0.0/16", "target": "10.210.0.0/16"},
                       {"source": "10.120.0.0/16", "target": "10.220.0.0/16"}]}
LIVE_REIP = {"rules": [{"source": "10.110.0.0/16", "target": "10.230.0.0/16"},
                       {"source": "10.120.0.0/16", "target": "10.240.0.0/16"}]}
GROUPS = 5


def names(count):
    return ["bulk-%04d" % i for i in range(1, count + 1)]


def plan_groups(vms, groups=GROUPS):
    """N VMs over 5 priority groups, in order (priority 1 first)."""
    size = -(-len(vms) // groups)
    return [vms[i:i + size] for i in range(0, len(vms), size)]


def write_plan(path, vms):
    with open(path, "w") as handle:
        json.dump({"plan": {"name": "bench-%d" % len(vms), "version": 1},
                   "vms": [{"name": n, "priority": p + 1} for p, group in enumerate(plan_groups(vms)) for n in group]},
                  handle, indent=1)


def read_probe(path):
    rows = []
    if os.path.exists(path):
        with open(path) as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
    calls = {}
    for row in rows:
        for name, count in row["calls"].items():
            calls[name] = calls.get(name, 0) + count
    return {"calls": sum(calls.values()), "by_method": calls, "processes": len(rows),
            "peak_rss_mb": round(max([r["maxrss_kb"] for r in rows] or [0]) / 1024.0, 1),
            "module_cpu_s": round(sum(r.get("cpu_s", 0) for r in rows), 2),
            "module_wall_s": round(sum(r.get("wall_s", 0) for r in rows), 2)}


class Bench(object):
    def __init__(self, lab, args):
        self.lab = lab
        self.args = args
        self.rows = []
        self.work = tempfile.mkdtemp(prefix="vmdr-bench-")

    def delay(self, ms):
        subprocess.run([sys.executable, "-m", "lab.labctl", "delay", str(ms), "--run-dir", self.lab.run_dir],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)

    def product(self, label, count, tasks, kind="product"):
        """tasks: [(module, args)] run in order in one play (one module process each); stops at a failure."""
        probe = os.path.join(self.work, "probe.jsonl")
        if os.path.exists(probe):
            os.remove(probe)
        play = [{"hosts": "localhost", "gather_facts": False, "tasks": [
            {"vmdr.replication." + module: args, "register": "r%d" % i,
             "failed_when": "r%d.failed | default(false)" % i}
            for i, (module, args) in enumerate(tasks)]}]
        path = os.path.join(self.work, "play.yml")
        with open(path, "w") as handle:
            json.dump(play, handle)
        env = self.lab.env()
        env.update(PYTHONPATH=HOOK, VMDR_BENCH_PROBE=probe)
        start = time.time()
        proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), path], cwd=ROOT, env=env, capture_output=True,
                              text=True, check=False)
        seconds = time.time() - start
        if proc.returncode != 0:
            raise SystemExit("%s failed:\n%s\n%s" % (label, proc.stdout[-4000:], proc.stderr[-2000:]))
        return self.record(label, kind, count, seconds, read_probe(probe))

    def record(self, label, kind, count, seconds, probe, note=""):
        row = dict(label=label, kind=kind, vms=count, seconds=round(seconds, 2), note=note, **probe)
        self.rows.append(row)
        print("%-58s %-9s %5d VMs %8.2f s %7s calls %s" % (label, kind, count, seconds, probe.get("calls"), note),
              flush=True)
        return row

    def limit(self, label, count, step):
        probe = os.path.join(self.work, "probe.jsonl")
        if os.path.exists(probe):
            os.remove(probe)
        env = dict(os.environ, PYTHONPATH=HOOK, VMDR_BENCH_PROBE=probe)
        out = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "limit.py"), "--lab-json",
                              os.path.join(self.lab.run_dir, "lab.json"), "--vms", str(count), "--threads",
                              str(self.args.threads), "--step", step], cwd=ROOT, env=env, capture_output=True,
                             text=True, check=False)
        if out.returncode != 0:
            raise SystemExit("limit %s failed: %s %s" % (step, out.stdout, out.stderr[-2000:]))
        result = json.loads(out.stdout.strip().splitlines()[-1])
        return self.record(label, "limit", result["vms"], result["seconds"], read_probe(probe))


def failover_tasks(vms, mode, extra, conc):
    """One failover call per priority group, one after the other, as the drill role runs its waves."""
    return [("failover", dict(extra, vms=group, mode=mode, max_concurrent_tasks=conc)) for group in plan_groups(vms)]


def wave_task(vms, extra, conc):
    """One test failover call for the 5 priority groups, each a wave (a wave starts once the one before is ready)."""
    waves = [{"name": name, "wave": number + 1} for number, group in enumerate(plan_groups(vms)) for name in group]
    return [("failover", dict(extra, vms=waves, mode="test", max_concurrent_tasks=conc))]


def power_off(lab, vms):
    """Setup for the baseline (not timed): the VMs it works on must be off."""
    from pyVmomi import vim
    si = lab.connect("site-b")
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    wanted = set(vms)
    for vm in view.view:
        if vm.name in wanted and vm.runtime.powerState == "poweredOn":
            vm.PowerOffVM_Task()
    view.DestroyView()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=1000)
    parser.add_argument("--ratio-vms", type=int, default=200)
    parser.add_argument("--info-vms", type=int, default=5000, help="0 skips the second lab")
    parser.add_argument("--delay-ms", type=int, default=50)
    parser.add_argument("--baseline-sample", type=int, default=2, help="0 skips the baseline")
    parser.add_argument("--threads", type=int, default=64, help="threads of the limit script")
    parser.add_argument("--max-concurrent-tasks", type=int, default=64,
                        help="product bound, the same parallelism as the limit script's threads")
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "latest.md"))
    parser.add_argument("--run-dir", default=os.path.join(ROOT, ".build", "bench-lab"))
    args = parser.parse_args()
    began = time.time()
    conc = args.max_concurrent_tasks
    rows, meta = [], {"load_before": os.getloadavg()}

    # ---------------------------------------------------------------- lab 1
    lab = start_lab(args.run_dir, args.vms)
    bench = Bench(lab, args)
    try:
        allvms = names(args.vms)
        ratio = names(min(args.ratio_vms, args.vms))
        write_plan(os.path.join(bench.work, "plan-%d.json" % len(allvms)), allvms)
        bench.product("setup: replica_enable + initial copy (0 ms)", len(allvms), [(
            "replica_enable", {"vms": allvms, "placement": PLACEMENT, "network_map": {"live": LIVE},
                               "max_concurrent_tasks": conc})], kind="setup")
        bench.delay(args.delay_ms)
        test_args = {"network_map": {"test": "dr-test"}, "reip": TEST_REIP, "ready_timeout": 600}
        bench.product("replica_info, all VMs", len(allvms), [("replica_info", {"vms": allvms})])
        cleanup_all = [("failover", {"vms": allvms, "mode": "cleanup_test", "max_concurrent_tasks": conc})]
        bench.product("test failover, 5 waves in one call", len(allvms), wave_task(allvms, test_args, conc))
        bench.product("cleanup_test", len(allvms), cleanup_all)
        bench.product("test failover, 5 calls (one per group)", len(allvms),
                      failover_tasks(allvms, "test", test_args, conc))
        bench.product("cleanup_test", len(allvms), cleanup_all)
        # the limit has no priority groups: the same work in one wave is the like-for-like comparison
        bench.product("test failover, one wave (no groups, like the limit)", len(allvms), [(
            "failover", dict(test_args, vms=allvms, mode="test", max_concurrent_tasks=conc))])
        bench.product("cleanup_test", len(allvms), cleanup_all)
        bench.limit("limit: replica_info reads", len(allvms), "info")
        bench.limit("limit: test failover calls", len(allvms), "test")
        bench.limit("limit: cleanup calls", len(allvms), "cleanup")
        bench.product("test failover, 5 waves in one call", len(ratio), wave_task(ratio, test_args, conc))
        bench.product("cleanup_test", len(ratio), [("failover", {"vms": ratio, "mode": "cleanup_test",
                                                                  "max_concurrent_tasks": conc})])
        bench.limit("limit: test failover calls", len(ratio), "test")
        bench.limit("limit: cleanup calls", len(ratio), "cleanup")
        bench.product("planned failover, 5 priority groups", len(allvms), failover_tasks(
            allvms, "planned", {"network_map": {"live": LIVE}, "reip": LIVE_REIP, "ready_timeout": 600,
                                "shutdown_timeout": 120, "force_power_off": True}, conc))
        if args.baseline_sample:
            sample = ratio[:args.baseline_sample]
            bench.delay(0)
            power_off(lab, sample)
            bench.delay(args.delay_ms)
            probe = os.path.join(bench.work, "baseline.jsonl")
            result = baseline.run(lab.state, sample, probe)
            if not result["ok"]:
                raise SystemExit("baseline failed, see %s" % result["log"])
            stats = read_probe(probe)
            factor = float(len(ratio)) / len(sample)
            stats["calls"] = int(stats["calls"] * factor)
            bench.record("baseline: per-VM module loop", "baseline", len(ratio), result["seconds"] * factor, stats,
                         note="measured %.1f s on %d VMs, x%.0f" % (result["seconds"], len(sample), factor))
        rows.extend(bench.rows)
    finally:
        lab.stop()

    # ---------------------------------------------------------------- lab 2
    if args.info_vms:
        lab = start_lab(args.run_dir, args.info_vms)
        bench = Bench(lab, args)
        try:
            allvms = names(args.info_vms)
            bench.product("setup: replica_enable + initial copy (0 ms)", len(allvms), [(
                "replica_enable", {"vms": allvms, "placement": PLACEMENT, "network_map": {"live": LIVE},
                                   "max_concurrent_tasks": conc})], kind="setup")
            bench.delay(args.delay_ms)
            bench.product("replica_info, all VMs", len(allvms), [("replica_info", {"vms": allvms})])
            bench.product("replica_info, all VMs (no names given)", len(allvms), [("replica_info", {})])
            bench.product("replica_info, all VMs, summary: true", len(allvms),
                          [("replica_info", {"vms": allvms, "summary": True})])
            bench.limit("limit: replica_info reads", len(allvms), "info")
            rows.extend(bench.rows)
        finally:
            lab.stop()
    meta["load_after"] = os.getloadavg()
    meta["total_s"] = time.time() - began
    write(args, rows, meta)


def start_lab(run_dir, count):
    subprocess.run([sys.executable, "-m", "lab.labctl", "down", "--run-dir", run_dir], cwd=ROOT, check=False,
                   stdout=subprocess.DEVNULL)
    start = time.time()
    lab = Lab.start(run_dir, extra_vms=count)
    print("lab with %d VMs up in %.1f s" % (count, time.time() - start), flush=True)
    return lab


def find(rows, kind, label, vms):
    for row in rows:
        if row["kind"] == kind and row["label"].startswith(label) and row["vms"] == vms:
            return row
    return None


def write(args, rows, meta):
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    command = ("python bench/run.py --vms %d --ratio-vms %d --info-vms %d --delay-ms %d --baseline-sample %d "
               "--threads %d --max-concurrent-tasks %d" % (args.vms, args.ratio_vms, args.info_vms, args.delay_ms,
                                                           args.baseline_sample, args.threads,
                                                           args.max_concurrent_tasks))
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = [l.split(":", 1)[1].strip() for l in handle if l.startswith("model name")][0]
    except (OSError, IndexError):
        pass
    lines = ["# Benchmark: %s" % datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"), "",
             "Command: `%s` (total %.0f s)" % (command, meta["total_s"]), "",
             "Machine: %s, %d cores (%s), Python %s; two vcsim sites over TLS on loopback; %d ms added to every "
             "vCenter method. Load average before/after: %.2f / %.2f (other sessions share the machine)." % (
                 platform.machine(), os.cpu_count(), cpu, platform.python_version(), args.delay_ms,
                 meta["load_before"][0], meta["load_after"][0]), "",
             "calls = vCenter methods issued by the client (all module processes of the step); "
             "RSS = peak of the module process; module CPU/wall = user+sys CPU and lifetime of the module "
             "processes (for the limit: of the script; for the baseline: measured sample, not extrapolated); "
             "wall s - module wall s = ansible-playbook start, task dispatch and result handling.", "",
             "| step | kind | VMs | wall s | ms per VM | vCenter calls | calls per VM | peak RSS MB | module CPU s "
             "| module wall s | note |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append("| %s | %s | %d | %.2f | %.1f | %s | %.1f | %s | %s | %s | %s |" % (
            r["label"], r["kind"], r["vms"], r["seconds"], 1000.0 * r["seconds"] / max(r["vms"], 1), r["calls"],
            float(r["calls"]) / max(r["vms"], 1), r["peak_rss_mb"], r["module_cpu_s"], r["module_wall_s"],
            r["note"]))
    lines += ["", "## Targets", "", "| target | measured | met |", "|---|---|---|"]

    def target(text, value, ok):
        lines.append("| %s | %s | %s |" % (text, value, "yes" if ok else "**no**"))

    big, small = args.vms, min(args.ratio_vms, args.vms)
    t_big = find(rows, "product", "test failover, 5 waves", big)
    if t_big:
        target("test failover of %d VMs at %d ms <= 60 s" % (big, args.delay_ms), "%.1f s" % t_big["seconds"],
               t_big["seconds"] <= 60)
    t_small, base = find(rows, "product", "test failover, 5 waves", small), find(rows, "baseline", "baseline", small)
    if t_small and base:
        ratio = base["seconds"] / t_small["seconds"]
        target(">= 20x faster than the baseline on %d VMs" % small, "%.0fx (%.0f s vs %.1f s)" % (
            ratio, base["seconds"], t_small["seconds"]), ratio >= 20)
    lim = find(rows, "limit", "limit: test failover", big)
    if t_big and lim:
        ratio = t_big["seconds"] / lim["seconds"]
        target("<= 1.5x the limit script on %d VMs (product in 5 waves)" % big, "%.2fx (%.1f s vs %.1f s)" % (
            ratio, t_big["seconds"], lim["seconds"]), ratio <= 1.5)
    one = find(rows, "product", "test failover, one wave", big)
    if one and lim:
        ratio = one["seconds"] / lim["seconds"]
        target("<= 1.5x the limit script on %d VMs (product in one wave, as the limit)" % big,
               "%.2fx (%.1f s vs %.1f s)" % (ratio, one["seconds"], lim["seconds"]), ratio <= 1.5)
    info = find(rows, "product", "replica_info, all VMs", args.info_vms) if args.info_vms else None
    if info:
        target("replica_info over %d VMs <= 5 s, peak RSS <= 300 MB" % args.info_vms, "%.1f s, %.0f MB" % (
            info["seconds"], info["peak_rss_mb"]), info["seconds"] <= 5 and info["peak_rss_mb"] <= 300)
    with open(args.out, "w") as handle:
        handle.write("\n".join(lines) + "\n")
    with open(args.out[:-3] + ".json", "w") as handle:
        json.dump({"rows": rows, "meta": meta, "command": command}, handle, indent=1)
    print("\n".join(lines))
    print("results: %s" % args.out)


if __name__ == "__main__":
    main()
