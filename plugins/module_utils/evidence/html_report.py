# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""report.html: one self-contained page (inline CSS and SVG, no script, no external asset) with the
summary, a timeline of every VM's steps by priority group, and the details table."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
from html import escape

from ansible_collections.vmdr.replication.plugins.module_utils.evidence import timefmt

LABEL_W, CHART_W, ROW_H, GROUP_H, AXIS_H = 230, 880, 18, 24, 40
STEP_COLOURS = {"enable-replication": "#8da0cb", "sync": "#66c2a5", "status": "#b3b3b3", "network-map": "#e5c494",
                "re-ip": "#ffd92f", "test-failover": "#4c78a8", "planned-failover": "#4c78a8",
                "unplanned-failover": "#f58518", "reverse-replication": "#72b7b2", "cleanup": "#a6761d"}

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1d2733;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.meta{color:#56606b;font-size:13px}.cards{display:flex;flex-wrap:wrap;gap:12px;margin-top:14px}
.card{border:1px solid #d5dbe1;border-radius:6px;padding:10px 14px;min-width:150px}
.card .v{font-size:22px;font-weight:600}.card .k{font-size:12px;color:#56606b;text-transform:uppercase}
.badge{display:inline-block;padding:3px 10px;border-radius:12px;color:#fff;font-weight:600;font-size:14px}
.passed{background:#2e7d32}.failed{background:#c62828}.incomplete{background:#8d6e00}.check{background:#455a64}
.notice{border-left:4px solid #455a64;background:#eef2f4;padding:6px 10px;margin-top:10px;font-size:14px}
.met{color:#2e7d32}.missed{color:#c62828}
table{border-collapse:collapse;font-size:13px;width:100%}th,td{border-bottom:1px solid #e3e7eb;padding:4px 8px;
text-align:left;vertical-align:top}th{background:#f4f6f8}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.row-failed td{background:#fdecec}tr.row-incomplete td{background:#fff8e1}.legend span{display:inline-block;margin-right:14px;font-size:12px}
.legend i{display:inline-block;width:12px;height:10px;margin-right:4px;vertical-align:middle}
svg text{font-size:11px;fill:#1d2733}svg .grp{font-weight:600;font-size:12px}svg .tick{fill:#56606b}
.scroll{overflow-x:auto}@media print{.scroll{overflow:visible}}
"""


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")


def _secs(value):
    return "-" if value is None else ("%.1f s" % value if value < 120 else "%.1f min" % (value / 60.0))


def _target_card(title, check, key):
    worst, target = check["worst_seconds"], check["target_seconds"]
    state = "" if check["met"] is None else (" met" if check["met"] else " missed")
    verdict = "" if check["met"] is None else ("target met" if check["met"] else "target missed")
    return ('<div class="card" id="%s"><div class="k">%s worst / target</div><div class="v%s">%s / %s</div>'
            '<div class="k">%s</div></div>' % (key, escape(title), state, _secs(worst), _secs(target), verdict))


def _summary(report):
    run, plan, summary = report["run"], report["plan"], report["summary"]
    git = plan["git"] or {}
    awx = run["awx"] or {}
    who = escape(run["user"] or "unknown") + (" via AWX job %s" % escape(str(awx["job_id"])) if awx.get("job_id") else "")
    sites = ", ".join("%s (%s, %s)" % (escape(s["name"]), escape(s["role"]), escape(s["provider"]))
                      for s in report["sites"])
    opening = '<section id="summary" data-result="%s" data-check-mode="%s">' % (
        escape(run["result"]), "true" if run.get("check_mode") else "false")
    out = [opening,
           '<h1>%s: %s <span class="badge %s" id="result">%s</span></h1>' % (
               escape(plan["name"] or "Recovery plan"), escape(run["runbook"].replace("_", " ")),
               escape(run["result"]), escape(run["result"].upper())),
           '<div class="meta">Run <b>%s</b> (%s mode, %s) started %s, finished %s, by %s on %s.</div>' % (
               escape(run["id"] or "-"), escape(run["mode"] or "-"), escape(run["status"]),
               escape(run["started"] or "-"), escape(run["finished"] or "-"), who, escape(run["controller"] or "-")),
           '<div class="meta">Plan %s, sha256 %s%s. Sites: %s.</div>' % (
               escape(plan["file"] or "-"), escape((plan["sha256"] or "-")[:16]),
               (", git %s%s" % (escape(git["commit"][:12]), " (uncommitted changes)" if git.get("dirty") else ""))
               if git.get("commit") else "", sites or "-"),
           _notices(run),
           '<div class="cards">',
           '<div class="card" id="vm-counts"><div class="k">VMs passed / total</div><div class="v">%d / %d</div>'
           '<div class="k">%d failed, %d incomplete</div></div>'
           % (summary["passed"], summary["vms"], summary["failed"], summary["incomplete"]),
           _target_card("RTO", summary["rto"], "rto"),
           _target_card("RPO", summary["rpo"], "rpo"),
           '<div class="card" id="duration"><div class="k">Run duration</div><div class="v">%s</div></div>'
           % _secs(run["duration_seconds"]),
           '</div>']
    if report["errors"]:
        out.append('<h2>Errors</h2><ul id="errors">%s</ul>' % "".join(
            "<li><b>%s</b>: %s</li>" % (escape(e["task"]), escape(e["message"])) for e in report["errors"]))
    out.append("</section>")
    return "\n".join(out)


def _notices(run):
    """The check-run and resumed-run notices under the title (empty for a plain run)."""
    out = []
    if run.get("check_mode"):
        out.append('<div class="notice" id="check-run">Check run (<code>--check</code>): no change was made, so this '
                   'run reached no verdict and measured no RTO or RPO.</div>')
    resumed = run.get("resumed")
    if resumed:
        out.append('<div class="notice" id="resumed" data-run="%s">Resumes run <b>%s</b> (started %s, %s, %s). '
                   '%d VMs were recovered by it, and their recovery point, RPO and RTO are that run\'s: %s.</div>' % (
                       escape(resumed["run_id"] or "-"), escape(resumed["run_id"] or "-"),
                       escape(resumed["started"] or "-"), escape(resumed["status"]), escape(resumed["result"]),
                       len(resumed["vms"]), escape(", ".join(resumed["vms"]) or "none")))
    return "\n".join(out)


def _span(report):
    start = timefmt.parse(report["run"]["started"])
    ends = [timefmt.parse(report["run"]["finished"])]
    for vm in report["vms"]:
        ends += [timefmt.parse(s["finished"]) for s in vm["steps"]] + [timefmt.parse(vm["ready_at"])]
        ends += [timefmt.parse(c["at"]) for c in vm["readiness"]]
        if start is None:
            start = min([timefmt.parse(s["started"]) for s in vm["steps"]] or [None])
    ends = [e for e in ends if e is not None]
    if start is None:
        return None, None
    end = max(ends + [start + 1.0])
    target = report["plan"]["targets"].get("rto_seconds")
    if target is not None and float(target) <= (end - start) * 3:
        end = max(end, start + float(target) * 1.02)
    return start, end


def _ticks(span):
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200):
        if span / step <= 12:
            return step
    return 14400


def _timeline(report):
    start, end = _span(report)
    if start is None:
        return '<section id="timeline"><h2>Timeline</h2><p>No step was recorded.</p></section>'
    scale = CHART_W / (end - start)

    def x(epoch):
        return LABEL_W + max(0.0, (epoch - start) * scale)

    groups = report["groups"]
    by_name = dict((vm["name"], vm) for vm in report["vms"])
    rows = sum(GROUP_H + ROW_H * len(g["vms"]) for g in groups)
    height = AXIS_H + rows + 10
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" id="timeline-chart" width="%d" height="%d" role="img" '
             'aria-label="Timeline of every VM step">' % (LABEL_W + CHART_W + 20, height)]
    tick = _ticks(end - start)
    t = 0
    while t <= end - start:
        tx = LABEL_W + t * scale
        parts.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#eef1f4"/>' % (tx, AXIS_H - 6, tx, height))
        parts.append('<text class="tick" x="%.1f" y="%d" text-anchor="middle">%s</text>'
                     % (tx, AXIS_H - 10, "%ds" % t if tick < 60 else "%dm" % (t // 60)))
        t += tick
    target = report["plan"]["targets"].get("rto_seconds")
    beyond = target is not None and start + float(target) > end
    if beyond:
        parts.append('<text class="rto-beyond" x="%d" y="%d" text-anchor="end">RTO target %s is beyond the end '
                     'of this run</text>' % (LABEL_W + CHART_W, AXIS_H - 22 if AXIS_H > 22 else 10,
                                             _secs(float(target))))
    elif target is not None:
        tx = LABEL_W + float(target) * scale
        parts.append('<line class="rto-target" x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#c62828" '
                     'stroke-dasharray="5,4"><title>RTO target %s s</title></line>'
                     % (tx, AXIS_H - 6, tx, height, escape(str(target))))
    y = AXIS_H
    for group in groups:
        label = "Priority %s" % group["priority"] if group["priority"] is not None else "Not in the plan"
        parts.append('<g class="group" data-priority="%s"><rect x="0" y="%d" width="%d" height="%d" fill="#f4f6f8"/>'
                     '<text class="grp" x="6" y="%d">%s (%d VMs, %s)</text></g>'
                     % (escape(str(group["priority"])), y, LABEL_W + CHART_W + 20, GROUP_H - 4, y + 14,
                        escape(label), len(group["vms"]), escape(group["result"])))
        y += GROUP_H
        for name in group["vms"]:
            vm = by_name[name]
            parts.append('<g class="vm-row" data-vm="%s" data-result="%s"><text x="14" y="%d">%s</text>'
                         % (escape(name), escape(vm["result"]), y + 12, escape(name[:34])))
            for step in vm["steps"]:
                s0, s1 = timefmt.parse(step["started"]), timefmt.parse(step["finished"])
                if s0 is None or s1 is None:
                    continue
                colour = STEP_COLOURS.get(slug(step["step"]), "#9e9e9e")
                parts.append('<rect class="bar step-%s" data-vm="%s" data-step="%s" x="%.1f" y="%d" width="%.1f" '
                             'height="%d" rx="2" fill="%s"%s><title>%s: %s, %s to %s (%s)</title></rect>' % (
                                 slug(step["step"]), escape(name), escape(step["step"]), x(s0), y + 3,
                                 max(1.5, (s1 - s0) * scale), ROW_H - 6, colour,
                                 ' stroke="#c62828" stroke-width="2"' if step["status"] == "failed" else "",
                                 escape(name), escape(step["step"]), escape(step["started"]), escape(step["finished"]),
                                 escape(step["status"])))
            ready = timefmt.parse(vm["ready_at"])
            if ready is not None:
                rx = x(ready)
                parts.append('<path class="ready-marker" data-vm="%s" d="M%.1f %d l5 6 l-5 6 l-5 -6 z" fill="%s">'
                             '<title>%s ready at %s (RTO %s)</title></path>' % (
                                 escape(name), rx, y + 3, "#2e7d32" if vm["result"] == "passed" else "#c62828",
                                 escape(name), escape(vm["ready_at"]), _secs(vm["rto_seconds"])))
            parts.append("</g>")
            y += ROW_H
    parts.append("</svg>")
    steps = sorted(set(s["step"] for vm in report["vms"] for s in vm["steps"]))
    legend = "".join('<span><i style="background:%s"></i>%s</span>' % (STEP_COLOURS.get(slug(s), "#9e9e9e"),
                                                                       escape(s)) for s in steps)
    legend += '<span><i style="background:#2e7d32"></i>ready</span>'
    if target is not None:
        legend += '<span><i style="background:#c62828"></i>RTO target</span>'
    return ('<section id="timeline"><h2>Timeline by priority group</h2><div class="legend">%s</div>'
            '<div class="scroll">%s</div></section>' % (legend, "".join(parts)))


def _details(report):
    rows = []
    for vm in report["vms"]:
        point = vm["recovery_point"] or {}
        checks = vm["readiness"]
        by = (vm.get("recovered_by") or {}).get("run_id")
        rows.append(
            '<tr class="row-%s" data-vm="%s" data-result="%s" data-recovered-by="%s"><td>%s</td><td class="num">%s'
            '</td><td>%s</td><td>%s</td><td>%s</td><td class="num">%s</td><td class="num">%s</td><td>%s</td>'
            '<td>%s</td><td>%s</td></tr>' % (
                escape(vm["result"]), escape(vm["name"]), escape(vm["result"]), escape(by or ""), escape(vm["name"]),
                escape(str(vm["priority"])) if vm["priority"] is not None else "-", escape(vm["provider"] or "-"),
                escape(vm["result"]), escape(point.get("time") or "-"),
                _secs(vm["achieved_rpo_seconds"]), _secs(vm["rto_seconds"]),
                "this run" if by and by == report["run"]["id"] else escape(by or "-"),
                "%d/%d passed" % (len([c for c in checks if c["passed"]]), len(checks)) if checks else "-",
                "<br>".join(escape(r) for r in vm["reasons"]) or "-"))
    return ('<section id="details"><h2>Details</h2><table><thead><tr><th>VM</th><th>Priority</th><th>Provider</th>'
            '<th>Result</th><th>Recovery point</th><th>Achieved RPO</th><th>RTO</th><th>Recovered by</th>'
            '<th>Readiness</th><th>Why</th></tr></thead><tbody>%s</tbody></table></section>' % "\n".join(rows))


def render(report):
    title = "%s %s %s" % (report["plan"]["name"] or "plan", report["run"]["runbook"], report["run"]["result"])
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="generator" content="vmdr.replication evidence, schema %s">'
            '<title>%s</title><style>%s</style></head><body>\n%s\n%s\n%s\n</body></html>\n' % (
                report["schema_version"], escape(title), CSS, _summary(report), _timeline(report), _details(report)))
