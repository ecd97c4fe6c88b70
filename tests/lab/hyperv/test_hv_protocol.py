"""WinRM/WS-Management behaviour: shells, commands, cmd.exe limits, authentication, lab hooks."""
import base64
import datetime
import json
import time

import pytest
import requests
import winrm
from winrm.exceptions import InvalidCredentialsError, WSManFaultError

A, B = "hv-a1.lab.local", "hv-b1.lab.local"
pytestmark = pytest.mark.lab

BOOTSTRAP = "& ([ScriptBlock]::Create($env:VMDR_SCRIPT))"


def encoded(script):
    return base64.b64encode(script.encode("utf-16-le")).decode("ascii")


def test_shell_lifecycle_through_protocol_api(hv):
    p = hv.session(A).protocol
    shell = p.open_shell(env_vars={"LAB_VALUE": "from-the-shell"})
    cmd = p.run_command(shell, "powershell", ["-NoProfile", "-NonInteractive", "-EncodedCommand",
                                                encoded("$env:LAB_VALUE; $env:COMPUTERNAME")])
    out, err, code = p.get_command_output(shell, cmd)
    p.cleanup_command(shell, cmd)
    p.close_shell(shell)
    assert (out, code) == (b"from-the-shell\r\nHV-A1\r\n", 0)
    with pytest.raises(WSManFaultError) as exc:
        p.run_command(shell, "hostname")
    assert exc.value.wsman_fault_code == 2150858843  # the shell is gone


def test_cmd_commands_and_unknown_programs(hv):
    s = hv.session(B)
    r = s.run_cmd("hostname")
    assert (r.std_out, r.status_code) == (b"HV-B1\r\n", 0)
    r = s.run_cmd("pwsh", ["-c", "1"])
    assert r.status_code == 9009 and b"is not recognized" in r.std_err


def test_cmd_line_limit_is_8191_characters(hv):
    s = hv.session(A)
    prefix = "powershell -encodedcommand "
    # pad a script so the command line is exactly 8,191 characters, then one character (4 base64) more
    base = "'x'#"
    pad = 0
    while len(prefix + encoded(base + "a" * pad)) < 8191:
        pad += 1
    line = prefix + encoded(base + "a" * pad)
    assert len(line) in (8191, 8192, 8193, 8194)
    fits = [p for p in range(pad - 4, pad + 1) if len(prefix + encoded(base + "a" * p)) <= 8191][-1]
    ok = s.run_ps(base + "a" * fits)
    assert ok.status_code == 0 and ok.std_out == b"x\r\n"
    too_long = s.run_ps(base + "a" * (fits + 3))
    assert too_long.status_code == 1
    assert too_long.std_err.strip() == b"The command line is too long."
    # about 3,000 script characters is the practical ceiling (reference: ~2.7 command-line chars each)
    assert 2900 < fits + len(base) < 3100


def test_long_script_through_environment_variable_bootstrap(hv):
    body = "$names = @(Get-VM | ForEach-Object { $_.Name })\n" + "# padding line to make the script long\n" * 400
    script = body + "ConvertTo-Json -InputObject @($names | Sort-Object) -Compress"
    assert len(script) > 12000
    assert hv.session(A).run_ps(script).std_err.strip() == b"The command line is too long."
    p = hv.session(A).protocol
    shell = p.open_shell(env_vars={"VMDR_SCRIPT": script})
    cmd = p.run_command(shell, "powershell -NoProfile -NonInteractive -EncodedCommand %s" % encoded(BOOTSTRAP))
    out, err, code = p.get_command_output(shell, cmd)
    p.cleanup_command(shell, cmd)
    p.close_shell(shell)
    assert code == 0, err
    assert json.loads(out) == ["hv-app-01", "hv-chain-01", "hv-db-01", "hv-web-01"]


def test_shell_code_page_decides_stdout_encoding(hv):
    p = hv.session(A).protocol
    for codepage, expected in ((437, "caf\u00e9 \u2603".encode("cp437", "replace")), (65001, "caf\u00e9 \u2603".encode())):
        shell = p.open_shell(codepage=codepage)
        cmd = p.run_command(shell, "powershell -encodedcommand " + encoded("'caf\u00e9 \u2603'"))
        out, _, code = p.get_command_output(shell, cmd)
        p.close_shell(shell)
        assert (out, code) == (expected + b"\r\n", 0)


