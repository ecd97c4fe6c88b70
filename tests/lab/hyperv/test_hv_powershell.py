"""The PowerShell 5.1 subset: parsing, error model, value passing and the 5.1 JSON rules."""
import pytest

import base64
import json
import re

A, B = "hv-a1.lab.local", "hv-b1.lab.local"
pytestmark = pytest.mark.lab


def b64json(obj):
    return base64.b64encode(json.dumps(obj).encode("utf-8")).decode("ascii")


def test_parse_errors_are_rejected_before_anything_runs(hv):
    res = hv.ps(A, "Stop-VM -Name hv-web-01 -Force\nif ($x -eq 1 {\n  'never'\n")
    assert res.code == 1 and res.out == ""
    assert "ParseException" in res.err and "ParserError" in res.err
    assert hv.ok(A, "(Get-VM -Name hv-web-01).State.ToString()") == ["Running"]  # the first line never ran
    res = hv.ps(A, "Get-VM -Name 'unterminated")
    assert res.code == 1 and "TerminatorExpectedAtEndOfString" in res.err
    # PowerShell 7 pipeline chain operators do not exist in 5.1
    res = hv.ps(A, "Get-VM && 'yes'")
    assert res.code == 1 and "InvalidEndOfLine" in res.err and "not a valid statement separator" in res.err


def test_scriptblock_create_with_bad_text_is_a_catchable_parse_exception(hv):
    err = hv.fails(A, "& ([ScriptBlock]::Create('if ( {'))", "ParseException", "NotSpecified")
    assert err["type"] == "System.Management.Automation.MethodInvocationException"


def test_unknown_command_is_command_not_found(hv):
    res = hv.ps(A, "Get-Frobnicator -All\n'next statement still runs'")
    assert res.out == "next statement still runs\r\n"
    assert "CommandNotFoundException" in res.err and "ObjectNotFound" in res.err
    assert res.code == 0  # the last statement succeeded
    err = hv.fails(A, "Get-Frobnicator", "CommandNotFoundException", "ObjectNotFound")
    assert err["type"] == "System.Management.Automation.CommandNotFoundException"


def test_stderr_is_clixml_and_pywinrm_makes_it_readable(hv):
    s = hv.session(A)
    raw = s.protocol
    shell = raw.open_shell()
    script = base64.b64encode("Get-VM -Name nope".encode("utf-16-le")).decode()
    cmd = raw.run_command(shell, "powershell -encodedcommand " + script)
    _, err, code = raw.get_command_output(shell, cmd)
    raw.close_shell(shell)
    assert code == 1 and err.startswith(b"#< CLIXML\r\n<Objs Version=\"1.1.0.1\"")
    assert b'<S S="Error">Get-VM : Hyper-V was unable to find a virtual machine with name "nope"._x000D__x000A_</S>' in err
    clean = s.run_ps("Get-VM -Name nope").std_err.decode()
    assert clean.splitlines()[0] == 'Get-VM : Hyper-V was unable to find a virtual machine with name "nope".'
    assert "FullyQualifiedErrorId : InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVM" in clean
    # module auto-load writes a progress record unless $ProgressPreference is silenced
    assert "Preparing modules for first use." in s.run_ps("Get-VM | Out-Null").std_err.decode()
    assert s.run_ps("$ProgressPreference='SilentlyContinue'; Get-VM | Out-Null").std_err == b""


def test_injection_attempt_stays_data(hv):
    evil = "a'; Remove-VM -Name hv-db-01; Stop-VM -Name hv-web-01 -Force; '"
    script = ("$in = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('%s')) | ConvertFrom-Json\n"
              "$vm = Get-VM -Name $in.name -ErrorAction SilentlyContinue\n"
              "ConvertTo-Json -Compress -InputObject @{found=@($vm).Count; name=$in.name; "
              "err=$Error[0].Exception.Message}") % b64json({"name": evil})
    res = hv.ps(A, script)
    assert res.code == 0, res
    out = json.loads(res.out)
    assert out["found"] == 0 and out["name"] == evil
    assert out["err"] == 'Hyper-V was unable to find a virtual machine with name "%s".' % evil
    assert hv.ok(A, "Get-VM | ForEach-Object { $_.State.ToString() }") == ["Off", "Off", "Running", "Running"]
    # the same payload as a replica server name is validated as data too
    err = hv.fails(A, "Enable-VMReplication -VMName hv-web-01 -ReplicaServerName $in.s -ReplicaServerPort 80 "
                      "-AuthenticationType Kerberos", "InvalidParameter,Microsoft.HyperV.PowerShell.Commands."
                      "EnableVMReplication", s=evil)
    assert evil in err["message"]
    # -VMName takes wildcards: a value with * is a pattern (data, but a pattern); resolve by Id to be exact
    wild = hv.ok(A, "@(Get-VM -Name $in.n).Count; @(Get-VM -Id $in.id).Count", n="a'; Remove-VM *; '",
                 id=hv.ok(A, "\"$((Get-VM -Name hv-web-01).Id)\"")[0])
    assert wild == [0, 1]


