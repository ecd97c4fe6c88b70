# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The versioned JSON Schema of report.json (documented in docs/evidence.md), and a small checker of it.

The checker understands the subset of JSON Schema used here (type, required, properties, items, enum,
additionalProperties false) so reading a report needs no extra library; tests also validate with jsonschema.
A new field that readers may ignore keeps the version; renaming or removing one raises it.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

SCHEMA_ID = "https://github.com/vmdr-replication/vmdr.replication/schemas/run-report-2.json"
SCHEMA_VERSION = 2
SCHEMA_ID_1 = "https://github.com/vmdr-replication/vmdr.replication/schemas/run-report-1.json"

_TIME = {"type": ["string", "null"]}
_SECONDS = {"type": ["number", "null"]}
_RESULT = {"enum": ["passed", "failed", "incomplete", "check"]}
_RECOVERED_BY = {"type": ["object", "null"], "required": ["run_id", "started"],
                 "properties": {"run_id": {"type": ["string", "null"]}, "started": _TIME}}
_TARGET_CHECK = {
    "type": "object",
    "required": ["target_seconds", "worst_seconds", "met", "missed_by"],
    "properties": {"target_seconds": _SECONDS, "worst_seconds": _SECONDS, "met": {"type": ["boolean", "null"]},
                   "missed_by": {"type": "array", "items": {"type": "string"}}},
}
_STEP = {
    "type": "object",
    "required": ["step", "task", "started", "finished", "duration_seconds", "status"],
    "properties": {"step": {"type": "string"}, "task": {"type": "string"}, "started": _TIME, "finished": _TIME,
                   "duration_seconds": _SECONDS, "status": {"enum": ["ok", "changed", "failed"]},
                   "error": {"type": ["string", "null"]}, "vms": {"type": "integer"},
                   "failed_vms": {"type": "integer"}},
}
_VM = {
    "type": "object",
    "required": ["name", "priority", "provider", "result", "reasons", "recovery_point", "achieved_rpo_seconds",
                 "rpo_target_seconds", "ready_at", "rto_seconds", "rto_target_seconds", "recovered_by", "steps",
                 "readiness"],
    "properties": {
        "name": {"type": "string"},
        "priority": {"type": ["integer", "null"]},
        "provider": {"type": ["string", "null"]},
        "depends_on": {"type": "array", "items": {"type": "string"}},
        "in_plan": {"type": "boolean"},
        "result": _RESULT,
        "reasons": {"type": "array", "items": {"type": "string"}},
        "recovery_point": {"type": ["object", "null"],
                           "properties": {"id": {"type": ["string", "integer", "null"]}, "time": _TIME}},
        "achieved_rpo_seconds": _SECONDS,
        "rpo_target_seconds": _SECONDS,
        "ready_at": _TIME,
        "rto_seconds": _SECONDS,
        "rto_target_seconds": _SECONDS,
        "recovered_by": _RECOVERED_BY,
        "steps": {"type": "array", "items": _STEP},
        "readiness": {"type": "array", "items": {
            "type": "object", "required": ["check", "passed", "at"],
            "properties": {"check": {"type": "string"}, "passed": {"type": "boolean"}, "at": _TIME,
                           "elapsed_seconds": _SECONDS, "message": {"type": "string"}}}},
        "details": {"type": "object"},
    },
}
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SCHEMA_ID,
    "title": "vmdr.replication run report",
    "type": "object",
    "required": ["schema", "schema_version", "run", "plan", "sites", "summary", "groups", "steps", "errors", "vms"],
    "properties": {
        "schema": {"enum": [SCHEMA_ID]},
        "schema_version": {"enum": [SCHEMA_VERSION]},
        "run": {
            "type": "object",
            "required": ["id", "runbook", "mode", "status", "result", "check_mode", "resumed", "started", "finished",
                         "duration_seconds", "user", "controller", "awx", "versions"],
            "properties": {
                "id": {"type": "string"}, "runbook": {"type": "string"}, "mode": {"type": "string"},
                "status": {"enum": ["running", "complete", "interrupted"]}, "result": _RESULT,
                "check_mode": {"type": "boolean"},
                "resumed": {"type": ["object", "null"], "required": ["run_id", "started", "status", "result", "vms"],
                            "properties": {"run_id": {"type": ["string", "null"]}, "started": _TIME,
                                           "status": {"enum": ["running", "complete", "interrupted"]},
                                           "result": _RESULT, "vms": {"type": "array", "items": {"type": "string"}}}},
                "started": _TIME, "finished": _TIME, "duration_seconds": _SECONDS,
                "user": {"type": ["string", "null"]}, "controller": {"type": ["string", "null"]},
                "awx": {"type": ["object", "null"]}, "versions": {"type": "object"},
            },
        },
        "plan": {
            "type": "object",
            "required": ["name", "file", "sha256", "git", "targets"],
            "properties": {
                "name": {"type": ["string", "null"]}, "file": {"type": ["string", "null"]},
                "sha256": {"type": ["string", "null"]},
                "git": {"type": ["object", "null"], "properties": {"commit": {"type": "string"},
                                                                   "dirty": {"type": "boolean"}}},
                "targets": {"type": "object", "properties": {"rto_seconds": _SECONDS, "rpo_seconds": _SECONDS}},
            },
        },
        "sites": {"type": "array", "items": {
            "type": "object", "required": ["name", "role", "provider"],
            "properties": {"name": {"type": "string"}, "role": {"type": "string"},
                           "provider": {"type": "string"}}}},
        "summary": {
            "type": "object",
            "required": ["vms", "passed", "failed", "incomplete", "check", "rto", "rpo"],
            "properties": {"vms": {"type": "integer"}, "passed": {"type": "integer"}, "failed": {"type": "integer"},
                           "incomplete": {"type": "integer"}, "check": {"type": "integer"}, "rto": _TARGET_CHECK,
                           "rpo": _TARGET_CHECK},
        },
        "groups": {"type": "array", "items": {
            "type": "object", "required": ["priority", "vms", "started", "ready_at", "result"],
            "properties": {"priority": {"type": ["integer", "null"]},
                           "vms": {"type": "array", "items": {"type": "string"}},
                           "started": _TIME, "ready_at": _TIME, "result": _RESULT}}},
        "steps": {"type": "array", "items": _STEP},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["task", "at", "message"],
            "properties": {"task": {"type": "string"}, "at": _TIME, "message": {"type": "string"}}}},
        "vms": {"type": "array", "items": _VM},
    },
}