def test_basic_over_https_validates_against_the_lab_ca(hv):
    assert hv.ps(A, "'tls ok'").out == "tls ok\r\n"
    bad = hv.session(A, ca_trust_path=None, server_cert_validation="validate")
    with pytest.raises(requests.exceptions.SSLError):
        bad.run_ps("1")


def test_ntlm_with_message_encryption_over_http(hv):
    res = hv.ps(A, "\"$env:USERNAME on $env:COMPUTERNAME\"", transport="ntlm", message_encryption="always")
    assert (res.code, res.out) == (0, "hvadmin on HV-A1\r\n")
    # unencrypted NTLM over HTTP is refused, as with WinRM's default AllowUnencrypted=false
    with pytest.raises(InvalidCredentialsError):
        hv.ps(A, "1", transport="ntlm", message_encryption="never")


def test_authentication_failures(hv):
    with pytest.raises(InvalidCredentialsError):
        hv.ps(A, "1", password="wrong")
    with pytest.raises(InvalidCredentialsError):
        hv.ps(A, "1", transport="ntlm", password="wrong")
    with pytest.raises(InvalidCredentialsError):  # Basic on plain HTTP (AllowUnencrypted false)
        hv.ps(A, "1", transport="plaintext")
    assert hv.stats()["hosts"][A]["auth_failures"] >= 3
    with pytest.raises(Exception):
        requests.get(hv.site["lab_url"] + "/stats", verify=hv.site["ca"], auth=("hvadmin", "nope")).raise_for_status()


def test_command_counter_counts_one_per_command_message(hv):
    before = hv.stats()["hosts"]
    hv.ps(A, "Get-VM | Out-Null; Get-VMSwitch | Out-Null; 1..50 | ForEach-Object { Get-VM -Name hv-web-01 } | Out-Null")
    after = hv.stats()["hosts"]
    assert after[A]["commands"] - before[A]["commands"] == 1
    assert after[A]["cmdlets"]["Get-VM"] - before[A]["cmdlets"].get("Get-VM", 0) == 51
    assert after[B]["commands"] == before[B]["commands"]
    p = hv.session(B).protocol
    shell = p.open_shell()
    for _ in range(3):
        cmd = p.run_command(shell, "hostname")
        p.get_command_output(shell, cmd)
    p.close_shell(shell)
    assert hv.stats()["hosts"][B]["commands"] - before[B]["commands"] == 3


def test_latency_is_added_to_each_command_and_receive_retries_on_timeout(hv):
    hv.lab("/latency", params={"ms": 1500, "host": B})
    try:
        t = time.time()
        # operation timeout 1 s < latency: the first Receive times out (w:TimedOut) and pywinrm retries
        res = hv.ps(B, "'slow'", read_timeout_sec=3, operation_timeout_sec=1)
        assert res.out == "slow\r\n"
        assert time.time() - t >= 1.5
        t = time.time()
        hv.ps(A, "'fast'")
        assert time.time() - t < 1.4  # other hosts keep no latency
    finally:
        hv.lab("/latency", params={"ms": 0})


def test_fault_drop_connection_on_nth_command(hv):
    n = hv.stats()["hosts"][A]["commands"]
    hv.lab("/fault", body={"host": A, "drop_on_command": n + 2})
    assert hv.ps(A, "'first'").out == "first\r\n"
    with pytest.raises(requests.exceptions.ConnectionError):
        hv.ps(A, "Stop-VM -Name hv-web-01 -Force")
    assert hv.ok(A, "(Get-VM -Name hv-web-01).State.ToString()") == ["Running"]  # dropped before running
    hv.lab("/fault", body={"host": A, "drop_next": 1, "drop_mode": "after"})
    with pytest.raises(requests.exceptions.ConnectionError):
        hv.ps(A, "Stop-VM -Name hv-web-01 -Force")
    assert hv.ok(A, "(Get-VM -Name hv-web-01).State.ToString()") == ["Off"]  # ran, the reply was lost
    assert hv.stats()["hosts"][A]["dropped"] == 2


def test_fault_named_cmdlet_fails_with_given_error(hv):
    hv.lab("/fault", body={"host": B, "cmdlet": "Get-VMReplicationServer", "error_id": "OperationFailed",
                           "message": "injected: replication service unavailable", "count": 1})
    err = hv.fails(B, "Get-VMReplicationServer", "OperationFailed,Microsoft.HyperV.PowerShell.Commands.GetVMReplicationServer",
                   "InvalidOperation")
    assert err["message"] == "injected: replication service unavailable"
    assert err["type"] == "Microsoft.HyperV.PowerShell.VirtualizationException"
    assert hv.ok(B, "(Get-VMReplicationServer).ReplicationEnabled") == [True]  # count exhausted
    hv.lab("/fault", body={"host": A, "cmdlet": "Get-VM", "count": 5})
    hv.lab("/fault/clear")
    assert len(hv.ok(A, "Get-VM | ForEach-Object Name")) == 4


