"""The WinRM runner: payload encoding, steps called by name, command lines, 5.1 JSON quirks, error mapping, TLS trust."""
import base64
import json

import pytest

from ansible_collections.vmdr.replication.plugins.module_utils.clients import winrm_runner as wr
from ansible_collections.vmdr.replication.plugins.module_utils.errors import VmdrError
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import provider as hp
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import scripts

HOSTILE = "a'; Remove-VM *; '\u2019$(Stop-VM *)`\"é"


def decode_payload(script):
    literal = script.split("FromBase64String('")[1].split("'")[0]
    return json.loads(base64.b64decode(literal).decode("utf-8"))


def test_payload_is_one_base64_literal_and_values_never_appear_in_the_script():
    # a plain body (no step metadata) runs as it is and reads $in itself
    script = wr.build_script("$data = $in.vms", {"vms": [{"name": HOSTILE}]})
    assert HOSTILE not in script and "Remove-VM" not in script
    assert decode_payload(script) == {"vms": [{"name": HOSTILE}]}
    assert script.count("FromBase64String('") == 1
    assert "$ErrorActionPreference = 'Stop'" in script and "$ProgressPreference = 'SilentlyContinue'" in script
    assert "[Console]::OutputEncoding = [Text.Encoding]::UTF8" in script


def test_a_step_is_called_by_name_with_the_payload_fields_as_named_parameters():
    payload = {"vms": [{"name": HOSTILE}], "state": "present", "media_path": HOSTILE, "start": None, "check": True,
               "policy": {"frequency_sec": 30}}
    script = wr.build_script(scripts.ENABLE, payload, scripts.FUNCTIONS)
    assert HOSTILE not in script and decode_payload(script) == payload
    call = "    $check = [bool]$in.check\n    $data = Set-PrimaryReplication -MediaPath:$in.media_path " \
           "-Policy:$in.policy -State:$in.state -Vms:$in.vms -WhatIf:$check\n"
    assert call in script  # a field set to None is left out: the parameter keeps its default
    # the envelope's helpers, the shared functions, the step's definition, then the call in the envelope
    order = [script.index(part) for part in ("function ConvertTo-VmdrError", "function Invoke-VmdrEach",
                                             "function Set-PrimaryReplication", call, "ConvertTo-Json")]
    assert order == sorted(order)
    assert script.count("FromBase64String('") == 1


def test_a_read_only_step_gets_no_whatif_and_check_is_never_a_parameter():
    script = wr.build_script(scripts.READ, {"vms": [], "all": True, "nics": False, "check": True})
    assert "    $data = Read-ReplicaState -All:$in.all -Nics:$in.nics -Vms:$in.vms\n" in script
    assert "$check" not in script and "WhatIf" not in script.split("function Read-ReplicaState")[1]
    assert wr.step_call(scripts.SERVER, {}) == "    $data = Read-HostConfiguration"
    assert wr.step_call(scripts.CLEANUP_TEST, {"vms": []}) == \
        "    $check = [bool]$in.check\n    $data = Stop-TestFailover -Vms:$in.vms -WhatIf:$check"


def test_a_payload_field_the_step_has_no_parameter_for_is_refused():
    with pytest.raises(ValueError) as caught:
        wr.build_script(scripts.SYNC, {"vms": [], "resume": True, "force": True})
    assert "Sync-Replication" in str(caught.value) and "'force'" in str(caught.value)
    with pytest.raises(ValueError):
        wr.build_script(scripts.SERVER, {"a; Remove-VM *": 1})  # only field names that are identifiers
    assert wr.parameter_name("force_power_off") == "ForcePowerOff" and wr.parameter_name("vms") == "Vms"


def test_short_scripts_run_inline_with_encoded_command():
    env, command = wr.command_plan("Get-Date")
    assert env == {}
    assert command.startswith("powershell -NoProfile -NonInteractive")
    encoded = command.split()[-1]
    assert base64.b64decode(encoded).decode("utf-16-le") == "Get-Date"
    assert len(command) <= wr.MAX_COMMAND_LINE


