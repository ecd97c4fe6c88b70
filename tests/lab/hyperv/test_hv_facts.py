"""One test per item of reference §12, "Facts a simulator must reproduce"."""
import pytest

import json
import re

A, B, C = "hv-a1.lab.local", "hv-b1.lab.local", "hv-c1.lab.local"
pytestmark = pytest.mark.lab

NS = "Microsoft.HyperV.PowerShell.Commands."
WEB = "hv-web-01"
STATES = ["Disabled", "ReadyForInitialReplication", "InitialReplicationInProgress", "WaitingForInitialReplication",
          "Replicating", "PreparedForFailover", "FailedOverWaitingCompletion", "FailedOver", "Suspended", "Error",
          "WaitingForStartResynchronize", "Resynchronizing", "ResynchronizeSuspended", "RecoveryInProgress",
          "FailbackInProgress", "FailbackComplete", "WaitingForUpdateCompletion", "UpdateError",
          "WaitingForRepurposeCompletion", "PreparedForSyncReplication", "PreparedForGroupReverseReplication",
          "FiredrillInProgress"]


def fq(error_id, cmdlet):
    return "%s,%s%s" % (error_id, NS, cmdlet)


def test_fact01_states_health_modes_and_per_mode_mapping(hv):
    enums = hv.ok(A, r"""$s = [Microsoft.HyperV.PowerShell.VMReplicationState]
$h = [Microsoft.HyperV.PowerShell.VMReplicationHealthState]
$m = [Microsoft.HyperV.PowerShell.VMReplicationMode]
foreach ($t in @($s, $h, $m)) { ,@([Enum]::GetValues($t) | ForEach-Object { "$_=$([int]$_)" }) }""")
    assert enums[0] == ["%s=%d" % (s, i) for i, s in enumerate(STATES)]
    assert enums[1] == ["NotApplicable=0", "Normal=1", "Warning=2", "Critical=3"]
    assert enums[2] == ["None=0", "Primary=1", "Replica=2", "TestReplica=3", "ExtendedReplica=4"]
    hv.enable()
    hv.ok(A, "Start-VMInitialReplication -VMName hv-web-01")
    a, b = hv.repl(A, WEB), hv.repl(B, WEB)
    # the same WMI state (WaitingToCompleteInitialReplication) reads differently per mode
    assert (a["State"], a["StateCode"]) == ("InitialReplicationInProgress", 2)
    assert (b["State"], b["StateCode"]) == ("WaitingForInitialReplication", 3)


def test_fact02_enable_creates_waiting_replica_and_nothing_moves_until_start(hv):
    hv.enable()
    hv.advance(86400)
    a, b = hv.repl(A, WEB), hv.repl(B, WEB)
    assert (a["State"], a["Last"]) == ("ReadyForInitialReplication", None)
    assert (b["Mode"], b["State"], b["Last"]) == ("Replica", "WaitingForInitialReplication", None)
    assert hv.ok(B, "(Get-VM -Name hv-web-01).Name") == [WEB]