def test_time_hook_and_acceleration(hv):
    t0 = hv.stats()["sim_time"]
    t1 = hv.advance(3600)
    assert 3600 <= t1 - t0 < 3660
    hv.lab("/time", params={"factor": 60})
    try:
        time.sleep(0.5)
        assert hv.stats()["sim_time"] - t1 >= 25
    finally:
        hv.lab("/time", params={"factor": 1})
    before = hv.stats()["sim_time"]
    host_now = hv.ok(A, "(Get-Date).ToUniversalTime().ToString('o')")[0]
    after = hv.stats()["sim_time"]
    stamp = datetime.datetime.strptime(host_now[:26], "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=datetime.timezone.utc)
    assert before - 1 <= stamp.timestamp() <= after + 1  # Get-Date on the host reads simulated time


def test_receive_splits_large_output_across_responses(hv):
    res = hv.ps(A, "'y' * 300000")
    assert res.code == 0 and len(res.out) == 300002


def test_unknown_action_and_psrp_resource_are_faults(hv):
    p = hv.session(A).protocol
    req = {"env:Envelope": p.build_wsman_header(
        action="http://schemas.xmlsoap.org/ws/2004/09/transfer/Create",
        resource_uri="http://schemas.microsoft.com/powershell/Microsoft.PowerShell")}
    req["env:Envelope"]["env:Body"] = {"rsp:Shell": {"rsp:InputStreams": "stdin pr", "rsp:OutputStreams": "stdout"}}
    import xmltodict
    with pytest.raises(WSManFaultError) as exc:
        p.send_message(xmltodict.unparse(req))
    assert "not served by the Hyper-V simulator" in exc.value.reason


def test_pywinrm_session_default_constructor_works(hv):
    h = hv.site["hosts"][A]
    s = winrm.Session("https://127.0.0.1:%d" % h["https_port"], auth=(h["username"], h["password"]),
                      transport="ssl", ca_trust_path=hv.site["ca"])
    assert s.run_ps("$PSVersionTable.PSVersion.ToString()").std_out == b"5.1.17763.2183\r\n"


def test_fifty_vm_step_is_one_command(hv):
    vms = [{"name": "app-%02d" % i, "switch": "prod-web", "ip": "10.10.1.%d" % (100 + i)} for i in range(50)]
    hv.lab("/vms", body={"host": A, "vms": vms})
    before = hv.stats()["hosts"][A]["commands"]
    t = time.time()
    out = hv.ok(A, r"""foreach ($n in $in.names) {
  $vm = Get-VM -Name $n
  Enable-VMReplication -VM $vm -ReplicaServerName hv-b1.lab.local -ReplicaServerPort 80 -AuthenticationType Kerberos
  Start-VMInitialReplication -VM $vm
}
@(Get-VMReplication | Where-Object { $_.ReplicationState -eq 'InitialReplicationInProgress' }).Count""",
                names=[v["name"] for v in vms])
    assert out == [50] and time.time() - t < 5
    assert hv.stats()["hosts"][A]["commands"] - before == 1
    hv.advance(120)
    assert hv.ok(B, "@(Get-VMReplication -ReplicationState Replicating).Count") == [50]


def test_console_output_encoding_overrides_the_code_page(hv):
    res = hv.session(A).run_ps("[Console]::OutputEncoding = [Text.Encoding]::UTF8; 'caf\u00e9 \u2603'")
    assert res.std_out == "caf\u00e9 \u2603\r\n".encode("utf-8")


def test_polling_loop_inside_one_script_sees_progress(hv):
    hv.lab("/time", params={"factor": 200})
    try:
        out = hv.ok(A, r"""Enable-VMReplication hv-web-01 hv-b1.lab.local 80 Kerberos
Start-VMInitialReplication hv-web-01
$polls = 0
while ((Get-VMReplication hv-web-01).ReplicationState -ne 'Replicating' -and $polls -lt 100) {
  Start-Sleep -Milliseconds 100; $polls++ }
(Get-VMReplication hv-web-01).ReplicationState.ToString()""")
    finally:
        hv.lab("/time", params={"factor": 1})
    assert out == ["Replicating"]
