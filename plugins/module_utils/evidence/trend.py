# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compare runs of the same plan: RTO and RPO per run and per VM, oldest first, and the latest change."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from html import escape

from ansible_collections.vmdr.replication.plugins.module_utils.evidence import timefmt
from ansible_collections.vmdr.replication.plugins.module_utils.evidence.html_report import CSS

TREND_SCHEMA = "vmdr.replication/run-trend"
# A change smaller than this (seconds) is noise, not a trend.
STEADY_SECONDS = 1.0


def _run_row(report):
    run, summary, plan = report["run"], report["summary"], report["plan"]
    return {"id": run["id"], "runbook": run["runbook"], "mode": run["mode"], "started": run["started"],
            "result": run["result"], "duration_seconds": run["duration_seconds"], "vms": summary["vms"],
            "failed": summary["failed"], "rto_worst_seconds": summary["rto"]["worst_seconds"],
            "rto_target_seconds": summary["rto"]["target_seconds"], "rpo_worst_seconds": summary["rpo"]["worst_seconds"],
            "rpo_target_seconds": summary["rpo"]["target_seconds"], "plan": plan["name"],
            "plan_sha256": plan["sha256"]}


def _direction(before, after):
    if before is None or after is None:
        return None
    if abs(after - before) < STEADY_SECONDS:
        return "steady"
    return "slower" if after > before else "faster"


def compare(reports):
    """``reports``: report.json documents in any order. Returns the trend document."""
    ordered = sorted(reports, key=lambda r: timefmt.parse(r["run"]["started"]) or 0)
    runs = [_run_row(r) for r in ordered]
    names = []
    for report in ordered:
        for vm in report["vms"]:
            if vm["name"] not in names:
                names.append(vm["name"])
    per_vm = []
    for name in names:
        values = []
        for report in ordered:
            vm = next((v for v in report["vms"] if v["name"] == name), None)
            values.append(vm["rto_seconds"] if vm else None)
        known = [v for v in values if v is not None]
        per_vm.append({"name": name, "rto_seconds": values,
                       "change": _direction(known[-2], known[-1]) if len(known) >= 2 else None,
                       "delta_seconds": round(known[-1] - known[-2], 3) if len(known) >= 2 else None})
    latest = None
    if len(runs) >= 2:
        before, after = runs[-2], runs[-1]
        delta = None
        if before["rto_worst_seconds"] is not None and after["rto_worst_seconds"] is not None:
            delta = round(after["rto_worst_seconds"] - before["rto_worst_seconds"], 3)
        latest = {"from": before["id"], "to": after["id"], "rto_delta_seconds": delta,
                  "rto_change": _direction(before["rto_worst_seconds"], after["rto_worst_seconds"]),
                  "plan_changed": before["plan_sha256"] != after["plan_sha256"]}
    return {"schema": TREND_SCHEMA, "schema_version": 1, "runs": runs, "vms": per_vm, "latest": latest,
            "plans": sorted(set(str(r["plan"]) for r in runs))}


def _chart(runs):
    points = [(i, r["rto_worst_seconds"]) for i, r in enumerate(runs) if r["rto_worst_seconds"] is not None]
    if not points:
        return "<p>No run reached its RTO measurement.</p>"
    width, height, pad = 760, 220, 40
    targets = [r["rto_target_seconds"] for r in runs if r["rto_target_seconds"] is not None]
    top = max([v for _i, v in points] + targets + [1.0]) * 1.1
    step = (width - 2 * pad) / max(1, len(runs) - 1)

    def xy(i, v):
        return pad + i * step, height - pad - (v / top) * (height - 2 * pad)

    parts = ['<svg xmlns="http://www.w3.org/2000/svg" id="trend-chart" width="%d" height="%d">' % (width, height)]
    if targets:
        _x, ty = xy(0, min(targets))
        parts.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#c62828" stroke-dasharray="5,4"/>'
                     '<text x="%d" y="%.1f">RTO target %s s</text>'
                     % (pad, width - pad, ty, ty, pad + 4, ty - 4, escape(str(min(targets)))))
    line = " ".join("%.1f,%.1f" % xy(i, v) for i, v in points)
    parts.append('<polyline fill="none" stroke="#4c78a8" stroke-width="2" points="%s"/>' % line)
    for i, v in points:
        px, py = xy(i, v)
        parts.append('<circle class="run-point" data-run="%s" cx="%.1f" cy="%.1f" r="4" fill="#4c78a8">'
                     '<title>%s: worst RTO %.1f s</title></circle>' % (escape(runs[i]["id"]), px, py,
                                                                       escape(runs[i]["id"]), v))
        parts.append('<text x="%.1f" y="%d" text-anchor="middle">%d</text>' % (px, height - pad + 16, i + 1))
    parts.append("</svg>")
    return "".join(parts)


def render_html(trend):
    rows = "".join(
        '<tr data-run="%s"><td>%d</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class="num">%s</td>'
        '<td class="num">%s</td><td class="num">%d/%d</td></tr>' % (
            escape(r["id"]), i + 1, escape(r["id"]), escape(r["runbook"]), escape(r["started"] or "-"),
            escape(r["result"]), "-" if r["rto_worst_seconds"] is None else "%.1f" % r["rto_worst_seconds"],
            "-" if r["rpo_worst_seconds"] is None else "%.1f" % r["rpo_worst_seconds"], r["vms"] - r["failed"], r["vms"])
        for i, r in enumerate(trend["runs"]))
    vm_rows = "".join(
        '<tr data-vm="%s"><td>%s</td>%s<td>%s</td></tr>' % (
            escape(v["name"]), escape(v["name"]),
            "".join('<td class="num">%s</td>' % ("-" if s is None else "%.1f" % s) for s in v["rto_seconds"]),
            escape(v["change"] or "-")) for v in trend["vms"])
    latest = trend["latest"]
    headline = ("Latest run %s: worst RTO %s by %s s than %s%s." % (
        escape(latest["to"]), escape(latest["rto_change"] or "not comparable"),
        "-" if latest["rto_delta_seconds"] is None else "%+.1f" % latest["rto_delta_seconds"], escape(latest["from"]),
        " (the plan changed in between)" if latest["plan_changed"] else "")) if latest else "Only one run."
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>RTO trend</title><style>%s</style>'
            '</head><body><section id="trend"><h1>RTO trend of %s</h1><p id="headline">%s</p>%s'
            '<h2>Runs</h2><table><thead><tr><th>#</th><th>Run</th><th>Runbook</th><th>Started</th><th>Result</th>'
            '<th>Worst RTO s</th><th>Worst RPO s</th><th>VMs passed</th></tr></thead><tbody>%s</tbody></table>'
            '<h2>RTO per VM (s)</h2><table><thead><tr><th>VM</th>%s<th>Latest change</th></tr></thead>'
            '<tbody>%s</tbody></table></section></body></html>\n' % (
                CSS, escape(", ".join(trend["plans"])), headline, _chart(trend["runs"]), rows,
                "".join("<th>%d</th>" % (i + 1) for i in range(len(trend["runs"]))), vm_rows))
