"""A planned failover or a failback that fails part-way resumes: the rerun skips what is done and finishes the rest.

The mixed plan's after-group hook of priority 1 makes the next Start-VMFailover on the receiving Hyper-V host
fail: app-db-01, hv-db-01 and app-web-01 move, hv-web-01 does not. Rerunning the same playbook completes: VMs
moved already are neither reversed nor failed over again (changed=false), hv-web-01 follows, no VM runs at both
sites at any observed moment, and after the failback every VM replicates healthily from its protected site.
"""
import os

import yaml

from tests.integration import vcenter
from tests.integration.hyperv.hv_session import A, B
from tests.integration import test_mixed_plan
from tests.integration.test_mixed_plan import HYPERV, VSPHERE, assert_home, hv_state, run

# a private lab of both providers for this module (the fixture of the mixed plan's tests)
mixed = test_mixed_plan.mixed

INJECT = """---
- name: "Lab: make the next Start-VMFailover on the host named in the marker file fail (once)"
  ansible.builtin.uri:
    url: "%(url)s/fault"
    method: POST
    url_username: "%(user)s"
    url_password: "%(password)s"
    force_basic_auth: true
    ca_path: "%(ca)s"
    body_format: json
    body: {"host": "{{ lookup('ansible.builtin.file', '%(marker)s') }}", "cmdlet": "Start-VMFailover", "error_id": "OperationFailed",
           "message": "Injected: the replica host lost its storage path.", "count": 1}
  when: vmdr_hook.mode == 'planned' and vmdr_hook.priority | int == 1 and '%(marker)s' is file
  no_log: true

- name: "Lab: the fault is injected once"
  ansible.builtin.file:
    path: "%(marker)s"
    state: absent
  when: vmdr_hook.mode == 'planned' and vmdr_hook.priority | int == 1
"""


def running_sites(lab):
    """{vm: [sites where it runs]} for every VM of the plan."""
    out = {}
    for name in VSPHERE:
        out[name] = [site for site, si in (("site-a", lab.a), ("site-b", lab.b))
                     if vcenter.one(si, name)["runtime.powerState"] == "poweredOn"]
    for name in HYPERV:
        out[name] = [host for host in (A, B) if hv_state(lab, host, name)["state"] == "Running"]
    return out


def fail_part_way(lab, playbook, marker, host):
    """Runs ``playbook`` with the next Start-VMFailover on ``host`` failing after priority group 1."""
    with open(marker, "w") as handle:
        handle.write(host)
    proc = lab.playbook(playbook)
    assert proc.returncode != 0, proc.stdout[-3000:]
    # located at the engine's step; the Hyper-V step that failed leads the message
    assert "VM 'hv-web-01', site '%s', step 'promote replica': " % ("hv-site-b" if host == B else "hv-site-a") \
        in proc.stdout and "Injected: the replica host lost its storage path." in proc.stdout, proc.stdout[-4000:]
    assert not os.path.exists(marker)
    return running_sites(lab)


def test_planned_failover_and_failback_resume_after_a_partial_failure(mixed):
    lab = mixed
    marker = os.path.join(lab.run_dir, "inject-fault")
    site = lab.hv.site
    hook = os.path.join(lab.run_dir, "inject-hook.yml")
    with open(hook, "w") as handle:
        handle.write(INJECT % {"url": site["lab_url"], "user": site["username"], "password": site["password"],
                               "ca": lab.state["ca_file"], "marker": marker})
    plan = yaml.safe_load(open(lab.plan_file))
    plan["hooks"]["after_group"] = {1: hook}
    lab.plan_file = os.path.join(lab.run_dir, "plan-resume.yml")
    with open(lab.plan_file, "w") as handle:
        yaml.safe_dump(plan, handle)
    run(lab, "enable_replication.yml")

    # planned failover: group 1 and app-web-01 reach the recovery site, hv-web-01 does not
    where = fail_part_way(lab, "planned_failover.yml", marker, B)
    assert (where["app-db-01"], where["hv-db-01"], where["app-web-01"]) == (["site-b"], [B], ["site-b"]), where
    assert len(where["hv-web-01"]) <= 1, where
    rerun = run(lab, "planned_failover.yml")
    assert "ok: [localhost] => (item=vsphere site-a -> site-b: app-db-01)" in rerun.stdout
    assert "ok: [localhost] => (item=hyperv hv-site-a -> hv-site-b: hv-db-01)" in rerun.stdout
    assert "changed: [localhost] => (item=hyperv hv-site-a -> hv-site-b: hv-web-01)" in rerun.stdout
    assert running_sites(lab) == dict((n, ["site-b"] if n in VSPHERE else [B]) for n in VSPHERE + HYPERV)

    # failback: the same fault on the way home
    where = fail_part_way(lab, "failback.yml", marker, A)
    assert (where["app-db-01"], where["hv-db-01"], where["app-web-01"]) == (["site-a"], [A], ["site-a"]), where
    assert len(where["hv-web-01"]) <= 1, where
    rerun = run(lab, "failback.yml")
    # VMs home already are not reversed again nor failed over again (changed=false); hv-web-01 goes home
    assert "ok: [localhost] => (item=vsphere site-b -> site-a: app-db-01, app-web-01)" in rerun.stdout
    assert "ok: [localhost] => (item=hyperv hv-site-b -> hv-site-a: hv-db-01, hv-web-01)" in rerun.stdout
    assert "ok: [localhost] => (item=vsphere site-b -> site-a: app-db-01)" in rerun.stdout
    assert "ok: [localhost] => (item=hyperv hv-site-b -> hv-site-a: hv-db-01)" in rerun.stdout
    assert "changed: [localhost] => (item=hyperv hv-site-b -> hv-site-a: hv-web-01)" in rerun.stdout
    assert_home(lab)
    # a third run finds everything done
    again = run(lab, "failback.yml")
    assert "changed: [localhost] => (item=" not in again.stdout, again.stdout[-3000:]
    assert_home(lab)
