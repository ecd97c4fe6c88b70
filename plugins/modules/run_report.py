#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: run_report
short_description: Render the evidence of a runbook run again, and compare runs of a plan
version_added: 0.2.0
author:
  - vmdr.replication maintainers (@vmdr-replication)
description:
  - Reads a C(report.json) written by the P(vmdr.replication.evidence#callback) callback (a report of schema version
    1 is read as version 2, as not a check run and not resumed), checks it against its schema, and writes
    C(report.json), C(junit.xml) and C(report.html) again into O(dest) (for example after an upgrade of the
    collection changed the page, or to publish a copy).
  - With O(compare_with), also writes C(trend.json) and C(trend.html) into O(dest), with the worst RTO and RPO of
    every run (oldest first), the RTO of each VM in each run, and whether the latest run got faster or slower.
  - Runs on the controller and contacts no site.
attributes:
  check_mode:
    support: full
    description: Reports which files would change and writes nothing.
  diff_mode:
    support: full
    description: Shows the SHA-256 of each file before and after.
options:
  src:
    description:
      - The run to render. A C(report.json), the C(events.jsonl) journal of a run, or a run folder.
      - When the C(report.json) of a run was written before the run ended (the run was killed), the report is
        rebuilt from the run's C(events.jsonl), with the run marked C(interrupted) at its last event.
    type: path
    required: true
  dest:
    description:
      - Folder for the rendered files. Defaults to the folder of O(src).
    type: path
  compare_with:
    description:
      - Paths of C(report.json) files of other runs to compare with O(src) (in any order; they are sorted
        by start time).
    type: list
    elements: path
    default: []
notes:
  - The files are only rewritten when their content changes, so a second run reports no change.
seealso:
  - name: Drill evidence
    description: The report schema and how the evidence is recorded.
    link: https://github.com/vmdr-replication/vmdr.replication/blob/main/docs/evidence.md
'''

EXAMPLES = r'''
- name: Render a drill report again
  vmdr.replication.run_report:
    src: reports/drill-20261122T010000Z/report.json
  delegate_to: localhost

- name: Compare the last drills of the plan (RTO trend)
  vmdr.replication.run_report:
    src: reports/drill-20261122T010000Z/report.json
    dest: reports/trend
    compare_with:
      - reports/drill-20261101T010000Z/report.json
      - reports/drill-20261015T010000Z/report.json
  delegate_to: localhost
  register: trend

- name: Say whether the RTO got worse
  ansible.builtin.debug:
    msg: "{{ trend.trend.latest }}"
'''

RETURN = r'''
files:
  description: Path of each file written (or that would be written in check mode).
  returned: always
  type: dict
  sample: {"report.json": "/srv/dr/reports/drill-1/report.json", "junit.xml": "/srv/dr/reports/drill-1/junit.xml",
           "report.html": "/srv/dr/reports/drill-1/report.html"}
summary:
  description: The run and summary parts of the report.
  returned: always
  type: dict
  sample: {"result": "passed", "vms": 4, "failed": 0, "rto_worst_seconds": 14.7, "rpo_worst_seconds": 10,
           "check_mode": false, "resumed_run": null}
trend:
  description: The comparison of the runs (as written to trend.json), when O(compare_with) is given.
  returned: when compare_with is not empty
  type: dict
  sample: {"latest": {"from": "drill-1", "to": "drill-2", "rto_delta_seconds": -3.2, "rto_change": "faster",
                      "plan_changed": false}}
'''

import hashlib
import json
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmdr.replication.plugins.module_utils.evidence import journal, schema, trend, writer


def _read(path):
    """The report of a run from its report.json, its journal, or its folder (journal when the report is stale)."""
    folder = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
    events = os.path.join(folder, journal.FILE)
    if path.endswith(".jsonl"):
        return journal.replay(path).build()
    report_path = os.path.join(path, "report.json") if os.path.isdir(path) else path
    report = None
    if os.path.exists(report_path) or not os.path.exists(events):
        with open(report_path) as handle:
            report = json.load(handle)
    if (report is None or (report.get("run") or {}).get("status") == "running") and os.path.exists(events):
        return journal.replay(events).build()
    return schema.upgrade(report)


def _load(module, path):
    try:
        report = _read(path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        module.fail_json(msg="Cannot read the run report %s: %s. Give the report.json, events.jsonl or folder of a "
                             "run." % (path, exc))
    problems = schema.problems(report)
    if problems:
        module.fail_json(msg="%s is not a vmdr.replication run report of schema version %s: %s" % (
            path, schema.SCHEMA_VERSION, "; ".join(problems[:10])), problems=problems)
    return report


def _sha(path):
    if not os.path.exists(path):
        return None
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def _texts(report, others):
    texts = writer.render_all(report)
    if others:
        comparison = trend.compare([report] + others)
        texts["trend.json"] = json.dumps(comparison, indent=2) + "\n"
        texts["trend.html"] = trend.render_html(comparison)
        return texts, comparison
    return texts, None


def main():
    module = AnsibleModule(argument_spec=dict(src=dict(type="path", required=True), dest=dict(type="path"),
                                              compare_with=dict(type="list", elements="path", default=[])),
                           supports_check_mode=True)
    src = module.params["src"]
    dest = module.params["dest"] or (src if os.path.isdir(src) else os.path.dirname(os.path.abspath(src)))
    report = _load(module, src)
    others = [_load(module, path) for path in module.params["compare_with"]]
    texts, comparison = _texts(report, others)
    before, after, files = {}, {}, {}
    for name, text in texts.items():
        path = os.path.join(dest, name)
        files[name] = path
        old = _sha(path)
        new = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if old != new:
            before[name], after[name] = old, new
    changed = bool(after)
    if changed and not module.check_mode:
        if not os.path.isdir(dest):
            os.makedirs(dest)
        for name in after:
            writer.write_text(files[name], texts[name])
    summary = report["summary"]
    result = {"changed": changed, "files": files,
              "summary": {"run": report["run"]["id"], "result": report["run"]["result"], "vms": summary["vms"],
                          "check_mode": report["run"]["check_mode"],
                          "resumed_run": (report["run"]["resumed"] or {}).get("run_id"),
                          "failed": summary["failed"], "rto_worst_seconds": summary["rto"]["worst_seconds"],
                          "rto_target_seconds": summary["rto"]["target_seconds"],
                          "rpo_worst_seconds": summary["rpo"]["worst_seconds"],
                          "rpo_target_seconds": summary["rpo"]["target_seconds"]}}
    if comparison is not None:
        result["trend"] = comparison
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
