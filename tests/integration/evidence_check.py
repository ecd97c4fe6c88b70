"""Checks the evidence every runbook run leaves: the three files, valid, parseable and free of secrets."""
import json
import os
import re
import xml.etree.ElementTree as ET

import jsonschema
import yaml

from ansible_collections.vmdr.replication.plugins.module_utils.evidence import timefmt
from ansible_collections.vmdr.replication.plugins.module_utils.evidence.schema import SCHEMA

EVIDENCE_LINE = re.compile(r"^Run evidence \((\w+)\): (.+)/report\.html$", re.M)
FILES = ("report.json", "junit.xml", "report.html")


def lab_secrets(run_dir):
    """Every password the lab hands out: site passwords of the plans and the lab's own records."""
    found = set()
    with open(os.path.join(run_dir, "secrets.yml")) as handle:
        for value in (yaml.safe_load(handle) or {}).get("vmdr_site_passwords", {}).values():
            found.add(str(value))
    with open(os.path.join(run_dir, "lab.json")) as handle:
        state = json.load(handle)
    for site in state.get("sites", {}).values():
        found.add(str(site.get("password")))
    for host in ((state.get("hyperv") or {}).get("hosts") or {}).values():
        found.add(str(host.get("password")))
    return sorted(s for s in found if s and s != "None")


def run_folder(stdout):
    """The run folder the evidence callback announced at the end of a playbook run."""
    matches = EVIDENCE_LINE.findall(stdout)
    assert matches, "the run announced no evidence:\n" + stdout[-3000:]
    return matches[-1][1]


def check_run_folder(folder, secrets):
    """Asserts the three files are there, valid and secret-free; returns (report, junit root, html text)."""
    for name in FILES:
        assert os.path.isfile(os.path.join(folder, name)), "%s missing in %s" % (name, folder)
    with open(os.path.join(folder, "report.json")) as handle:
        report = json.load(handle)
    jsonschema.validate(report, SCHEMA)
    junit = ET.parse(os.path.join(folder, "junit.xml")).getroot()
    assert junit.tag == "testsuites"
    cases = junit.findall("./testsuite/testcase")
    assert len([c for c in cases if not c.get("classname", "").endswith(".run")]) == len(report["vms"])
    with open(os.path.join(folder, "report.html")) as handle:
        html = handle.read()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), "report.html loads an external asset"
    for name in os.listdir(folder):
        with open(os.path.join(folder, name), errors="replace") as handle:
            text = handle.read()
        for secret in secrets:
            assert secret not in text, "a lab password appears in %s" % os.path.join(folder, name)
    return report, junit, html


def seconds_between(earlier, later):
    """Seconds from one report time to another."""
    return timefmt.parse(later) - timefmt.parse(earlier)
