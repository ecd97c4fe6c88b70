"""Unknown keys anywhere in a plan are refused with their path, their VM and the nearest valid key, all at once.

The plan goes through the plan_problems filter, the entry point of the preflight and of every runbook."""
import copy

from ansible_collections.vmdr.replication.plugins.filter.preflight import preflight_line
from ansible_collections.vmdr.replication.plugins.filter.recovery_plan import plan_problems

PLAN = {
    "plan": {"name": "erp", "version": 1, "description": ""},
    "protected_site": "site-a", "recovery_site": "site-b",
    "sites": {"site-a": {"provider": "vsphere", "role": "protected", "hostname": "vc-a", "port": 443},
              "site-b": {"provider": "vsphere", "role": "recovery", "hostname": "vc-b"},
              "hv-a": {"provider": "hyperv", "hostname": "hv-a", "transport": "kerberos"},
              "hv-b": {"provider": "hyperv", "hostname": "hv-b"}},
    "site_pairs": {"hyperv": {"protected_site": "hv-a", "recovery_site": "hv-b", "policy": {"rpo": 5},
                              "placement": {}, "configure_replica_server": ["source"]}},
    "policy": {"rpo": 15, "recovery_points": 3, "quiesce": False},
    "placement": {"cluster": "dr", "datastore": "ds"},
    "network_map": {"live": {"prod-db": "dr-db"}, "test": "dr-test"},
    "reip": {"test": {"rules": [{"source": "10.10.0.0/16", "target": "10.99.0.0/16", "gateway": "10.99.0.1"}]}},
    "targets": {"rpo_seconds": 900, "rto_seconds": 600},
    "capacity": {"reserve_percent": 20},
    "vms": [{"name": "app-db-01", "provider": "vsphere", "priority": 1,
             "readiness": [{"type": "tcp", "port": 5432}]},
            {"name": "hv-app-01", "provider": "hyperv", "priority": 2, "depends_on": ["app-db-01"],
             "readiness": [{"type": "http", "url": "https://app/health", "timeout": 300}]}],
}


def plan(**changes):
    out = copy.deepcopy(PLAN)
    out.update(changes)
    return out


def lines(problems):
    return [preflight_line(p) for p in problems]


def test_the_documented_example_plan_has_no_problem():
    assert plan_problems(plan()) == []


def test_typos_in_a_vm_entry_and_a_site_pair_are_refused_with_the_nearest_key():
    broken = plan()
    broken["vms"][0]["depend_on"] = broken["vms"][0].pop("readiness") and ["hv-app-01"]
    broken["vms"][1]["priorty"] = broken["vms"][1].pop("priority")
    broken["site_pairs"]["hyperv"]["polcy"] = broken["site_pairs"]["hyperv"].pop("policy")
    broken["polcy"] = broken.pop("policy")
    assert lines(plan_problems(broken)) == [
        "[schema] site_pairs.hyperv: unknown key 'polcy', did you mean 'policy'?",
        "[schema] vms[0] 'app-db-01': unknown key 'depend_on', did you mean 'depends_on'?",
        "[schema] vms[1] 'hv-app-01': unknown key 'priorty', did you mean 'priority'?",
        "[schema] top level: unknown key 'polcy', did you mean 'policy'?"]


def test_unknown_keys_are_refused_at_every_level():
    broken = plan()
    broken["plan"]["nmae"] = "erp"
    broken["sites"]["site-a"]["hostnme"] = "vc-a"
    broken["network_map"]["tset"] = "dr-test"
    broken["reip"]["test"]["rules"][0]["gatway"] = "10.99.0.1"
    broken["reip"]["live"] = {"rule": []}
    broken["vms"][0]["readiness"][0]["prot"] = broken["vms"][0]["readiness"][0].pop("port")
    broken["hooks"] = {"befor_group": "/srv/drain.yml"}
    broken["capacity"]["reserve"] = 10
    broken["targets"]["rto"] = 600
    broken["extra"] = {"anything": 1}
    assert [(p["path"], p["vm"], p["message"]) for p in plan_problems(broken)] == [
        ("plan", None, "unknown key 'nmae', did you mean 'name'?"),
        ("sites.site-a", None, "unknown key 'hostnme', did you mean 'hostname'?"),
        ("network_map", None, "unknown key 'tset', did you mean 'test'?"),
        ("reip.test.rules[0]", None, "unknown key 'gatway', did you mean 'gateway'?"),
        ("reip.live", None, "unknown key 'rule', did you mean 'rules'?"),
        ("targets", None, "unknown key 'rto', did you mean 'rto_seconds'?"),
        ("capacity", None, "unknown key 'reserve', did you mean 'reserve_percent'?"),
        ("vms[0].readiness[0]", "app-db-01", "unknown key 'prot', did you mean 'port'?"),
        ("vms[0].readiness[0]", "app-db-01", "missing key 'port'"),
        ("hooks", None, "unknown key 'befor_group', did you mean 'before_group'?"),
        ("", None, "unknown key 'extra' (known keys: capacity, configure_replica_server, hooks, network_map, "
                   "placement, plan, policy, protected_site, recovery_site, reip, site_pairs, sites, targets, vms)"),
    ]


def test_a_readiness_key_of_another_check_type_is_refused():
    broken = plan()
    broken["vms"][0]["readiness"][0]["url"] = "https://db"
    assert lines(plan_problems(broken)) == [
        "[schema] vms[0].readiness[0] 'app-db-01': unknown key 'url' (known keys: delay, host, port, timeout, type)"]
