"""Kerberos in the lab: the MIT KDC the lab runs (lab/kdc.py) and the simulator accepting its tickets next to NTLM and
Basic, through real pywinrm (raw Kerberos tokens, as pykerberos sends them) and pyspnego (SPNEGO-wrapped)."""
from __future__ import annotations

import base64
import hashlib
import importlib
import os
import subprocess

import pytest
import requests
import spnego
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from spnego.channel_bindings import GssChannelBindings
import winrm
from winrm.encryption import Encryption
from winrm.exceptions import InvalidCredentialsError
from winrm.vendor.requests_kerberos.exceptions import KerberosExchangeError

from .conftest import A, B, C, load_launch, make_throwaway_ca

USER, PASSWORD = "hvadmin", "Lab-HyperV-2024!"
PRINCIPAL = "hvadmin@LAB.LOCAL"
WHO = "\"$env:USERNAME on $env:COMPUTERNAME\""


class Realm:
    def __init__(self, run_dir, kdc, launch, info, site, pki):
        self.run_dir, self.kdc, self.launch, self.info, self.site, self.pki = run_dir, kdc, launch, info, site, pki
        self.ccache = "FILE:" + os.path.join(run_dir, "client-ccache")

    def env(self, **extra):
        env = dict(os.environ, KRB5_CONFIG=self.info["krb5_config"], KRB5CCNAME=self.ccache)
        env.update(extra)
        return env

    def kinit(self, password=PASSWORD, ccache=None):
        return subprocess.run(["kinit", PRINCIPAL], input=password + "\n", text=True, capture_output=True,
                              env=self.env(KRB5CCNAME=ccache or self.ccache), check=False)

    def url(self, host, scheme):
        h = self.site["hosts"][host]
        return "%s://127.0.0.1:%d/wsman" % (scheme, h["https_port"] if scheme == "https" else h["http_port"])

    def session(self, host, scheme="http", spn_host=None, **kw):
        return winrm.Session(self.url(host, scheme), auth=(PRINCIPAL, None), transport="kerberos",
                             kerberos_hostname_override=spn_host or host, server_cert_validation="validate",
                             ca_trust_path=self.pki["ca"], **kw)

    def stats(self, host):
        return self.launch.lab_request(self.site, "/stats", method="GET")["hosts"][host]


@pytest.fixture(scope="module")
def realm(tmp_path_factory):
    launch = load_launch()
    kdc = importlib.import_module(launch.__name__.rsplit(".", 2)[0] + ".kdc")
    run_dir = str(tmp_path_factory.mktemp("kerberos-lab"))
    pki = make_throwaway_ca(run_dir)
    info = kdc.start_kdc(run_dir, ["HTTP/" + h for h in (A, B, C)], {USER: PASSWORD})
    site = launch.start_site(run_dir, cert=pki["cert"], key=pki["key"], fresh=True, kerberos=info)
    lab = Realm(run_dir, kdc, launch, info, site, pki)
    assert lab.kinit().returncode == 0
    try:
        yield lab
    finally:
        launch.stop_site(run_dir)
        kdc.remove_kdc(run_dir)


@pytest.fixture
def client(realm, monkeypatch):
    """pykerberos reads the realm and the ticket cache from the environment of this process."""
    monkeypatch.setenv("KRB5_CONFIG", realm.info["krb5_config"])
    monkeypatch.setenv("KRB5CCNAME", realm.ccache)
    return realm


def test_the_kdc_issues_tickets_for_the_admin_and_the_host_spns_and_refuses_a_wrong_password(realm, tmp_path):
    ccache = "FILE:" + str(tmp_path / "cc")
    wrong = realm.kinit("not-the-password", ccache=ccache)
    assert wrong.returncode != 0 and "Password incorrect" in wrong.stderr
    assert realm.kinit(ccache=ccache).returncode == 0
    listed = subprocess.run(["klist"], env=realm.env(KRB5CCNAME=ccache), capture_output=True, text=True, check=True)
    assert "Default principal: hvadmin@LAB.LOCAL" in listed.stdout and "krbtgt/LAB.LOCAL@LAB.LOCAL" in listed.stdout
    kvno = subprocess.run(["kvno"] + ["HTTP/%s" % h for h in (A, B, C)], env=realm.env(KRB5CCNAME=ccache),
                          capture_output=True, text=True, check=False)
    assert kvno.returncode == 0, kvno.stderr
    assert kvno.stdout.count("kvno = 1") == 3
    # the keytab the simulator uses holds exactly the hosts' service keys
    keys = subprocess.run(["klist", "-k", realm.info["keytab"]], env=realm.env(), capture_output=True, text=True,
                          check=True).stdout
    assert {line.split()[1] for line in keys.splitlines()[3:]} == {"HTTP/%s@LAB.LOCAL" % h for h in (A, B, C)}


