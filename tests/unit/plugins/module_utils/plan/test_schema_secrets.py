"""A plan holds no secret: secret-looking keys and private keys are refused wherever they are, without their value,
pointing to the vault; site passwords keep reaching the modules from vmdr_site_passwords (site_connection)."""
import copy

import pytest

from ansible_collections.vmdr.replication.plugins.filter.recovery_plan import plan_problems, site_connection

PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n"
PLAN = {"plan": {"name": "erp"}, "protected_site": "site-a", "recovery_site": "site-b",
        "sites": {"site-a": {"provider": "vsphere", "hostname": "vc-a", "username": "dr-svc@vsphere.local",
                             "ca_path": "/etc/pki/vmdr/ca.pem"},
                  "site-b": {"provider": "vsphere", "hostname": "vc-b"}},
        "vms": [{"name": "app-db-01", "priority": 1}]}


def plan():
    return copy.deepcopy(PLAN)


def secrets(problems):
    return [(p["path"], p["message"]) for p in problems if p["check"] == "secret"]


def test_a_site_password_is_refused_and_pointed_to_the_vault_without_its_value():
    broken = plan()
    broken["sites"]["site-a"]["password"] = "Hunter2-s3cret"
    problems = plan_problems(broken)
    assert secrets(problems) == [("sites.site-a", "'password' is a secret and a plan holds none: give the password "
                                  "of site 'site-a' as vmdr_site_passwords['site-a'] in an Ansible Vault file "
                                  "(-e @secrets.yml --ask-vault-pass) or an AWX credential")]
    assert len(problems) == 1 and "Hunter2" not in str(problems)


@pytest.mark.parametrize("key", ["password", "Password", "passwd", "pwd", "client_secret", "api_key", "apikey",
                                 "token", "auth-token", "private_key", "passphrase", "credentials"])
def test_every_secret_looking_key_of_a_site_is_refused(key):
    broken = plan()
    broken["sites"]["site-b"][key] = "x"
    assert [path for path, dummy in secrets(plan_problems(broken))] == ["sites.site-b"]


def test_secrets_are_refused_anywhere_in_the_plan_even_under_unknown_keys():
    broken = plan()
    broken["plan"]["token"] = "t"
    broken["vms"][0]["readiness"] = [{"type": "http", "url": "https://db/health", "password": "p"}]
    broken["notify"] = {"smtp": {"user": "dr", "smtp_password": "p"}, "hooks": [{"api_key": "k"}]}
    assert secrets(plan_problems(broken)) == [
        ("plan", "'token' looks like a secret and a plan holds none: keep it in an Ansible Vault file "
                 "(-e @secrets.yml --ask-vault-pass) or an AWX credential"),
        ("vms[0].readiness[0]", "'password' looks like a secret and a plan holds none: keep it in an Ansible "
                                "Vault file (-e @secrets.yml --ask-vault-pass) or an AWX credential"),
        ("notify.smtp", "'smtp_password' looks like a secret and a plan holds none: keep it in an Ansible Vault "
                        "file (-e @secrets.yml --ask-vault-pass) or an AWX credential"),
        ("notify.hooks[0]", "'api_key' looks like a secret and a plan holds none: keep it in an Ansible Vault file "
                            "(-e @secrets.yml --ask-vault-pass) or an AWX credential")]


def test_client_key_is_a_path_and_its_content_is_refused():
    good = plan()
    good["sites"]["site-a"].update(transport="certificate", client_cert="/etc/pki/vmdr/dr.crt",
                                   client_key="/etc/pki/vmdr/dr.key")
    assert plan_problems(good) == []
    broken = plan()
    broken["sites"]["site-a"]["client_key"] = PEM
    [problem] = plan_problems(broken)
    assert (problem["check"], problem["path"]) == ("secret", "sites.site-a")
    assert problem["message"].startswith("client_key holds a private key") and "MIIE" not in problem["message"]


def test_site_passwords_still_come_from_the_vault_file_through_site_connection():
    connection = site_connection(plan(), "site-a", {"site-a": "from-vault", "site-b": "other"})
    assert connection == {"name": "site-a", "hostname": "vc-a", "username": "dr-svc@vsphere.local",
                          "ca_path": "/etc/pki/vmdr/ca.pem", "password": "from-vault"}
