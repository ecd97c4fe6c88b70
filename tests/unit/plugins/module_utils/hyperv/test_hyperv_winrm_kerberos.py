"""The WinRM runner's Kerberos transport: the ticket it gets itself from the password (kinit into a private cache),
the SPN of the host name, and the hint when no ticket can be had."""
import os
import stat

import pytest
from winrm.vendor.requests_kerberos.exceptions import KerberosExchangeError

from ansible_collections.vmdr.replication.plugins.module_utils.clients import winrm_runner as wr
from ansible_collections.vmdr.replication.plugins.module_utils.errors import VmdrError

FAKE_KINIT = """#!/bin/sh
PATH=/usr/bin:/bin
printf '%%s\\n' "$*" >> "%(log)s"
cat > "%(stdin)s"
%(tail)s
"""


@pytest.fixture
def kinit(tmp_path, monkeypatch):
    """A kinit on PATH that records its arguments and standard input; ``kinit(tail)`` sets how it ends."""
    monkeypatch.setitem(wr._KERBEROS, "folder", None)
    monkeypatch.setitem(wr._KERBEROS, "logins", set())
    monkeypatch.setenv("KRB5CCNAME", "FILE:/nonexistent/user-cache")
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    paths = {"log": str(tmp_path / "args"), "stdin": str(tmp_path / "stdin")}

    def install(tail="exit 0"):
        script = folder / "kinit"
        script.write_text(FAKE_KINIT % dict(paths, tail=tail))
        script.chmod(stat.S_IRWXU)
        return paths

    yield install
    if wr._KERBEROS["folder"]:
        os.rmdir(wr._KERBEROS["folder"])


def calls(paths):
    with open(paths["log"]) as handle:
        return handle.read().splitlines()


def test_the_password_goes_to_kinit_on_stdin_into_a_private_cache_named_in_krb5ccname(kinit):
    paths = kinit()
    wr.kerberos_login("dr-admin@CORP.EXAMPLE", "s3cret pass", site="hv-site-a")
    folder = wr._KERBEROS["folder"]
    assert calls(paths) == ["-c DIR:%s dr-admin@CORP.EXAMPLE" % folder]
    with open(paths["stdin"]) as handle:
        assert handle.read() == "s3cret pass\n"
    assert os.environ["KRB5CCNAME"] == "DIR:" + folder
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    wr.kerberos_login("dr-admin@CORP.EXAMPLE", "s3cret pass")  # same user and password: no second kinit
    assert len(calls(paths)) == 1


def test_a_refused_password_names_the_user_and_kinits_reason_but_not_the_password(kinit):
    kinit("echo 'Password for dr-admin@CORP.EXAMPLE: ' >&2\n"
          "echo 'kinit: Password incorrect while getting initial credentials' >&2\nexit 1")
    with pytest.raises(VmdrError) as caught:
        wr.kerberos_login("dr-admin@CORP.EXAMPLE", "s3cret", site="hv-site-a")
    text = str(caught.value)
    assert "Kerberos login of dr-admin@CORP.EXAMPLE failed: kinit: Password incorrect" in text
    assert "s3cret" not in text and "Password for" not in text
    assert caught.value.step == "connect" and "password" in caught.value.hint
    assert os.environ["KRB5CCNAME"] == "FILE:/nonexistent/user-cache"


def test_without_kinit_the_hint_says_what_to_install(kinit):
    with pytest.raises(VmdrError) as caught:
        wr.kerberos_login("dr-admin@CORP.EXAMPLE", "s3cret")
    assert "could not be run" in str(caught.value) and "krb5-user" in caught.value.hint


def test_a_kerberos_runner_asks_for_http_at_the_host_name_and_keeps_message_encryption():
    runner = wr.WinrmRunner("hv-site-a", "192.0.2.10", port=5985, scheme="http", username="dr-admin@CORP.EXAMPLE",
                            password="s3cret", transport="kerberos", server_name="hv-a1.corp.example")
    transport = runner.protocol.transport
    assert transport.auth_method == "kerberos" and transport.service == "HTTP"
    assert transport.kerberos_hostname_override == "hv-a1.corp.example"
    assert transport.message_encryption == "auto"
    assert runner.pending_login == ("dr-admin@CORP.EXAMPLE", "s3cret")
    without = wr.WinrmRunner("hv-site-a", "hv-a1.corp.example", transport="kerberos", server_name="hv-a1.corp.example")
    assert without.pending_login is None and without.protocol.transport.kerberos_hostname_override is None


class KerberosProtocol(object):
    """pywinrm when its Kerberos library has no ticket: the first request fails before anything is sent."""

    def __init__(self):
        self.opened = 0

    def open_shell(self, env_vars=None, codepage=None):
        self.opened += 1
        raise KerberosExchangeError("authGSSClientInit() failed: (('No credentials were supplied, or the credentials "
                                    "were unavailable or inaccessible', 458752), (\"Can't find client principal "
                                    "dr-admin@CORP.EXAMPLE in cache collection\", -1765328243))")


def runner_with(protocol, pending_login=None):
    runner = wr.WinrmRunner.__new__(wr.WinrmRunner)
    runner.site, runner.endpoint, runner.commands, runner.protocol = "hv-site-a", "https://h:5986/wsman", 0, protocol
    runner.pending_login = pending_login
    return runner


def test_no_ticket_gets_a_kerberos_hint_not_a_network_one():
    with pytest.raises(VmdrError) as caught:
        runner_with(KerberosProtocol()).run("find VMs", "$data = 1", {})
    assert "Can't find client principal" in str(caught.value)
    assert "kinit" in caught.value.hint and "HTTP/<hostname>" in caught.value.hint
    assert "outcome unknown" not in str(caught.value)


def test_the_ticket_is_got_before_the_first_command_and_only_once(kinit):
    paths = kinit()
    protocol = KerberosProtocol()
    runner = runner_with(protocol, ("dr-admin@CORP.EXAMPLE", "s3cret"))
    for dummy in range(2):
        with pytest.raises(VmdrError):
            runner.run("find VMs", "$data = 1", {})
    assert calls(paths) == ["-c DIR:%s dr-admin@CORP.EXAMPLE" % wr._KERBEROS["folder"]]
    assert protocol.opened == 2 and runner.pending_login is None