def test_long_scripts_travel_in_environment_variables_with_a_short_bootstrap():
    script = "# " + "x" * 70000 + "\n$data = 1"
    env, command = wr.command_plan(script)
    assert len(command) < 400
    assert sorted(env) == ["VMDR_SCRIPT_0", "VMDR_SCRIPT_1", "VMDR_SCRIPT_2"]
    assert all(len(v) <= 30000 for v in env.values())
    assert "".join(env[k] for k in sorted(env)) == script
    bootstrap = base64.b64decode(command.split()[-1]).decode("utf-16-le")
    assert bootstrap == "& ([ScriptBlock]::Create($env:VMDR_SCRIPT_0 + $env:VMDR_SCRIPT_1 + $env:VMDR_SCRIPT_2))"


def test_a_script_just_over_the_cmd_limit_switches_to_the_environment():
    # UTF-16LE + base64 makes about 2.7 command-line characters per script character
    env, command = wr.command_plan("x" * 3100)
    assert env and len(command) < wr.MAX_COMMAND_LINE


def test_51_json_quirks_are_normalized():
    out = b'WARNING: noise\r\n{"ok":true,"data":{"t":"\\/Date(1763683200000)\\/","d":{"value":"\\/Date(0)\\/",' \
          b'"DisplayHint":2,"DateTime":"Thursday"},"n":"caf\xc3\xa9"}}\r\n'
    answer = wr.parse_output(out)
    assert answer["data"]["t"] == "2025-11-21T00:00:00.000000Z"
    assert answer["data"]["d"] == "1970-01-01T00:00:00.000000Z"
    assert answer["data"]["n"] == "café"


def test_enum_numbers_and_names():
    names = {4: "Replicating", 8: "Suspended"}
    assert wr.enum_name(4, names) == "Replicating"
    assert wr.enum_name("8", names) == "Suspended"
    assert wr.enum_name("Replicating", names) == "Replicating"
    assert wr.enum_name(99, names) == "99"


def test_parse_time_accepts_dotnet_round_trip_and_offsets():
    stamp = wr.parse_time("2026-11-22T01:00:00.1234567Z")
    assert (stamp.hour, stamp.microsecond) == (1, 123456)
    assert wr.parse_time("2026-11-22T03:00:00+02:00").hour == 1
    assert wr.parse_time("/Date(0)/").year == 1970
    assert wr.parse_time(None) is None and wr.parse_time("junk") is None


def test_missing_json_reports_stderr_clixml():
    err = b'#< CLIXML\r\n<Objs><S S="Error">The command line is too long._x000D__x000A_</S></Objs>'
    with pytest.raises(ValueError) as caught:
        wr.parse_output(b"", err, 1)
    assert "The command line is too long." in str(caught.value)


def test_error_mapping_names_vm_site_step_and_keeps_the_fqid():
    error = wr.error_from({"message": "The operation cannot be performed while the VM is in this state.",
                           "fqid": "InvalidState,Microsoft.HyperV.PowerShell.Commands.StartVMFailover",
                           "category": "InvalidOperation", "type": "Microsoft.HyperV.PowerShell.VirtualizationException"},
                          vm="web", site="hv-b1", step="fail over replica")
    assert isinstance(error, VmdrError)
    text = str(error)
    assert "VM 'web'" in text and "site 'hv-b1'" in text and "step 'fail over replica'" in text
    assert "InvalidState,Microsoft.HyperV.PowerShell.Commands.StartVMFailover" in text
    assert error.hint and "replica_info" in error.hint
    assert error.fault["category"] == "InvalidOperation"