def test_fact03_enable_parameter_rules(hv):
    enable = "Enable-VMReplication -VMName %s -ReplicaServerName hv-b1.lab.local -ReplicaServerPort %s " \
             "-AuthenticationType %s %s"
    e = fq("InvalidParameter", "EnableVMReplication")
    for freq in (60, 600, 0):
        hv.fails(A, enable % (WEB, 80, "Kerberos", "-ReplicationFrequencySec %d" % freq),
                 fq("ParameterArgumentValidationError", "EnableVMReplication"), "InvalidData")
    hv.fails(A, enable % (WEB, 80, "Kerberos", "-RecoveryHistory 25"),
             fq("ParameterArgumentValidationError", "EnableVMReplication"))
    hv.fails(A, enable % (WEB, 80, "Kerberos", "-VSSSnapshotFrequencyHour 4"), e)
    hv.fails(A, "Enable-VMReplication -VMName hv-web-01 -ReplicaServerName hv-b1.lab.local -AuthenticationType Kerberos",
             fq("MissingMandatoryParameter", "EnableVMReplication"))
    hv.fails(A, "Enable-VMReplication -VMName hv-web-01 -ReplicaServerName hv-b1.lab.local -ReplicaServerPort 80",
             fq("MissingMandatoryParameter", "EnableVMReplication"))
    hv.fails(A, enable % (WEB, 80, "Kerberos", "-CertificateThumbprint ABCDEF"), e)
    hv.fails(A, enable % (WEB, 443, "Certificate", ""), e)
    err = hv.fails(A, "Enable-VMReplication hv-web-01 127.0.0.1 80 Kerberos", e)
    assert "127.0.0.1" in err["message"]
    hv.fails(A, enable % ("hv-db-01", 80, "Kerberos", "-ExcludedVhdPath 'D:\\nope.vhdx'"), e)
    hv.fails(A, enable % ("hv-db-01", 80, "Kerberos", "-ExcludedVhdPath (Get-VM hv-db-01).HardDrives.Path"), e)
    hv.ok(A, enable % (WEB, 443, "Certificate", "-CertificateThumbprint $in.t -RecoveryHistory 24 "
                                                "-VSSSnapshotFrequencyHour 4"),
          t="A" * 40)
    assert hv.repl(A, WEB)["Frequency"] == 300 and hv.repl(A, WEB)["Port"] == 443  # default frequency 300
    hv.ok(A, enable % ("hv-db-01", 80, "Kerberos", "-ReplicationFrequencySec 900 "
                                                   "-ExcludedVhdPath (Get-VM hv-db-01).HardDrives[1].Path"))
    assert hv.ok(A, "(Get-VMReplication hv-db-01).ExcludedDisks.Count") == [1]
    # extended replication: 300 or 900 only, never below the primary relationship's frequency
    hv.ok(A, "Start-VMInitialReplication hv-db-01")
    hv.advance(120)
    ext = "Enable-VMReplication hv-db-01 hv-c1.lab.local 80 Kerberos -ReplicationFrequencySec %d"
    hv.fails(B, ext % 30, fq("InvalidParameter", "EnableVMReplication"))
    hv.fails(B, ext % 300, fq("InvalidParameter", "EnableVMReplication"))
    hv.ok(B, ext % 900)
    assert hv.repl(B, "hv-db-01", "Extended")["Frequency"] == 900


def test_fact04_failover_preconditions(hv):
    hv.enable()
    hv.fails(B, "Start-VMFailover hv-web-01 -Confirm:$false", fq("InvalidState", "StartVMFailover"))
    hv.ok(A, "Start-VMInitialReplication hv-web-01")
    hv.advance(120)
    hv.fails(A, "Start-VMFailover hv-web-01 -Prepare -Confirm:$false", fq("InvalidState", "StartVMFailover"))  # on
    hv.ok(A, "Stop-VM hv-web-01 -Force\nSuspend-VMReplication hv-web-01")
    hv.fails(A, "Start-VMFailover hv-web-01 -Prepare -Confirm:$false", fq("InvalidState", "StartVMFailover"))
    hv.ok(B, "Start-VMFailover hv-web-01 -Confirm:$false")
    assert hv.ok(B, "(Get-VM hv-web-01).State.ToString()") == ["Off"]
    assert hv.state(B, WEB) == "FailedOverWaitingCompletion"


def test_fact05_test_failover_vm(hv):
    hv.replicate()
    hv.ok(B, "Set-VMNetworkAdapter -VMName hv-web-01 -TestReplicaSwitchName dr-test")
    out = hv.ok(B, "$t = Start-VMFailover -VMName hv-web-01 -AsTest -Passthru -Confirm:$false\n"
                   "[ordered]@{Name=$t.Name; Mode=$t.ReplicationMode.ToString(); Switch=$t.NetworkAdapters[0].SwitchName;"
                   " Same=($t.Id -eq (Get-VM hv-web-01).Id)}")
    assert out == [{"Name": "hv-web-01 - Test", "Mode": "TestReplica", "Switch": "dr-test", "Same": False}]
    hv.fails(B, "Start-VMFailover -VMName hv-web-01 -AsTest -Confirm:$false", fq("InvalidState", "StartVMFailover"))
    assert hv.ok(B, "(Get-VMReplication hv-web-01).TestVirtualMachine.Name") == ["hv-web-01 - Test"]
    hv.ok(B, "Start-VM -Name 'hv-web-01 - Test'\nStop-VMFailover -VMName hv-web-01")
    assert hv.ok(B, "@(Get-VM -Name '*- Test').Count") == [0]