def test_windows_powershell_51_json_shapes(hv):
    res = hv.ps(A, r"""$ProgressPreference='SilentlyContinue'
$vm = Get-VM -Name hv-web-01
ConvertTo-Json -Compress -InputObject @{state=$vm.State; when=[datetime]'2025-01-02T03:04:05Z'; q="it's <b>&"; g=$vm.Id}
ConvertTo-Json -Compress -InputObject (Get-Date)
ConvertTo-Json -Compress -InputObject @{a=@{b=@{c=@{d=1}}}}
ConvertTo-Json -Compress -InputObject @(1)
@(1) | ConvertTo-Json -Compress
ConvertTo-Json -Compress -InputObject @{t=[timespan]'01:02:03'}
ConvertTo-Json -InputObject ([ordered]@{Eras=@(1); Name='x'})
""")
    lines = res.out.split("\r\n")
    first = json.loads(lines[0])
    assert first["state"] == 2  # VMState.Running as a number, not "Running"
    assert re.search(r'"when":"\\/Date\(1735787045000\)\\/"', lines[0])
    assert "\\u0027" in lines[0] and "\\u003cb\\u003e" in lines[0] and "\\u0026" in lines[0]
    assert re.fullmatch(r"[0-9a-f-]{36}", first["g"])
    date = json.loads(lines[1])
    assert set(date) == {"value", "DisplayHint", "DateTime"} and date["DisplayHint"] == 2
    assert json.loads(lines[2]) == {"a": {"b": {"c": "System.Collections.Hashtable"}}}  # default depth 2
    assert lines[3] == "[1]" and lines[4] == "1"
    assert json.loads(lines[5])["t"]["TotalSeconds"] == 3723.0
    pretty = "\r\n".join(lines[6:]).rstrip()
    assert pretty == '{\r\n    "Eras":  [\r\n                 1\r\n             ],\r\n    "Name":  "x"\r\n}'


def test_convertfrom_json_51_quirks(hv):
    res = hv.ps(A, r"""@('[1,2,3]' | ConvertFrom-Json | ForEach-Object { 'item' }).Count
$d = '{"t":"\/Date(1735787045000)\/","s":"/Date(1)/","n":5}' | ConvertFrom-Json
$d.t.GetType().FullName; $d.s.GetType().FullName; $d.n.GetType().FullName
""")
    assert res.out.split() == ["1", "System.DateTime", "System.String", "System.Int32"]


def test_error_model_non_terminating_unless_stop(hv):
    res = hv.ps(A, r"""$ProgressPreference='SilentlyContinue'
$caught = 'no'
try { Get-VM -Name nope } catch { $caught = 'yes' }
"caught=$caught ok=$?"
try { Get-VM -Name nope -ErrorAction Stop } catch { "fqid=$($_.FullyQualifiedErrorId)|cat=$($_.CategoryInfo.Category)|type=$($_.Exception.GetType().FullName)" }
$ErrorActionPreference = 'Stop'
try { Get-VM -Name nope } catch { "pref caught: $($_.Exception.Message)" }
$Error.Count
""")
    lines = res.out.splitlines()
    assert lines[0] == "caught=no ok=True"
    assert lines[1] == ("fqid=InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVM|cat=InvalidArgument|"
                        "type=Microsoft.HyperV.PowerShell.VirtualizationException")
    assert lines[2] == 'pref caught: Hyper-V was unable to find a virtual machine with name "nope".'
    assert int(lines[3]) == 3
    assert res.err.count("unable to find") == 1  # only the uncaught one reached stderr


