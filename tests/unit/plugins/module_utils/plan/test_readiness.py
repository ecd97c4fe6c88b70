import os

import pytest
import yaml
from ansible.errors import AnsibleTemplateError
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

from ansible_collections.vmdr.replication.plugins.module_utils.plan.readiness import checks, outcomes
from ansible_collections.vmdr.replication.plugins.filter.recovery_plan import plan_problems

PLAN = {"plan": {"name": "t"}, "protected_site": "a", "recovery_site": "b", "sites": {"a": {}, "b": {}}, "vms": [
    {"name": "db", "readiness": [{"type": "tcp", "port": 5432}, {"type": "tasks", "file": "db.yml", "timeout": 30}]},
    {"name": "web", "readiness": [{"type": "http", "url": "https://web/health", "delay": 10, "timeout": 60}]},
    {"name": "mq"}]}


def test_checks_expand_per_vm_that_did_not_fail_with_the_recovered_address_as_default_host():
    results = [{"name": "db", "failed": False, "reip": [{"index": 0, "target_ip": "10.20.2.21"}]},
               {"name": "web", "failed": True}, {"name": "mq", "failed": False}]
    assert checks(PLAN, results, 300) == [
        {"vm": "db", "address": "10.20.2.21", "timeout": 300, "delay": 5, "retries": 60, "host": "10.20.2.21",
         "port": 5432, "check": {"type": "tcp", "target": "10.20.2.21:5432"}},
        {"vm": "db", "address": "10.20.2.21", "timeout": 30, "delay": 5, "retries": 6, "file": "db.yml",
         "check": {"type": "tasks", "target": "db.yml"}}]
    [web] = checks(PLAN, [{"name": "web", "failed": False}], 300)
    assert (web["retries"], web["status"], web["validate_certs"], web["check"]) == (
        6, 200, True, {"type": "http", "target": "https://web/health"})


def test_outcomes_have_vm_check_passed_elapsed_and_message():
    tcp = {"results": [{"item": {"vm": "db", "check": {"type": "tcp", "target": "h:1"}}, "elapsed": 3},
                       {"item": {"vm": "db2", "check": {"type": "tcp", "target": "h:2"}}, "elapsed": 9,
                        "failed": True, "msg": "Timeout when waiting for h:2"},
                       {"item": {"vm": "x"}, "skipped": True}]}
    http = {"results": [{"item": {"vm": "web", "check": {"type": "http", "target": "u"}, "delay": 10},
                         "elapsed": 1, "attempts": 3, "msg": "OK (10 bytes)"}]}
    assert outcomes(tcp, http, {}) == [
        {"vm": "db", "check": {"type": "tcp", "target": "h:1"}, "passed": True, "elapsed_seconds": 3.0,
         "message": "ready"},
        {"vm": "db2", "check": {"type": "tcp", "target": "h:2"}, "passed": False, "elapsed_seconds": 9.0,
         "message": "Timeout when waiting for h:2"},
        {"vm": "web", "check": {"type": "http", "target": "u"}, "passed": True, "elapsed_seconds": 21.0,
         "message": "OK (10 bytes)"}]


def test_malformed_checks_are_plan_problems():
    plan = dict(PLAN, vms=[{"name": "db", "readiness": [{"type": "ping"}, {"type": "http"}, {"port": 1},
                                                        {"type": "tcp", "port": 0, "timeout": -1, "delay": "5"}]},
                           {"name": "web", "readiness": "tcp"}])
    assert [(p["path"], p["vm"], p["message"]) for p in plan_problems(plan)] == [
        ("vms[0].readiness[0]", "db", "type must be one of tcp, http, tasks, got 'ping' (a string)"),
        ("vms[0].readiness[1]", "db", "missing key 'url'"),
        ("vms[0].readiness[2]", "db", "missing key 'type' (tcp, http, tasks)"),
        ("vms[0].readiness[3]", "db", "port must be an integer from 1 to 65535, got 0"),
        ("vms[0].readiness[3]", "db", "timeout must be a positive number, got -1"),
        ("vms[0].readiness[3]", "db", "delay must be a positive number, got '5' (a string)"),
        ("vms[1]", "web", "readiness must be a list, got 'tcp' (a string)")]


# ---- the drill's wave failure message (roles/drill/tasks/wave.yml), rendered with ansible's Templar

ROLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "..", "roles")
NOT_READY = "not ready: readiness tcp 127.0.0.1:1: Timeout when waiting for 127.0.0.1:1"
WAVE = {
    "_drill_wave": {"priority": 1, "wave": 1, "vms": ["app-db-01", "hv-db-01"]},
    "_drill_group": {"results": [{"failed": False, "vms": [{"name": "app-db-01", "failed": False}]},
                                 {"failed": False, "vms": [{"name": "hv-db-01", "failed": False}]}]},
    "_drill_results": [{"name": "app-db-01", "failed": False, "priority": 1, "wave": 1},
                       {"name": "hv-db-01", "failed": True, "priority": 1, "wave": 1, "error": {"message": NOT_READY}}],
}


def stop_task():
    with open(os.path.join(ROLES, "drill", "tasks", "wave.yml")) as handle:
        tasks = yaml.safe_load(handle)
    [task] = [t for t in tasks if "stop when a VM failed" in t["name"]]
    return task


def render(variables, template, conditional=False):
    trusted = dict((k, trust_as_template(v) if isinstance(v, str) else v) for k, v in variables.items())
    templar = Templar(loader=DataLoader(), variables=trusted)
    if conditional:
        return templar.evaluate_conditional(trust_as_template(template))
    return templar.template(trust_as_template(template))


def test_the_old_wave_message_was_a_template_error():
    # the filters after "+" bound to the second list only: list + str
    old = ("Wave failed: {{ (_drill_group.results | select('failed') | map(attribute='msg', default='') | list)"
           " + (_drill_results | selectattr('wave', 'eq', _drill_wave.wave)"
           " | selectattr('priority', 'eq', _drill_wave.priority) | selectattr('failed')"
           " | map(attribute='error.message', default='') | list) | unique | join('; ') }}")
    with pytest.raises(AnsibleTemplateError, match="can only concatenate list"):
        render(WAVE, old)


def test_a_failed_wave_stops_with_the_reason_of_each_failed_vm():
    task = stop_task()
    variables = dict(WAVE, **task.get("vars", {}))
    assert render(variables, task["when"], conditional=True) is True
    assert render(variables, task["ansible.builtin.fail"]["msg"]) == "Wave failed: hv-db-01: " + NOT_READY
    # a call that failed without per-VM results is one failed entry (batch_vm_results) carrying the call's message
    refused = dict(variables, _drill_results=[{"name": "app-db-01,hv-db-01", "failed": True, "priority": 1, "wave": 1,
                                               "error": {"message": "site 'site-b': login failed"}}])
    assert render(refused, task["ansible.builtin.fail"]["msg"]) == (
        "Wave failed: app-db-01,hv-db-01: site 'site-b': login failed")
    passed = dict(variables, _drill_results=WAVE["_drill_results"][:1])
    assert render(passed, task["when"], conditional=True) is False