def test_fact06_complete_and_planned_reverse(hv):
    hv.replicate(extra="-RecoveryHistory 2")
    hv.advance(3 * 3600)
    hv.ok(B, "Start-VMFailover hv-web-01 -Confirm:$false\nComplete-VMFailover hv-web-01 -Confirm:$false")
    b = hv.repl(B, WEB)
    assert (b["State"], b["Health"]) == ("FailedOver", "Warning")
    assert hv.ok(B, "@(Get-VMSnapshot hv-web-01).Count") == [0]
    # planned failover: -Reverse finishes it, no Complete-VMFailover
    hv.lab("/reset")
    hv.enable_replica_server(A, allow=B)
    hv.replicate()
    hv.failover_planned()
    hv.ok(B, "Set-VMReplication hv-web-01 -Reverse")
    b = hv.repl(B, WEB)
    assert (b["Mode"], b["State"], b["Health"]) == ("Primary", "Replicating", "Normal")


def test_fact07_remove_is_one_sided_and_disable_does_not_exist(hv):
    hv.replicate()
    hv.ok(B, "Remove-VMReplication hv-web-01")
    assert hv.ok(B, "(Get-VM hv-web-01).Name") == [WEB]  # the replica VM stays
    assert hv.repl(A, WEB)["Mode"] == "Primary"
    hv.advance(600)
    assert hv.repl(A, WEB)["State"] == "Error"  # the primary finds no replica to send to
    err = hv.fails(A, "Disable-VMReplication -VMName hv-web-01", "CommandNotFoundException", "ObjectNotFound")
    assert "Disable-VMReplication" in err["message"]
    assert hv.ok(A, "@(Get-Command -Name *-VMReplication | ForEach-Object Name) -contains 'Disable-VMReplication'") \
        == [False]


def test_fact08_precondition_failures_are_non_terminating(hv):
    res = hv.ps(A, r"""$ProgressPreference = 'SilentlyContinue'
$r = $null
try { $r = Start-VMFailover -VMName hv-db-01 -Confirm:$false; 'continued' } catch { 'caught' }
"errors=$($Error.Count) ok=$?"
$e = $Error[0]
"$($e.FullyQualifiedErrorId)|$($e.CategoryInfo.Category)|$($e.Exception.GetType().FullName)"
""")
    lines = res.out.splitlines()
    assert lines[0] == "continued"
    assert lines[1] == "errors=1 ok=True"
    assert lines[2] == "OperationFailed,%sStartVMFailover|InvalidOperation|Microsoft.HyperV.PowerShell." \
                       "VirtualizationException" % NS
    assert "OperationFailed" in res.err
    impact = hv.ok(A, "foreach ($c in 'Start-VMFailover','Complete-VMFailover','Stop-VMFailover') { "
                      "Get-Command $c | ForEach-Object Name }")
    assert impact == ["Start-VMFailover", "Complete-VMFailover", "Stop-VMFailover"]
    hv.replicate()
    hv.fails(B, "Start-VMFailover -VMName hv-web-01",
             "System.Management.Automation.PSInvalidOperationException,%sStartVMFailover" % NS)
    hv.ok(B, "Start-VMFailover -VMName hv-web-01 -Confirm:$false")
    hv.fails(B, "Complete-VMFailover -VMName hv-web-01",
             "System.Management.Automation.PSInvalidOperationException,%sCompleteVMFailover" % NS)
    hv.ok(B, "Stop-VMFailover -VMName hv-web-01")  # Medium impact: no prompt