def test_exit_codes(hv):
    assert hv.ps(A, "'ok'").code == 0
    assert hv.ps(A, "Get-VM -Name nope").code == 1  # last statement failed
    assert hv.ps(A, "exit 7").code == 7
    res = hv.ps(A, "throw 'boom'\n'unreached'")
    assert res.code == 1 and res.out == "" and "boom" in res.err


def test_language_subset(hv):
    data = hv.ok(A, r"""
$vms = @(Get-VM | Where-Object { $_.State -eq 'Running' } | Sort-Object Name)
$out = [ordered]@{}
foreach ($v in $vms) { $out[$v.Name] = [int]$v.State }
$names = ($vms | ForEach-Object { $_.Name.ToUpper() }) -join ','
$first = if ($vms.Count -gt 1) { $vms[0].Name } else { 'none' }
$g = [guid]$vms[0].Id
[ordered]@{ map=$out; names=$names; first=$first; guid="$g"; cnt=$vms.Count; not=(-not $false);
  like=('hv-web-01' -like 'hv-*'); match=('hv-db-01' -match '^hv-(\w+)-\d+$'); grp=$Matches[1];
  fmt=('{0:D3}' -f 7); rep=('a-b' -replace '-', '+'); split=('a,b' -split ',').Count; str="$($vms.Count) vms";
  nulls=($null -eq $nothing); pos=[int]'42'; stat=[string]::IsNullOrEmpty(''); cast=[string]12 }
""")[0]
    assert data["map"] == {"hv-db-01": 2, "hv-web-01": 2}
    assert data["names"] == "HV-DB-01,HV-WEB-01" and data["first"] == "hv-db-01"
    assert re.fullmatch(r"[0-9a-f-]{36}", data["guid"]) and data["cnt"] == 2 and data["not"] is True
    assert data["like"] and data["match"] and data["grp"] == "db" and data["fmt"] == "007"
    assert data["rep"] == "a+b" and data["split"] == 2 and data["str"] == "2 vms"
    assert data["nulls"] and data["pos"] == 42 and data["stat"] and data["cast"] == "12"


def test_functions_splatting_and_switch(hv):
    data = hv.ok(A, r"""
function Get-Info {
  param([Parameter(Mandatory=$true)][string]$Name, [int]$Count = 2, [switch]$Loud)
  $s = "$Name x$Count"
  if ($Loud) { $s.ToUpper() } else { $s }
}
$p = @{ Name = 'hv-web-01'; ErrorAction = 'Stop' }
$vm = Get-VM @p
Get-Info -Name $vm.Name
Get-Info $vm.Name 3 -Loud
switch ($vm.State.ToString()) {
  'Running' { 'is running' }
  default { 'other' }
}
""")
    assert data == ["hv-web-01 x2", "HV-WEB-01 X3", "is running"]


def test_strict_mode_and_null_method_errors(hv):
    err = hv.fails(A, "$x = $null; $x.ToString()", "InvokeMethodOnNull", "InvalidOperation")
    assert err["message"] == "You cannot call a method on a null-valued expression."
    err = hv.fails(A, "Set-StrictMode -Version Latest; $undefinedThing", "VariableIsUndefined")


def test_confirm_impact_high_needs_confirm_false(hv):
    hv.replicate()
    prompt = "System.Management.Automation.PSInvalidOperationException,Microsoft.HyperV.PowerShell.Commands.%s"
    err = hv.fails(B, "Start-VMFailover -VMName hv-web-01", prompt % "StartVMFailover", "InvalidOperation")
    assert "NonInteractive mode" in err["message"]
    assert hv.state(B, "hv-web-01") == "Replicating"  # nothing happened
    out = hv.ps(B, "Start-VMFailover -VMName hv-web-01 -WhatIf")
    assert out.out.startswith('What if: Performing the operation "Start-VMFailover"')
    hv.ok(B, "Start-VMFailover -VMName hv-web-01 -Confirm:$false")
    hv.fails(B, "Complete-VMFailover -VMName hv-web-01", prompt % "CompleteVMFailover")
    # Stop-VMFailover is ConfirmImpact Medium: no prompt below $ConfirmPreference = High
    hv.ok(B, "Stop-VMFailover -VMName hv-web-01")
    hv.ok(B, "$ConfirmPreference = 'None'; Start-VMFailover -VMName hv-web-01")
    hv.ok(B, "Complete-VMFailover -VMName hv-web-01 -Confirm:$false")
    assert hv.state(B, "hv-web-01") == "FailedOver"


