"""Writes the lab's recovery plan (plan.yml) and its secrets (secrets.yml) from the lab state file.

The plan holds no secret: site passwords go to secrets.yml as ``vmdr_site_passwords``, the shape a
vault file would have in production. Usage: python -m lab.plan [--run-dir DIR]
"""
import argparse
import json
import os

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PRIORITY = {"app-db-01": 1, "app-mq-01": 2}
LIVE_NETS = {"prod-web": "dr-web", "prod-db": "dr-db"}
# the web tier starts after the message queue; the second web server after the first (a wave later)
DEPENDS_ON = {"app-web-01": ["app-mq-01"], "app-web-02": ["app-web-01"]}
# the mixed plan's hook: one line per event in hooks.log
HOOK_TASKS = """---
- name: "Record the hook {{ vmdr_hook.event }}"
  ansible.builtin.lineinfile:
    path: "%(log)s"
    line: "{{ vmdr_hook.run_id }} {{ vmdr_hook.event }} {{ vmdr_hook.priority | default('-') }} {{ vmdr_hook.mode }} {{ vmdr_hook.vms | join(',') }}"
    create: true
    mode: "0644"
"""
# the task-file readiness check of the mixed plan's database
READINESS_TASKS = """---
- name: "{{ vmdr_readiness.vm }} came up at a planned address (production, recovery or test subnet)"
  ansible.builtin.assert:
    that: vmdr_readiness.address is match('10[.](10|20|99)[.][12][.]')
    fail_msg: "{{ vmdr_readiness.vm }} has address {{ vmdr_readiness.address }}, outside the plan's subnets"
  # a rerun that finds the VM recovered already has no new re-IP plan, so no address to check
  when: vmdr_readiness.address is not none

- name: "{{ vmdr_readiness.vm }}: the recovery site's service answers"
  ansible.builtin.uri:
    url: "%(url)s"
    ca_path: "%(ca)s"
    timeout: 10
  register: vmdr_readiness_about
  until: vmdr_readiness_about is succeeded
  retries: 5
  delay: 2
"""


def build(state):
    sites = {}
    for name, site in state["sites"].items():
        if site.get("provider") != "vsphere":
            continue
        sites[name] = {"provider": "vsphere", "role": site["role"], "hostname": site["hostname"],
                       "port": site["port"], "username": site["username"], "datacenter": site["datacenter"],
                       "ca_path": state["ca_file"], "validate_certs": True}
    recovery = state["sites"]["site-b"]
    vms = []
    for vm in state["vms"]:
        if vm["site"] != "site-a":
            continue
        entry = {"name": vm["name"], "provider": "vsphere", "priority": PRIORITY.get(vm["name"], 3)}
        if vm["name"] in DEPENDS_ON:
            entry["depends_on"] = DEPENDS_ON[vm["name"]]
        vms.append(entry)
    return {
        "plan": {"name": "vmdr-lab", "version": 1,
                 "description": "Two simulated vSphere sites: site-a protected, site-b recovery"},
        "protected_site": "site-a",
        "recovery_site": "site-b",
        "sites": sites,
        "policy": {"rpo": 15, "recovery_points": 3, "quiesce": False},
        "placement": {"cluster": recovery["cluster"], "datastore": recovery["datastore"],
                      "folder": recovery["replica_folder"]},
        "network_map": {"live": dict(LIVE_NETS), "test": "dr-test"},
        "reip": {
            "live": {"allow_sysprep": True, "rules": [
                {"source": "10.10.1.0/24", "target": "10.20.1.0/24", "gateway": "10.20.1.1", "dns": ["10.20.0.53"]},
                {"source": "10.10.2.0/24", "target": "10.20.2.0/24", "gateway": "10.20.2.1", "dns": ["10.20.0.53"]},
                {"source": "10.110.0.0/16", "target": "10.210.0.0/16", "gateway": "10.210.0.1"},
                {"source": "10.120.0.0/16", "target": "10.220.0.0/16", "gateway": "10.220.0.1"},
            ]},
            "back": {"allow_sysprep": True, "rules": [
                {"source": "10.20.1.0/24", "target": "10.10.1.0/24", "gateway": "10.10.1.1"},
                {"source": "10.20.2.0/24", "target": "10.10.2.0/24", "gateway": "10.10.2.1"},
                {"source": "10.210.0.0/16", "target": "10.110.0.0/16", "gateway": "10.110.0.1"},
                {"source": "10.220.0.0/16", "target": "10.120.0.0/16", "gateway": "10.120.0.1"},
            ]},
            "test": {"allow_sysprep": True, "rules": [
                {"source": "10.10.0.0/16", "target": "10.99.0.0/16", "gateway": "10.99.0.1"},
                {"source": "10.110.0.0/16", "target": "10.199.0.0/16", "gateway": "10.199.0.1"},
                {"source": "10.120.0.0/16", "target": "10.198.0.0/16", "gateway": "10.198.0.1"},
            ]},
        },
        "targets": {"rpo_seconds": 900, "rto_seconds": 600},
        "vms": sorted(vms, key=lambda v: (v["priority"], v["name"])),
    }