def _system_kerberos_files():
    found = {}
    for path in ["/etc/krb5.conf"] + [os.path.join(d, n) for d in ("/etc/krb5kdc", "/var/lib/krb5kdc")
                                      if os.path.isdir(d) for n in os.listdir(d)]:
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                found[path] = hashlib.sha256(handle.read()).hexdigest()
    return found


def test_the_kdc_is_idempotent_restarts_with_the_same_keys_and_port_and_keeps_to_its_run_dir(realm, tmp_path):
    system = _system_kerberos_files()
    again = realm.kdc.start_kdc(realm.run_dir, ["HTTP/" + A], {USER: PASSWORD})
    assert again["pid"] == realm.info["pid"] and again["port"] == realm.info["port"]
    realm.kdc.stop_kdc(realm.run_dir)
    assert realm.kdc.kdc_info(realm.run_dir) is None
    restarted = realm.kdc.start_kdc(realm.run_dir, [], {USER: PASSWORD})
    assert restarted["pid"] != realm.info["pid"] and restarted["port"] == realm.info["port"]
    assert restarted["services"] == sorted("HTTP/" + h for h in (A, B, C))
    realm.info.update(restarted)
    ccache = "FILE:" + str(tmp_path / "cc")
    assert realm.kinit(ccache=ccache).returncode == 0
    # the keys did not change (the keytab is exported again without new keys): kvno 1, and the simulator,
    # which read the keytab before the restart, still accepts tickets
    assert subprocess.run(["kvno", "HTTP/" + A], env=realm.env(KRB5CCNAME=ccache), capture_output=True, text=True,
                          check=False).stdout.strip().endswith("kvno = 1")
    assert _system_kerberos_files() == system
    for name in ("krb5.conf", "kdc.conf", "principal", "stash", "http.keytab", "kdc.log"):
        assert os.path.exists(os.path.join(realm.run_dir, "kdc", name)), name


def test_the_host_map_offers_kerberos_and_names_each_hosts_spn(realm):
    for name in (A, B, C):
        host = realm.site["hosts"][name]
        assert host["transports"] == ["basic", "ntlm", "kerberos"]
        assert host["spn"] == "HTTP/%s@LAB.LOCAL" % name and host["realm"] == "LAB.LOCAL"


def test_kerberos_over_http_seals_every_message_both_ways(client):
    before = client.stats(A).get("logons_kerberos", 0)
    session = client.session(A, "http")
    # output above ~96 KB comes back in several Receive answers: each one is sealed on its own
    res = session.run_ps(WHO + "; 'ü' * 3; 'x' * 120000")
    assert res.status_code == 0, res.std_err
    lines = res.std_out.decode("cp437").splitlines()
    assert lines[0] == "hvadmin on HV-A1" and len(lines[-1]) == 120000
    assert session.protocol.transport.encryption is not None
    assert client.stats(A)["logons_kerberos"] == before + 1


def test_kerberos_over_http_without_message_encryption_is_refused(client):
    with pytest.raises(InvalidCredentialsError):
        client.session(A, "http", message_encryption="never").run_ps("1")


def test_kerberos_over_https_with_channel_binding_and_mutual_authentication(client):
    res = client.session(B, "https").run_ps(WHO)
    assert res.status_code == 0 and res.std_out == b"hvadmin on HV-B1\r\n"


def test_a_ticket_for_another_host_is_refused(client):
    failures = client.stats(B)["auth_failures"]
    with pytest.raises(InvalidCredentialsError):
        client.session(B, "http", spn_host=A).run_ps("1")
    assert client.stats(B)["auth_failures"] > failures  # pywinrm tries the ticket more than once


def test_a_client_without_a_ticket_gets_401_and_the_offered_schemes(client, tmp_path, monkeypatch):
    url = client.url(A, "http")
    answer = requests.post(url, data=b"<x/>", headers={"Content-Type": "application/soap+xml;charset=UTF-8"})
    assert answer.status_code == 401
    assert answer.raw.headers.getlist("WWW-Authenticate") == ["Negotiate", "Kerberos", 'Basic realm="WSMAN"']
    garbage = requests.post(url, data=b"", headers={"Authorization": "Kerberos " + base64.b64encode(b"\x60\x03junk")
                                                    .decode()})
    assert garbage.status_code == 401
    monkeypatch.setenv("KRB5CCNAME", "FILE:" + str(tmp_path / "empty"))
    with pytest.raises(KerberosExchangeError, match="authGSSClientInit"):
        client.session(A, "http").run_ps("1")


