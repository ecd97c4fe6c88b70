"""A drill of the lab's Hyper-V plan with WinRM over Kerberos: the modules log the admin on at the lab's MIT KDC
themselves (the password from secrets.yml), ask for HTTP/<host name> tickets although they connect to 127.0.0.1,
and the simulated hosts accept only those tickets."""
import glob
import json
import os
import re
import tempfile

import pytest
import yaml

from lab.hyperv.launch import lab_request
from tests.integration.lab_session import Lab

HOSTS = ("hv-a1.lab.local", "hv-b1.lab.local")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = Lab.start(str(tmp_path_factory.mktemp("kerberos-lab")))
    yield lab
    lab.stop()


def hyperv_stats(lab):
    site = {"lab_url": lab.state["hyperv"]["lab_url"], "username": lab.state["hyperv"]["hosts"][HOSTS[0]]["username"],
            "password": lab.state["hyperv"]["hosts"][HOSTS[0]]["password"]}
    return site, lab_request(site, "/stats", method="GET")["hosts"]


def issued(kdc_log):
    """(client, service) of every ticket the KDC issued."""
    with open(kdc_log) as handle:
        return re.findall(r"ISSUE: .*?, (\S+) for (\S+)$", handle.read(), re.M)


def test_a_kerberos_drill_of_the_hyperv_plan_passes_against_the_lab_kdc(lab, tmp_path):
    plan_file = os.path.join(lab.run_dir, "plan-hyperv-kerberos.yml")
    with open(plan_file) as handle:
        plan = yaml.safe_load(handle)
    assert set(site["transport"] for site in plan["sites"].values()) == {"kerberos"}
    assert set(site["username"] for site in plan["sites"].values()) == {"hvadmin@LAB.LOCAL"}
    kdc_log = os.path.join(lab.run_dir, "kdc", "kdc.log")
    tickets_before = len(issued(kdc_log))
    site, dummy = hyperv_stats(lab)
    lab_request(site, "/stats/reset")
    caches_before = set(glob.glob(os.path.join(tempfile.gettempdir(), "vmdr-krb5cc-*")))
    reports = tmp_path / "reports"
    # no ticket of the user's own: the modules must get theirs from the password
    env = {"KRB5_CONFIG": lab.state["kerberos"]["krb5_config"], "KRB5CCNAME": "FILE:" + str(tmp_path / "no-cache")}

    proc = lab.playbook("drill.yml", "-e", "vmdr_plan_file=%s" % plan_file, "-e", "vmdr_report_dir=%s" % reports,
                        env=env)

    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    report, dummy, dummy = proc.evidence
    assert report["plan"]["name"] == "vmdr-lab-hyperv-kerberos"
    [run] = os.listdir(str(reports))
    result = json.loads((reports / run / "result.json").read_text())
    assert result["result"] == "passed"
    by_name = dict((vm["name"], vm) for vm in result["vms"])
    assert sorted(by_name) == ["hv-db-01", "hv-web-01"]
    for vm in result["vms"]:
        assert vm["failed"] is False and vm["recovery_point"]
        assert set(n["network"] for n in vm["networks"]) == {"dr-test"}
        assert all(p["target_ip"].startswith("10.99.") for p in vm["reip"])
    assert sorted(result["cleanup"]["removed"]) == ["hv-db-01 - Test", "hv-web-01 - Test"]

    # every WinRM logon of the drill was Kerberos, on both hosts, with tickets the lab KDC issued for their SPNs
    site, stats = hyperv_stats(lab)
    for host in HOSTS:
        assert stats[host]["commands"] > 0
        assert stats[host].get("logons_kerberos", 0) > 0, stats[host]
        assert stats[host].get("logons_ntlm", 0) == 0 and stats[host].get("logons_basic", 0) == 0
        assert stats[host]["auth_failures"] == 0
    tickets = issued(kdc_log)[tickets_before:]
    assert ("hvadmin@LAB.LOCAL", "krbtgt/LAB.LOCAL@LAB.LOCAL") in tickets
    for host in HOSTS:
        assert ("hvadmin@LAB.LOCAL", "HTTP/%s@LAB.LOCAL" % host) in tickets
    assert not [t for t in tickets if "127.0.0.1" in t[1]]
    # the private ticket caches of the module runs are gone, and the user's cache was never written
    assert set(glob.glob(os.path.join(tempfile.gettempdir(), "vmdr-krb5cc-*"))) == caches_before
    assert not (tmp_path / "no-cache").exists()
    assert lab.state["hyperv"]["hosts"][HOSTS[0]]["password"] not in proc.stdout


def test_a_kerberos_drill_with_a_wrong_password_fails_at_connect_with_the_kdcs_reason(lab, tmp_path):
    plan_file = os.path.join(lab.run_dir, "plan-hyperv-kerberos.yml")
    secrets = tmp_path / "secrets.yml"
    secrets.write_text(yaml.safe_dump({"vmdr_site_passwords": {"hv-site-a": "not-the-password",
                                                               "hv-site-b": "not-the-password"}}))
    env = {"KRB5_CONFIG": lab.state["kerberos"]["krb5_config"], "KRB5CCNAME": "FILE:" + str(tmp_path / "no-cache")}
    proc = lab.playbook("drill.yml", "-e", "vmdr_plan_file=%s" % plan_file, "-e", "@%s" % secrets,
                        "-e", "vmdr_report_dir=%s" % (tmp_path / "reports"), env=env)
    assert proc.returncode != 0
    assert "Kerberos login of hvadmin@LAB.LOCAL failed: kinit: Password incorrect" in proc.stdout, proc.stdout[-4000:]
    assert "not-the-password" not in proc.stdout
