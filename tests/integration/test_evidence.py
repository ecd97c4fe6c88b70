"""Every runbook leaves evidence: report.json (schema), junit.xml and a self-contained report.html that a
browser renders; a slow drill that misses its RTO target is failed in all three; a report renders again and
runs compare."""
import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
import yaml

from tests.integration import evidence_check
from tests.integration.lab_session import BIN, ROOT, Lab

ARTIFACTS = os.path.join(ROOT, ".build", "artifacts")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Dom(HTMLParser):
    """The elements of a DOM dump with their attributes and text, enough for structural checks."""

    def __init__(self):
        super().__init__()
        self.elements, self._open = [], []

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.elements.append(element)
        self._open.append(element)

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data

    def find(self, tag=None, **attrs):
        return [e for e in self.elements if (tag is None or e["tag"] == tag)
                and all(e["attrs"].get(k.replace("_", "-")) == v for k, v in attrs.items())]

    def with_class(self, tag, cls):
        return [e for e in self.elements if e["tag"] == tag and cls in (e["attrs"].get("class") or "").split()]


def render_in_chromium(html_path, screenshot):
    """The DOM after Chromium loaded the page, and a screenshot of it."""
    assert CHROMIUM, "chromium is missing: `make deps` installs Debian's chromium package"
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--allow-file-access-from-files",
             "--window-size=1400,1000"]
    url = "file://" + os.path.abspath(html_path)
    dom = subprocess.run(flags + ["--dump-dom", url], capture_output=True, text=True, timeout=120, check=True).stdout
    os.makedirs(os.path.dirname(screenshot), exist_ok=True)
    subprocess.run(flags + ["--screenshot=%s" % screenshot, url], capture_output=True, timeout=120, check=True)
    assert os.path.getsize(screenshot) > 10000, "the screenshot is empty"
    parsed = Dom()
    parsed.feed(dom)
    return parsed


def plan_copy(lab, tmp_path, name, **changes):
    with open(lab.plan_file) as handle:
        plan = yaml.safe_load(handle)
    plan.update(changes)
    path = str(tmp_path / name)
    with open(path, "w") as handle:
        yaml.safe_dump(plan, handle)
    return path, plan


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A lab of its own: these runs enable, fail over and kill drills, which the shared lab's tests must not see."""
    own = Lab.start(str(tmp_path_factory.mktemp("evidence-lab")), extra_vms=6)
    yield own
    own.stop()


@pytest.fixture(scope="module")
def drill(lab, tmp_path_factory):
    plan_file, plan = plan_copy(lab, tmp_path_factory.mktemp("evidence"), "plan.yml")
    proc = lab.playbook("drill.yml", "-e", "vmdr_plan_file=%s" % plan_file)
    assert proc.returncode == 0, proc.stdout[-3000:]
    return proc, plan


def test_drill_evidence_records_every_vm_and_step(drill):
    proc, plan = drill
    report, junit, _html = proc.evidence
    assert report["run"]["result"] == "passed" and report["run"]["status"] == "complete"
    assert report["run"]["runbook"] == "drill" and report["run"]["mode"] == "test"
    assert len(report["plan"]["sha256"]) == 64 and report["plan"]["name"] == plan["plan"]["name"]
    assert sorted(v["name"] for v in report["vms"]) == sorted(v["name"] for v in plan["vms"])
    started = report["run"]["started"]
    for vm in report["vms"]:
        steps = [s["step"] for s in vm["steps"]]
        assert "test failover" in steps and "cleanup" in steps, steps
        assert all(s["started"] <= s["finished"] for s in vm["steps"])
        assert vm["recovery_point"]["time"] and vm["ready_at"] > started
        assert 0 <= vm["achieved_rpo_seconds"] <= plan["targets"]["rpo_seconds"]
        assert 0 < vm["rto_seconds"] <= report["run"]["duration_seconds"]
        assert vm["details"]["test_vm"].endswith("-test")
    # dependencies come up first: a VM is ready only after what it depends on
    ready = dict((v["name"], v["ready_at"]) for v in report["vms"])
    for vm in plan["vms"]:
        for dep in vm.get("depends_on") or []:
            assert ready[dep] <= ready[vm["name"]]
    assert report["summary"]["rto"]["met"] is True and report["summary"]["rpo"]["met"] is True
    assert junit.find("testsuite").get("failures") == "0"
    assert [p.get("name") for p in junit.findall("./testsuite/properties/property")][:2] == ["run_id", "mode"]


