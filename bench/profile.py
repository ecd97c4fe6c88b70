"""Profile one product step with py-spy (every thread of ansible-playbook and of the module process).

Usage: .venv/bin/python bench/profile.py --run-dir DIR --module replica_info --args '{"vms": [...]}'
           [--py-spy PATH] [--out prof.txt] [--top 25]
DIR is a running lab (``python -m lab.labctl up --run-dir DIR``). py-spy (PyPI ``py-spy``) samples at 200 Hz,
idle threads included; the summary lists own time and total time per function over all samples of all
processes, and the share of samples per process (ansible-playbook, the module).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.integration.lab_session import Lab, BIN  # noqa: E402


def summarize(raw_path, top):
    """py-spy raw output: 'process;frame;frame;... count' per line, root first."""
    own, total, processes, samples = {}, {}, {}, 0
    with open(raw_path) as handle:
        for line in handle:
            stack, _sep, count = line.rstrip("\n").rpartition(" ")
            if not stack:
                continue
            count = int(count)
            frames = stack.split(";")
            samples += count
            processes[frames[0]] = processes.get(frames[0], 0) + count
            for frame in set(frames[1:]):
                total[frame] = total.get(frame, 0) + count
            own[frames[-1]] = own.get(frames[-1], 0) + count
    lines = ["samples: %d" % samples, "", "| process | share |", "|---|---|"]
    lines += ["| %s | %.0f%% |" % (p[:90], 100.0 * c / samples) for p, c in sorted(processes.items(),
                                                                                  key=lambda i: -i[1])[:6]]
    for title, table in (("own time", own), ("total time (frame anywhere on the stack)", total)):
        lines += ["", "| %s | share |" % title, "|---|---|"]
        lines += ["| `%s` | %.1f%% |" % (f[:110], 100.0 * c / samples) for f, c in sorted(table.items(),
                                                                                        key=lambda i: -i[1])[:top]]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-dir", required=True)
    parser.add_argument("--module", required=True)
    parser.add_argument("--args", default="{}", help="module arguments as JSON")
    parser.add_argument("--py-spy", default=shutil.which("py-spy") or "py-spy")
    parser.add_argument("--out", default="profile.txt")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--idle", action="store_true", help="count idle (waiting) samples too")
    args = parser.parse_args()
    lab = Lab(args.run_dir)
    work = tempfile.mkdtemp(prefix="vmdr-profile-")
    play = os.path.join(work, "play.yml")
    with open(play, "w") as handle:
        json.dump([{"hosts": "localhost", "gather_facts": False, "tasks": [
            {"vmdr.replication." + args.module: json.loads(args.args)}]}], handle)
    raw = os.path.join(work, "raw.txt")
    cmd = [args.py_spy, "record", "--subprocesses", "--rate", "200", "--format", "raw", "--threads", "-o", raw]
    if args.idle:
        cmd.append("--idle")
    proc = subprocess.run(cmd + ["--", os.path.join(BIN, "ansible-playbook"), play], cwd=ROOT, env=lab.env(),
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit("profiling failed:\n%s\n%s" % (proc.stdout[-3000:], proc.stderr[-3000:]))
    text = summarize(raw, args.top)
    with open(args.out, "w") as handle:
        handle.write(text + "\n")
    print(text)
    print("raw stacks: %s" % raw)


if __name__ == "__main__":
    main()