def upgrade(report):
    """A report of schema version 1 as version 2 (what version 1 could not say is false or unknown); any other
    document is returned as it is, for ``problems`` to judge."""
    if not isinstance(report, dict) or report.get("schema_version") != 1 or report.get("schema") != SCHEMA_ID_1:
        return report
    out = dict(report, schema=SCHEMA_ID, schema_version=SCHEMA_VERSION)
    out["run"] = dict(report.get("run") or {}, check_mode=False, resumed=None)
    out["summary"] = dict(report.get("summary") or {}, check=0)
    run = out["run"]
    # version 1 counted every RTO from the start of its own run
    by = {"run_id": run.get("id"), "started": run.get("started")}
    out["vms"] = [dict(vm, recovered_by=by if vm.get("rto_seconds") is not None else None) if isinstance(vm, dict)
                  else vm for vm in report.get("vms") or []]
    return out


_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def _is(value, kind):
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, _TYPES[kind])


def problems(value, schema=None, path="$"):
    """Every place where ``value`` breaks the schema, as 'path: what' lines (empty when valid)."""
    schema = SCHEMA if schema is None else schema
    found = []
    if "enum" in schema and value not in schema["enum"]:
        return ["%s: %r is not one of %s" % (path, value, schema["enum"])]
    kinds = schema.get("type")
    if kinds is not None:
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if not any(_is(value, k) for k in kinds):
            return ["%s: expected %s, found %s" % (path, " or ".join(kinds), type(value).__name__)]
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                found.append("%s: missing %s" % (path, key))
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                found.extend(problems(value[key], sub, "%s.%s" % (path, key)))
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            found.extend(problems(item, schema["items"], "%s[%d]" % (path, i)))
    return found