def test_report_html_renders_in_chromium(drill):
    proc, plan = drill
    folder = evidence_check.run_folder(proc.stdout)
    dom = render_in_chromium(os.path.join(folder, "report.html"), os.path.join(ARTIFACTS, "drill-report.png"))
    summary = dom.find("section", id="summary")
    assert summary and summary[0]["attrs"]["data-result"] == "passed"
    assert "PASSED" in dom.find(id="result")[0]["text"]
    assert "%d / %d" % (len(plan["vms"]), len(plan["vms"])) in dom.find(id="vm-counts")[0]["text"]
    assert "target met" in dom.find(id="rto")[0]["text"]
    assert dom.find("svg", id="timeline-chart")
    for vm in plan["vms"]:
        bars = [e["attrs"]["data-step"] for e in dom.with_class("rect", "bar") if e["attrs"].get("data-vm") == vm["name"]]
        assert "test failover" in bars and "cleanup" in bars, (vm["name"], bars)
        assert [e for e in dom.with_class("path", "ready-marker") if e["attrs"].get("data-vm") == vm["name"]]
        assert dom.find("tr", data_vm=vm["name"], data_result="passed")
    groups = sorted(set(v["priority"] for v in plan["vms"]))
    assert [int(g["attrs"]["data-priority"]) for g in dom.with_class("g", "group")] == groups


def test_slow_drill_missing_its_rto_fails_in_all_three_files(lab, tmp_path):
    plan_file, plan = plan_copy(lab, tmp_path, "tight.yml", targets={"rpo_seconds": 900, "rto_seconds": 4})
    lab.lab_cli("delay", "150")  # every vCenter call 150 ms slower: the drill cannot reach the 4 s target
    try:
        proc = lab.playbook("drill.yml", "-e", "vmdr_plan_file=%s" % plan_file)
    finally:
        lab.lab_cli("delay", "0")
    assert proc.returncode == 0, proc.stdout[-3000:]  # the drill itself worked; the target was missed
    report, junit, html = proc.evidence
    assert report["run"]["result"] == "failed"
    assert report["summary"]["rto"]["met"] is False and report["summary"]["rto"]["missed_by"]
    missed = [v for v in report["vms"] if any("RTO target missed" in r for r in v["reasons"])]
    assert missed and all(v["result"] == "failed" for v in missed)
    failures = [c for c in junit.findall("./testsuite/testcase") if c.find("failure") is not None]
    assert sorted(c.get("name") for c in failures) == sorted(v["name"] for v in missed)
    assert all(c.find("failure").get("type") == "TargetMissed" for c in failures)
    folder = evidence_check.run_folder(proc.stdout)
    dom = render_in_chromium(os.path.join(folder, "report.html"), os.path.join(ARTIFACTS, "slow-drill-report.png"))
    assert dom.find("section", id="summary")[0]["attrs"]["data-result"] == "failed"
    assert "target missed" in dom.find(id="rto")[0]["text"]
    assert len(dom.find("tr", data_result="failed")) == len(missed)
    assert dom.find("line", **{"class": "rto-target"})


def test_report_renders_again_and_compares_runs(lab, drill, tmp_path):
    proc, _plan = drill
    first = os.path.join(evidence_check.run_folder(proc.stdout), "report.json")
    second_proc = lab.playbook("test_failover.yml")
    assert second_proc.returncode == 0, second_proc.stdout[-3000:]
    cleanup = lab.playbook("cleanup_test_failover.yml")
    assert cleanup.returncode == 0, cleanup.stdout[-3000:]
    second = os.path.join(evidence_check.run_folder(second_proc.stdout), "report.json")
    dest = str(tmp_path / "trend")
    cmd = [os.path.join(BIN, "ansible-playbook"), os.path.join(ROOT, "playbooks", "report.yml"),
           "-e", "vmdr_report=%s" % second, "-e", json.dumps({"vmdr_compare": [first]}), "-e", "vmdr_report_dest=%s" % dest]
    env = lab.env()
    runs = [subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
            for _run in range(2)]
    assert runs[0].returncode == 0, runs[0].stdout[-3000:]
    assert "changed=1" in runs[0].stdout and "changed=0" in runs[1].stdout  # rendering again changes nothing
    with open(os.path.join(dest, "trend.json")) as handle:
        trend = json.load(handle)
    assert [r["runbook"] for r in trend["runs"]] == ["drill", "test_failover"]
    assert trend["latest"]["rto_change"] in ("faster", "slower", "steady")
    with open(second) as s1, open(os.path.join(dest, "report.json")) as s2:
        assert json.load(s1) == json.load(s2)
    ET.parse(os.path.join(dest, "junit.xml"))
    dom = render_in_chromium(os.path.join(dest, "trend.html"), os.path.join(ARTIFACTS, "trend.png"))
    assert len(dom.with_class("circle", "run-point")) == 2