def build_hyperv(state):
    """The Hyper-V pair of the lab: hv-a1 (primary) replicates to hv-b1 (replica)."""
    hosts = state["hyperv"]["hosts"]
    sites = {}
    for name, host_name, role in (("hv-site-a", "hv-a1.lab.local", "protected"),
                                  ("hv-site-b", "hv-b1.lab.local", "recovery")):
        host = hosts[host_name]
        sites[name] = {"provider": "hyperv", "role": role, "hostname": host_name, "address": host["address"],
                       "port": host["port"], "username": host["username"], "transport": host["transport"],
                       "ca_path": state["ca_file"], "validate_certs": True}
    return {
        "plan": {"name": "vmdr-lab-hyperv", "version": 1,
                 "description": "Three simulated Hyper-V hosts: hv-a1 primary, hv-b1 replica"},
        "protected_site": "hv-site-a",
        "recovery_site": "hv-site-b",
        "sites": sites,
        "policy": {"rpo": 5, "recovery_points": 3, "quiesce": False},
        # hv-a1 must also accept replication from hv-b1 for the reverse of a planned failover
        "configure_replica_server": ["source"],
        "network_map": {"live": dict(LIVE_NETS), "test": "dr-test"},
        "reip": {
            "live": {"rules": [
                {"source": "10.10.1.0/24", "target": "10.20.1.0/24", "gateway": "10.20.1.1", "dns": ["10.20.0.53"]},
                {"source": "10.10.2.0/24", "target": "10.20.2.0/24", "gateway": "10.20.2.1", "dns": ["10.20.0.53"]},
            ]},
            # the simulator reports a replica's injected address only while it is failed over, so after the
            # reverse a VM shows its production address again: the last two rules keep it (on a real host the
            # guest holds 10.20.x and the first two rules apply)
            "back": {"rules": [
                {"source": "10.20.1.0/24", "target": "10.10.1.0/24", "gateway": "10.10.1.1"},
                {"source": "10.20.2.0/24", "target": "10.10.2.0/24", "gateway": "10.10.2.1"},
                {"source": "10.10.1.0/24", "target": "10.10.1.0/24", "gateway": "10.10.1.1"},
                {"source": "10.10.2.0/24", "target": "10.10.2.0/24", "gateway": "10.10.2.1"},
            ]},
            "test": {"rules": [{"source": "10.10.0.0/16", "target": "10.99.0.0/16", "gateway": "10.99.0.1"}]},
        },
        "targets": {"rpo_seconds": 300, "rto_seconds": 600},
        "vms": [{"name": "hv-db-01", "provider": "hyperv", "priority": 1},
                {"name": "hv-web-01", "provider": "hyperv", "priority": 2, "depends_on": ["hv-db-01"]}],
    }


def build_hyperv_kerberos(state):
    """The Hyper-V pair again, reached with Kerberos as in a domain: the modules log the admin's user principal on
    at the lab KDC (kinit) and ask for HTTP/<host name> tickets; the same site names, so secrets.yml serves both."""
    plan = build_hyperv(state)
    plan["plan"] = {"name": "vmdr-lab-hyperv-kerberos", "version": 1,
                    "description": "hv-a1 primary, hv-b1 replica, WinRM with Kerberos from the lab KDC (realm %s)"
                    % state["kerberos"]["realm"]}
    for site in plan["sites"].values():
        site.update(transport="kerberos", username=state["kerberos"]["principal"])
    return plan