def test_ntlm_and_basic_still_work_next_to_kerberos(client):
    h = client.site["hosts"][A]
    ntlm = winrm.Session(client.url(A, "http"), auth=(USER, PASSWORD), transport="ntlm")
    assert ntlm.run_ps(WHO).std_out == b"hvadmin on HV-A1\r\n"
    basic = winrm.Session(h["endpoint"], auth=(USER, PASSWORD), transport="ssl", ca_trust_path=client.pki["ca"])
    assert basic.run_ps(WHO).std_out == b"hvadmin on HV-A1\r\n"


def _end_point(pem_path):
    """RFC 5929 tls-server-end-point bindings of a SHA-256 signed certificate."""
    with open(pem_path, "rb") as handle:
        der = x509.load_pem_x509_certificate(handle.read()).public_bytes(serialization.Encoding.DER)
    return GssChannelBindings(application_data=b"tls-server-end-point:" + hashlib.sha256(der).digest())


def _logon(url, context, ca):
    """One Negotiate exchange on one connection; the final HTTP status."""
    http = requests.Session()
    http.trust_env = False
    token = context.step()
    while True:
        answer = http.post(url, data=b"", verify=ca,
                           headers={"Authorization": "Negotiate " + base64.b64encode(token).decode()})
        replies = [h.split(" ", 1)[1] for h in answer.raw.headers.getlist("WWW-Authenticate")
                   if h.startswith("Negotiate ")]
        if answer.status_code != 401 or not replies:
            return answer.status_code
        token = context.step(base64.b64decode(replies[0]))


@pytest.mark.parametrize("protocol", ["kerberos", "ntlm"])
def test_https_logons_are_bound_to_the_tls_channel(client, protocol):
    url = client.url(A, "https")

    def context(bindings):
        if protocol == "ntlm":
            return spnego.client(USER, PASSWORD, hostname=A, protocol="ntlm", channel_bindings=bindings)
        return spnego.client(hostname=A, service="HTTP", protocol="kerberos", channel_bindings=bindings)

    assert _logon(url, context(_end_point(client.pki["cert"])), client.pki["ca"]) == 200
    # no bindings at all: Kerberos accepts them, as Windows' default hardening level (Relaxed) does; pyspnego's NTLM
    # acceptor refuses an NTLM token without the bindings field (Strict), which pywinrm always sends over HTTPS
    assert _logon(url, context(None), client.pki["ca"]) == (200 if protocol == "kerberos" else 401)
    # bound to another certificate, as a token relayed through a TLS-terminating proxy would be
    assert _logon(url, context(_end_point(client.pki["ca"])), client.pki["ca"]) == 401


class _SealWith(requests.auth.AuthBase):
    """What pywinrm's Encryption needs of session.auth (wrap_winrm/unwrap_winrm), over a pyspnego context."""

    def __init__(self, context):
        self.context = context

    def __call__(self, request):
        return request

    def wrap_winrm(self, host, message):
        wrapped = self.context.wrap_winrm(message)
        return wrapped.data, wrapped.header

    def unwrap_winrm(self, host, message, header):
        return self.context.unwrap_winrm(header, message)


class SpnegoTransport:
    """A WinRM client that authenticates with SPNEGO-wrapped Kerberos (as Windows and pyspnego clients do) and seals
    messages with the label given."""

    def __init__(self, url, host, label):
        self.url = url
        self.http = requests.Session()
        # the context belongs to the TCP connection: no environment settings that would open another pool
        self.http.trust_env = False
        self.context = spnego.client(hostname=host, service="HTTP", protocol="negotiate")
        token = base64.b64encode(self.context.step()).decode()
        answer = self.http.post(url, data=b"", headers={"Authorization": "Negotiate " + token})
        assert answer.status_code == 200, answer.headers
        scheme, _, reply = answer.headers["WWW-Authenticate"].partition(" ")
        assert scheme == "Negotiate"
        self.context.step(base64.b64decode(reply))  # mutual authentication: the server proved its key
        assert self.context.complete and self.context.negotiated_protocol == "kerberos"
        self.http.auth = _SealWith(self.context)
        self.encryption = Encryption(self.http, "kerberos")
        self.encryption.protocol_string = label.encode()
        self.content_types = []

    def send_message(self, message):
        message = message.encode("utf-8") if isinstance(message, str) else message
        request = self.encryption.prepare_encrypted_request(self.http, self.url, message)
        answer = self.http.send(request)
        assert answer.status_code == 200, answer.status_code
        self.content_types.append(answer.headers["Content-Type"])
        return self.encryption.parse_encrypted_response(answer)

    def close_session(self):
        self.http.close()