def test_a_killed_drill_leaves_evidence_that_renders_as_interrupted(lab, tmp_path):
    import signal
    import time
    reports = str(tmp_path / "reports")
    cmd = [os.path.join(BIN, "ansible-playbook"), os.path.join(ROOT, "playbooks", "drill.yml"),
           "-e", "vmdr_plan_file=%s" % lab.plan_file, "-e", "@%s" % lab.secrets_file, "-e", "vmdr_report_dir=%s" % reports]
    lab.lab_cli("delay", "60")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=lab.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    journal, deadline = None, time.time() + 600
    try:
        while time.time() < deadline and proc.poll() is None:
            found = [os.path.join(reports, d, "events.jsonl") for d in (os.listdir(reports) if os.path.isdir(reports) else [])]
            journal = found[0] if found else None
            if journal and os.path.exists(journal) and '"module": "failover"' in open(journal).read():
                os.killpg(proc.pid, signal.SIGKILL)  # killed right after the first priority group came up
                break
            time.sleep(0.2)
    finally:
        lab.lab_cli("delay", "0")
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the drill ended before it could be killed"
    folder = os.path.dirname(journal)
    run_id = os.path.basename(folder)
    with open(os.path.join(folder, "report.json")) as handle:
        assert json.load(handle)["run"]["status"] == "running"  # written at the start, never finished
    rendered = subprocess.run([os.path.join(BIN, "ansible-playbook"), os.path.join(ROOT, "playbooks", "report.yml"),
                               "-e", "vmdr_report=%s" % folder], cwd=ROOT, env=lab.env(), capture_output=True,
                              text=True, timeout=300, check=False)
    assert rendered.returncode == 0, rendered.stdout[-3000:]
    report, junit, _html = evidence_check.check_run_folder(folder, evidence_check.lab_secrets(lab.run_dir))
    assert report["run"]["status"] == "interrupted" and report["run"]["result"] in ("incomplete", "failed")
    results = [v["result"] for v in report["vms"]]
    assert "incomplete" in results and any(v["steps"] and v["steps"][-1]["step"] == "test failover"
                                           for v in report["vms"])
    assert junit.find("testsuite").get("skipped") == str(results.count("incomplete"))
    # the killed drill left its test copies: its run id finds and removes exactly those
    cleanup = lab.playbook("cleanup_test_failover.yml", "-e", "vmdr_run_id=%s" % run_id)
    assert cleanup.returncode == 0, cleanup.stdout[-3000:]
    removed = [name for v in cleanup.evidence[0]["vms"] for name in v["details"].get("removed", [])]
    assert removed and all(name.endswith("-test") for name in removed)


def test_a_check_run_says_so_in_all_three_files_and_reaches_no_verdict(lab, drill):
    proc = lab.playbook("drill.yml", "--check")
    report, junit, html = proc.evidence
    assert "Run evidence (check): " in proc.stdout, proc.stdout[-2000:]
    run = report["run"]
    assert run["check_mode"] is True and run["result"] == "check", run
    assert report["vms"] and all(v["result"] == "check" for v in report["vms"]), report["vms"]
    for vm in report["vms"]:  # nothing was recovered, so nothing was measured
        assert vm["rto_seconds"] is None and vm["achieved_rpo_seconds"] is None and vm["recovered_by"] is None, vm
    assert report["summary"]["check"] == len(report["vms"]) and report["summary"]["passed"] == 0
    assert report["summary"]["failed"] == 0 and report["summary"]["rto"]["met"] is None
    suite = junit.find("testsuite")
    assert "check run: no change made, no verdict" in suite.get("name")
    assert suite.get("failures") == "0" and suite.get("skipped") == str(len(report["vms"]))
    props = dict((p.get("name"), p.get("value")) for p in suite.findall("properties/property"))
    assert props["check_mode"] == "true" and props["result"] == "check"
    dom = Dom()
    dom.feed(html)
    summary = dom.find("section", id="summary")[0]["attrs"]
    assert summary["data-result"] == "check" and summary["data-check-mode"] == "true"
    assert "no verdict" in dom.find(id="check-run")[0]["text"] and dom.find(id="result")[0]["text"] == "CHECK"