def build_mixed(state, run_dir):
    """Both lab pairs in one plan: the vSphere VMs on site-a -> site-b, the Hyper-V VMs on hv-site-a -> hv-site-b.

    Each priority group holds VMs of both providers, and dependencies cross providers."""
    vsphere, hyperv = build(state), build_hyperv(state)
    plan = dict(vsphere)
    plan["plan"] = {"name": "vmdr-lab-mixed", "version": 1,
                    "description": "vSphere site-a -> site-b and Hyper-V hv-a1 -> hv-b1 in one plan"}
    plan["sites"] = dict(vsphere["sites"], **hyperv["sites"])
    plan["site_pairs"] = {"hyperv": {"protected_site": hyperv["protected_site"],
                                     "recovery_site": hyperv["recovery_site"],
                                     "policy": hyperv["policy"], "placement": {}, "reip": hyperv["reip"],
                                     "configure_replica_server": hyperv["configure_replica_server"]}}
    names = ("app-db-01", "app-web-01")
    vms = [vm for vm in vsphere["vms"] if vm["name"] in names]
    for vm in vms:
        vm.pop("depends_on", None)
    vms.append({"name": "hv-db-01", "provider": "hyperv", "priority": 1})
    vms.append({"name": "hv-web-01", "provider": "hyperv", "priority": 3, "depends_on": ["hv-db-01", "app-db-01"]})
    # readiness checks aim at endpoints the lab runs (the recovered guests themselves are simulated)
    site_b, hv_b1 = state["sites"]["site-b"], state["hyperv"]["hosts"]["hv-b1.lab.local"]
    readiness = {
        "app-db-01": [{"type": "tasks", "file": os.path.join(run_dir, "readiness-db.yml"), "timeout": 60}],
        "app-web-01": [{"type": "http", "url": "https://%s:%s/sdk/vimServiceVersions.xml"
                        % (site_b["hostname"], site_b["port"]), "ca_path": state["ca_file"], "timeout": 60,
                        "delay": 2}],
        "hv-web-01": [{"type": "tcp", "host": hv_b1["address"], "port": hv_b1["port"], "timeout": 60}],
    }
    for vm in vms:
        if vm["name"] in readiness:
            vm["readiness"] = readiness[vm["name"]]
    hook = os.path.join(run_dir, "hook.yml")
    plan["hooks"] = {"before_group": hook, "after_group": hook, "after_cleanup": hook}
    plan["vms"] = sorted(vms, key=lambda v: (v["priority"], v["name"]))
    return plan


def write(run_dir):
    with open(os.path.join(run_dir, "lab.json")) as handle:
        state = json.load(handle)
    plan_path = os.path.join(run_dir, "plan.yml")
    paths = [plan_path]
    plans = [(plan_path, build(state))]
    if state.get("hyperv"):
        paths.append(os.path.join(run_dir, "plan-hyperv.yml"))
        plans.append((paths[-1], build_hyperv(state)))
        paths.append(os.path.join(run_dir, "plan-mixed.yml"))
        plans.append((paths[-1], build_mixed(state, run_dir)))
    if state.get("hyperv") and state.get("kerberos"):
        paths.append(os.path.join(run_dir, "plan-hyperv-kerberos.yml"))
        plans.append((paths[-1], build_hyperv_kerberos(state)))
    for path, plan in plans:
        with open(path, "w") as handle:
            handle.write("# Recovery plan for the vmdr lab, generated by python -m lab.plan\n")
            yaml.safe_dump(plan, handle, sort_keys=False)
    if state.get("hyperv"):
        with open(os.path.join(run_dir, "hook.yml"), "w") as handle:
            handle.write(HOOK_TASKS % {"log": os.path.join(run_dir, "hooks.log")})
        site_b = state["sites"]["site-b"]
        with open(os.path.join(run_dir, "readiness-db.yml"), "w") as handle:
            handle.write(READINESS_TASKS % {"url": "https://%s:%s/about" % (site_b["hostname"], site_b["port"]),
                                            "ca": state["ca_file"]})
    secrets_path = os.path.join(run_dir, "secrets.yml")
    passwords = dict((name, site["password"]) for name, site in state["sites"].items() if site.get("password"))
    if state.get("hyperv"):
        hosts = state["hyperv"]["hosts"]
        passwords.update({"hv-site-a": hosts["hv-a1.lab.local"]["password"],
                          "hv-site-b": hosts["hv-b1.lab.local"]["password"]})
    fd = os.open(secrets_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("# Lab-only secrets; in production keep these in Ansible Vault\n")
        yaml.safe_dump({"vmdr_site_passwords": passwords}, handle)
    return paths + [secrets_path]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-dir", default=os.path.join(ROOT, "lab", "run"))
    args = parser.parse_args()
    for path in write(args.run_dir):
        print(path)


if __name__ == "__main__":
    main()