def test_unmodeled_real_cmdlets_fail_loudly(hv):
    err = hv.fails(A, "New-VM -Name x", "NotModeledBySimulator,Microsoft.HyperV.PowerShell.Commands.NewVM",
                   "NotImplemented")
    assert "not modeled" in err["message"]
    hv.fails(A, "Test-Path C:\\", "NotModeledBySimulator,Microsoft.PowerShell.Commands.TestPathCommand")


def test_parameter_binding_errors(hv):
    hv.fails(A, "Get-VM -Nmae x", "NamedParameterNotFound,Microsoft.HyperV.PowerShell.Commands.GetVM", "InvalidArgument")
    hv.fails(A, "Enable-VMReplication -VMName hv-web-01 -ReplicaServerName hv-b1.lab.local",
             "MissingMandatoryParameter,Microsoft.HyperV.PowerShell.Commands.EnableVMReplication", "InvalidArgument")
    hv.fails(A, "Enable-VMReplication -VMName hv-web-01 -ReplicaServerName hv-b1.lab.local -ReplicaServerPort x "
                "-AuthenticationType Kerberos",
             "CannotConvertArgumentNoMessage,Microsoft.HyperV.PowerShell.Commands.EnableVMReplication")
    hv.fails(A, "Enable-VMReplication -VMName hv-web-01 -ReplicaServerName hv-b1.lab.local -ReplicaServerPort 80 "
                "-AuthenticationType Kerbero",
             "CannotConvertArgumentNoMessage,Microsoft.HyperV.PowerShell.Commands.EnableVMReplication")
    # -TestReplicaSwitchName belongs to Set-VMNetworkAdapter, not Set-VMReplication (reference §8)
    hv.fails(A, "Set-VMReplication -VMName hv-web-01 -TestReplicaSwitchName dr-test",
             "NamedParameterNotFound,Microsoft.HyperV.PowerShell.Commands.SetVMReplication")


def test_positional_vm_objects_and_pipeline_binding(hv):
    data = hv.ok(A, r"""$vm = Get-VM -Name hv-web-01
Stop-VM $vm -TurnOff -Confirm:$false
(Get-VM -Name hv-web-01).State.ToString()
Get-VM -Name hv-web-01 | Start-VM -Passthru | ForEach-Object { $_.State.ToString() }
Get-VM -Name hv-*-01 | Where-Object State -eq 'Running' | Get-VMNetworkAdapter | ForEach-Object { $_.SwitchName }
""")
    assert data == ["Off", "Running", "prod-db", "prod-web"]


def test_get_vm_state_mismatch_and_module_version_fix(hv):
    hv.replicate()
    data = hv.ok(A, r"""[ordered]@{ fromGetVM=(Get-VM -Name hv-web-01).ReplicationState.ToString();
  fromGetVMReplication=(Get-VMReplication -VMName hv-web-01).ReplicationState.ToString() }""")[0]
    assert data == {"fromGetVM": "WaitingForInitialReplication", "fromGetVMReplication": "Replicating"}
    fixed = hv.ok(A, "Import-Module Hyper-V -RequiredVersion 1.1\n(Get-VM -Name hv-web-01).ReplicationState.ToString()")
    assert fixed == ["Replicating"]


def test_double_hop_needs_basic_credentials(hv):
    assert hv.ok(A, "Get-VM -ComputerName hv-b1.lab.local | Measure-Object | ForEach-Object Count") == [0]
    res = hv.ps(A, "$ErrorActionPreference='Stop'; (Get-VMSwitch -ComputerName hv-b1.lab.local).Count",
                transport="ntlm")
    assert res.code == 1 and "ObjectNotFound,Microsoft.HyperV.PowerShell.Commands.GetVMSwitch" in res.err
    assert hv.ps(B, "(Get-VMSwitch -ComputerName localhost).Count", transport="ntlm").out == "3\r\n"
