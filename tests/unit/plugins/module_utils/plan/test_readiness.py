from ansible_collections.vmdr.replication.plugins.module_utils.plan.ordering import plan_problems
from ansible_collections.vmdr.replication.plugins.module_utils.plan.readiness import checks, outcomes

PLAN = {"protected_site": "a", "recovery_site": "b", "sites": {"a": {}, "b": {}}, "vms": [
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
    plan = dict(PLAN, vms=[{"name": "db", "readiness": [{"type": "ping"}, {"type": "http"}]},
                           {"name": "web", "readiness": "tcp"}])
    assert [p["message"] for p in plan_problems(plan)] == [
        "readiness check 0 has type 'ping'; use tcp, http or tasks", "readiness check 1 (http) needs url",
        "readiness must be a list"]