class FakeProtocol(object):
    def __init__(self, stdout):
        self.stdout = stdout
        self.calls = []

    def open_shell(self, env_vars=None, codepage=None):
        self.calls.append(("open", env_vars, codepage))
        return "shell"

    def run_command(self, shell, command, args):
        self.calls.append(("run", command, args))
        return "cmd"

    def get_command_output(self, shell, command):
        return self.stdout, b"", 0

    def cleanup_command(self, shell, command):
        self.calls.append(("cleanup",))

    def close_shell(self, shell, close_session=True):
        self.calls.append(("close", close_session))


def runner_with(stdout):
    runner = wr.WinrmRunner.__new__(wr.WinrmRunner)
    runner.site = "site-b"
    runner.endpoint = "https://h:5986/wsman"
    runner.commands = 0
    runner.protocol = FakeProtocol(stdout)
    return runner


def test_run_sends_one_command_in_utf8_shell_and_returns_data():
    runner = runner_with(b'{"ok":true,"now":"2026-11-22T00:00:00Z","data":[1,2]}')
    data, now = runner.run("read", "$data = 1", {"vms": []}, functions="function f {}\n")
    assert data == [1, 2] and now == "2026-11-22T00:00:00Z"
    assert runner.commands == 1
    opened = runner.protocol.calls[0]
    assert opened[0] == "open" and opened[2] == 65001 and opened[1] == {"VMDR_STEP": "read"}  # the step names the command
    ran = runner.protocol.calls[1]
    assert ran[1] == "powershell" and "-EncodedCommand" in ran[2]
    assert runner.protocol.calls[-1] == ("close", False)
    long_runner = runner_with(b'{"ok":true,"data":null}')
    long_runner.run("read", "$data = 1\n# " + "y" * 9000, {})
    assert "VMDR_SCRIPT_0" in long_runner.protocol.calls[0][1]


def test_a_step_with_the_shared_functions_is_one_command():
    runner = runner_with(b'{"ok":true,"data":{"vms":[]}}')
    runner.run("read VMs", scripts.READ, {"vms": [], "nics": True}, functions=scripts.FUNCTIONS)
    assert runner.commands == 1 and [call[0] for call in runner.protocol.calls].count("run") == 1
    env = runner.protocol.calls[0][1]
    script = "".join(env[k] for k in sorted(env) if k.startswith("VMDR_SCRIPT_"))
    assert script.startswith(wr.ENVELOPE_HEAD + scripts.FUNCTIONS) and scripts.READ in script
    assert env["VMDR_STEP"] == "read VMs"


def test_script_failure_becomes_vmdr_error_with_site_and_step():
    runner = runner_with(b'{"ok":false,"error":{"message":"Access denied","fqid":"ObjectNotFound,X","category":"ObjectNotFound"}}')
    with pytest.raises(VmdrError) as caught:
        runner.run("read VMs", "$data = 1", {})
    assert caught.value.site == "site-b" and caught.value.step == "read VMs" and "Access denied" in str(caught.value)


def test_the_ca_given_wins_over_requests_ca_bundle(monkeypatch, tmp_path):
    pytest.importorskip("winrm")
    ca = tmp_path / "ca.pem"
    ca.write_text("not used for a handshake here")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    runner = wr.WinrmRunner("site-a", "127.0.0.1", port=5986, username="u", password="p", ca_path=str(ca))
    assert runner.protocol.transport.build_session().verify == str(ca)
    ignore = wr.WinrmRunner("site-a", "127.0.0.1", username="u", password="p", validate_certs=False)
    assert ignore.protocol.transport.build_session().verify is False


def test_unknown_transport_is_refused():
    pytest.importorskip("winrm")
    with pytest.raises(VmdrError):
        wr.WinrmRunner("s", "h", transport="telnet")


def test_hostname_must_be_a_dns_name():
    provider = hp.HypervProvider(source={"hostname": "10.0.0.1"}, target=None)
    with pytest.raises(VmdrError) as caught:
        provider.host("source")
    assert "address" in str(caught.value)