@pytest.mark.parametrize("label", ["application/HTTP-SPNEGO-session-encrypted",
                                   "application/HTTP-Kerberos-session-encrypted"])
def test_spnego_wrapped_kerberos_is_accepted_and_sealed_messages_are_answered_in_kind(client, label):
    protocol = winrm.protocol.Protocol(client.url(C, "http"), transport="plaintext", username="unused",
                                       password="unused")
    protocol.transport = SpnegoTransport(client.url(C, "http"), C, label)
    shell = protocol.open_shell()
    command = protocol.run_command(shell, "hostname")
    out, err, code = protocol.get_command_output(shell, command)
    protocol.close_shell(shell)
    assert (out, code) == (b"HV-C1\r\n", 0), err
    assert all('protocol="%s"' % label in ctype for ctype in protocol.transport.content_types)


@pytest.fixture
def runner_module(client, monkeypatch):
    """The provider's WinRM runner with no ticket of this process yet (its private cache is removed after)."""
    from ansible_collections.vmdr.replication.plugins.module_utils.clients import winrm_runner
    monkeypatch.setitem(winrm_runner._KERBEROS, "folder", None)
    monkeypatch.setitem(winrm_runner._KERBEROS, "logins", set())
    yield winrm_runner
    if winrm_runner._KERBEROS["folder"]:
        subprocess.run(["rm", "-rf", winrm_runner._KERBEROS["folder"]], check=False)


def _runner(module, realm, host, password):
    h = realm.site["hosts"][host]
    return module.WinrmRunner(host, "127.0.0.1", port=h["http_port"], scheme="http", username=PRINCIPAL,
                              password=password, transport="kerberos", server_name=host)


WHO_DATA = "$data = [ordered]@{ user = $env:USERNAME; host = $env:COMPUTERNAME }"


def test_the_providers_runner_gets_its_own_ticket_from_the_password_and_seals_messages(client, runner_module,
                                                                                       monkeypatch, tmp_path):
    monkeypatch.setenv("KRB5CCNAME", "FILE:" + str(tmp_path / "no-ticket-here"))
    before = client.stats(B).get("logons_kerberos", 0)
    runner = _runner(runner_module, client, B, PASSWORD)
    data, dummy = runner.run("who", WHO_DATA, {})
    assert data == {"user": "hvadmin", "host": "HV-B1"}
    assert runner.protocol.transport.encryption is not None  # WinRM over HTTP: every message sealed
    assert os.environ["KRB5CCNAME"] == "DIR:" + runner_module._KERBEROS["folder"]
    assert not os.path.exists(str(tmp_path / "no-ticket-here"))
    assert client.stats(B)["logons_kerberos"] == before + 1
    # a second runner of the same user in this process reuses the ticket (one kinit per principal)
    data, dummy = _runner(runner_module, client, A, PASSWORD).run("who", WHO_DATA, {})
    assert data["host"] == "HV-A1" and len(runner_module._KERBEROS["logins"]) == 1


def test_the_providers_runner_reports_a_password_the_kdc_refuses(client, runner_module, monkeypatch, tmp_path):
    monkeypatch.setenv("KRB5CCNAME", "FILE:" + str(tmp_path / "no-ticket-here"))
    with pytest.raises(runner_module.VmdrError) as caught:
        _runner(runner_module, client, A, "wrong").run("who", WHO_DATA, {})
    error = caught.value
    assert "Kerberos login of hvadmin@LAB.LOCAL failed: kinit: Password incorrect" in str(error)
    assert "wrong" not in str(error) and error.step == "connect"


def test_the_providers_runner_uses_an_existing_ticket_without_a_password(client, runner_module):
    data, dummy = _runner(runner_module, client, C, None).run("who", WHO_DATA, {})
    assert data == {"user": "hvadmin", "host": "HV-C1"}
    assert runner_module._KERBEROS["folder"] is None and os.environ["KRB5CCNAME"] == client.ccache