def test_fact09_recovery_points_accrue_with_time(hv):
    hv.replicate(extra="-RecoveryHistory 3 -VSSSnapshotFrequencyHour 2")
    assert hv.ok(B, "@(Get-VMSnapshot hv-web-01).Count") == [0]
    hv.advance(5 * 3600 + 60)
    points = hv.ok(B, r"""$id = (Get-VM hv-web-01).Id
Get-VMSnapshot -VMName hv-web-01 | ForEach-Object { [ordered]@{ Type=[int]$_.SnapshotType;
  TypeName=$_.SnapshotType.ToString(); SameVM=($_.VMId -eq $id); At=$_.CreationTime.ToUniversalTime().ToString('o') } }""")
    assert len(points) == 3
    assert {p["Type"] for p in points} == {6, 7} and all(p["SameVM"] for p in points)
    assert [p["At"] for p in points] == sorted(p["At"] for p in points)
    assert hv.ok(B, "@(Get-VMSnapshot hv-web-01 -SnapshotType AppConsistentReplica).Count")[0] >= 1
    hv.advance(2 * 3600)
    assert len(hv.ok(B, "Get-VMSnapshot hv-web-01 | ForEach-Object Name")) == 3  # history keeps 3
    assert hv.ok(A, "@(Get-VMSnapshot hv-web-01).Count") == [0]  # points live on the replica
    hv.ok(B, "Get-VMSnapshot hv-web-01 -SnapshotType AppConsistentReplica | Select-Object -Last 1 | "
             "Start-VMFailover -Confirm:$false")
    data = hv.ok(B, "(Measure-VMReplication hv-web-01).FailedOverReplicationType.ToString()")
    assert data == ["ApplicationConsistent"]


def test_fact10_resume_and_suspend_states(hv):
    hv.replicate()
    for state, expected in (("UpdateError", "WaitingForUpdateCompletion"), ("Suspended", "Replicating"),
                            ("Error", "Replicating"), ("WaitingForStartResynchronize", "Replicating"),
                            ("ResynchronizeSuspended", "Replicating")):
        hv.lab("/force", body={"host": A, "vm": WEB, "state": state})
        hv.ok(A, "Resume-VMReplication hv-web-01")
        assert hv.state(A, WEB) == expected, state
    for state in ("PreparedForFailover", "Error", "WaitingForUpdateCompletion", "ReadyForInitialReplication"):
        hv.lab("/force", body={"host": A, "vm": WEB, "state": state})
        hv.fails(A, "Suspend-VMReplication hv-web-01", fq("InvalidState", "SuspendVMReplication"))
    for state in ("InitialReplicationInProgress", "Resynchronizing"):
        hv.lab("/force", body={"host": A, "vm": WEB, "state": state})
        hv.ok(A, "Suspend-VMReplication hv-web-01")
        assert hv.state(A, WEB) == "Suspended"


def test_fact11_raw_objects_serialize_with_51_rules(hv):
    hv.replicate()
    res = hv.ps(A, "$ProgressPreference='SilentlyContinue'\n"
                   "Get-VMReplication hv-web-01 | ConvertTo-Json -Compress\n"
                   "Get-VMReplication hv-web-01 | ConvertTo-Json -Depth 1")
    compact, pretty = res.out.split("\r\n", 1)
    obj = json.loads(compact)
    assert obj["ReplicationState"] == 4 and obj["ReplicationMode"] == 1 and obj["ReplicationHealth"] == 1
    assert obj["AuthenticationType"] == 1
    assert re.fullmatch(r"\\/Date\(\d{13}\)\\/", json.loads(json.dumps(obj["LastReplicationTime"])).replace("/", "\\/"))
    assert re.search(r'"LastReplicationTime":"\\/Date\(\d{13}\)\\/"', compact)
    assert '"ReplicationState":  4,' in pretty  # 5.1 layout: two spaces after the colon
    assert isinstance(json.loads(pretty)["ReplicatedDisks"], list)
    assert hv.ok(C, "@(Get-VMReplication).Count") == [0]
