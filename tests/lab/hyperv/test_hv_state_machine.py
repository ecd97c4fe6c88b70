"""One test per row of the state machine table (reference §5), success and precondition failures."""
import pytest

A, B, C = "hv-a1.lab.local", "hv-b1.lab.local", "hv-c1.lab.local"
pytestmark = pytest.mark.lab

NS = "Microsoft.HyperV.PowerShell.Commands."
WEB = "hv-web-01"


def fq(error_id, cmdlet):
    return "%s,%s%s" % (error_id, NS, cmdlet)


def test_row01_enable_replication(hv):
    hv.enable()
    a, b = hv.repl(A, WEB), hv.repl(B, WEB)
    assert (a["Mode"], a["State"], a["Relationship"]) == ("Primary", "ReadyForInitialReplication", "Simple")
    assert (b["Mode"], b["State"]) == ("Replica", "WaitingForInitialReplication")
    assert a["VMId"] == b["VMId"] and (a["Primary"], a["Replica"]) == (A, B)
    placeholder = hv.ok(B, "$v = Get-VM -Name hv-web-01; [ordered]@{State=$v.State.ToString(); Id=\"$($v.Id)\"}")[0]
    assert placeholder == {"State": "Off", "Id": a["VMId"]}
    hv.fails(A, "Enable-VMReplication hv-web-01 hv-b1.lab.local 80 Kerberos", fq("OperationFailed", "EnableVMReplication"),
             "InvalidOperation")
    # a Replica-mode VM gets an extended relationship instead
    hv.ok(B, "Enable-VMReplication -VMName hv-web-01 -ReplicaServerName hv-c1.lab.local -ReplicaServerPort 80 "
             "-AuthenticationType Kerberos")
    ext = hv.repl(B, WEB, "Extended")
    assert (ext["Relationship"], ext["State"], ext["Replica"]) == ("Extended", "ReadyForInitialReplication", C)
    assert hv.repl(B, WEB, "Simple")["Mode"] == "Replica"  # the simple relationship is untouched
    # without -ReplicationRelationshipType the middle host returns both relationships (reference §7)
    both = hv.ok(B, "Get-VMReplication -VM (Get-VM hv-web-01) | ForEach-Object { \"$($_.ReplicationRelationshipType)\" }")
    assert both == ["Simple", "Extended"]
    assert hv.repl(C, WEB)["Mode"] == "ExtendedReplica"
    hv.fails(B, "Enable-VMReplication hv-web-01 hv-c1.lab.local 80 Kerberos", fq("InvalidState", "EnableVMReplication"))
    hv.fails(C, "Enable-VMReplication hv-web-01 hv-a1.lab.local 80 Kerberos", fq("OperationFailed", "EnableVMReplication"))


def test_row01_enable_on_test_replica_is_not_applicable(hv):
    hv.replicate()
    hv.ok(B, "Start-VMFailover -VMName hv-web-01 -AsTest -Confirm:$false | Out-Null")
    hv.fails(B, "Enable-VMReplication -VMName 'hv-web-01 - Test' hv-c1.lab.local 80 Kerberos",
             fq("OperationFailed", "EnableVMReplication"))


def test_row02_enable_as_replica(hv):
    hv.lab("/vms", body={"host": B, "vms": [{"name": "hv-app-01", "state": "Off"}, {"name": "hv-app-02",
                                                                                    "state": "Off"}]})
    hv.fails(B, "Enable-VMReplication -VMName hv-app-01 -AsReplica", fq("InvalidParameter", "EnableVMReplication"),
             "InvalidArgument")
    hv.fails(B, "Enable-VMReplication -VMName hv-app-01 -AsReplica -AllowedPrimaryServer hv-x9.lab.local",
             fq("OperationFailed", "EnableVMReplication"))
    hv.ok(B, "Enable-VMReplication -VMName hv-app-01 -AsReplica -AllowedPrimaryServer hv-a1.lab.local")
    r = hv.repl(B, "hv-app-01")
    assert (r["Mode"], r["State"]) == ("Replica", "WaitingForInitialReplication")
    hv.fails(B, "Enable-VMReplication -VMName hv-app-01 -AsReplica -AllowedPrimaryServer hv-a1.lab.local",
             fq("OperationFailed", "EnableVMReplication"))
    # with an authorization entry for any server (*), -AllowedPrimaryServer is not needed
    hv.ok(B, "New-VMReplicationAuthorizationEntry -AllowedPrimaryServer '*' -ReplicaStorageLocation 'D:\\R' "
             "-TrustGroup ANY | Out-Null\nEnable-VMReplication -VMName hv-app-02 -AsReplica")
    assert hv.state(B, "hv-app-02") == "WaitingForInitialReplication"


def test_row03_start_initial_replication(hv):
    hv.enable()
    hv.ok(A, "Start-VMInitialReplication -VMName hv-web-01")
    assert hv.state(A, WEB) == "InitialReplicationInProgress"
    assert hv.state(B, WEB) == "WaitingForInitialReplication"
    t = hv.advance(120)
    a, b = hv.repl(A, WEB), hv.repl(B, WEB)
    assert (a["State"], b["State"]) == ("Replicating", "Replicating")
    assert a["Last"] is not None and a["Last"] == b["Last"]
    hv.fails(A, "Start-VMInitialReplication -VMName hv-web-01", fq("InvalidState", "StartVMInitialReplication"),
             "InvalidOperation")
    assert t > 0


def test_row03_scheduled_initial_replication(hv):
    hv.enable("hv-db-01")
    data = hv.ok(A, "Start-VMInitialReplication -VMName hv-db-01 -InitialReplicationStartTime (Get-Date).AddHours(2)\n"
                    "(Get-VMReplication -VMName hv-db-01).InitialReplicationStartTime -ne $null")
    assert data == [True]
    assert hv.state(A, "hv-db-01") == "ReadyForInitialReplication"
    hv.advance(2 * 3600 + 5)
    assert hv.state(A, "hv-db-01") == "InitialReplicationInProgress"
    hv.advance(60)
    assert hv.state(A, "hv-db-01") == "Replicating"
    hv.enable()
    hv.fails(A, "Start-VMInitialReplication -VMName hv-web-01 -InitialReplicationStartTime (Get-Date).AddDays(8)",
             fq("InvalidParameter", "StartVMInitialReplication"))
    hv.fails(A, "Start-VMInitialReplication -VMName hv-web-01 -DestinationPath E:\\IR -UseBackup",
             fq("InvalidParameter", "StartVMInitialReplication"))
    # the placeholder Enable-VMReplication made is not a copy restored from backup
    hv.fails(A, "Start-VMInitialReplication -VMName hv-web-01 -UseBackup",
             fq("OperationFailed", "StartVMInitialReplication"))
    assert hv.state(A, WEB) == "ReadyForInitialReplication"


def test_row03_initial_replication_from_a_restored_backup(hv):
    hv.lab("/restore", body={"host": A, "vm": WEB, "to": B})
    restored = hv.ok(B, "$v = Get-VM -Name hv-web-01; [ordered]@{State=$v.State.ToString(); Id=\"$($v.Id)\"}")[0]
    assert restored["State"] == "Off"
    # Enable on the primary refuses a same-Id VM that was not made a replica first
    hv.fails(A, "Enable-VMReplication hv-web-01 hv-b1.lab.local 80 Kerberos", fq("OperationFailed", "EnableVMReplication"))
    hv.ok(B, "Enable-VMReplication -VMName hv-web-01 -AsReplica -AllowedPrimaryServer hv-a1.lab.local")
    hv.enable()
    a = hv.repl(A, WEB)
    assert a["VMId"] == restored["Id"] and hv.state(B, WEB) == "WaitingForInitialReplication"
    hv.ok(A, "Start-VMInitialReplication -VMName hv-web-01 -UseBackup")
    assert hv.state(A, WEB) == "InitialReplicationInProgress"
    hv.advance(120)
    assert (hv.state(A, WEB), hv.state(B, WEB)) == ("Replicating", "Replicating")


def test_row04_import_initial_replication(hv):
    hv.enable()
    hv.ok(A, "Start-VMInitialReplication -VMName hv-web-01 -DestinationPath 'E:\\IR'")
    assert hv.state(A, WEB) == "InitialReplicationInProgress"
    hv.advance(3600)
    assert hv.state(A, WEB) == "InitialReplicationInProgress"  # waits for the import, not for time
    hv.fails(B, "Import-VMInitialReplication -VMName hv-web-01 -Path 'F:\\elsewhere'",
             fq("OperationFailed", "ImportVMInitialReplication"))
    # the export is in the folder <VMName>_<VMId> under the destination, as the cmdlet reference's example reads it
    hv.fails(B, "Import-VMInitialReplication -VMName hv-web-01 -Path 'E:\\IR'",
             fq("OperationFailed", "ImportVMInitialReplication"))
    hv.ok(B, "$v = Get-VM hv-web-01; Import-VMInitialReplication -VMName hv-web-01 -Path ('E:\\IR\\' + $v.Name + '_' + $v.Id)")
    assert (hv.state(A, WEB), hv.state(B, WEB)) == ("Replicating", "Replicating")
    hv.fails(B, "$v = Get-VM hv-web-01; Import-VMInitialReplication -VMName hv-web-01 -Path ('E:\\IR\\' + $v.Name + '_' + $v.Id)",
             fq("InvalidState", "ImportVMInitialReplication"))


def test_row05_stop_initial_replication(hv):
    hv.enable()
    hv.ok(A, "Start-VMInitialReplication -VMName hv-web-01")
    hv.ok(A, "Stop-VMInitialReplication -VMName hv-web-01")
    assert (hv.state(A, WEB), hv.state(B, WEB)) == ("ReadyForInitialReplication", "WaitingForInitialReplication")
    hv.ok(A, "Start-VMInitialReplication -VMName hv-web-01 -InitialReplicationStartTime (Get-Date).AddHours(1)")
    hv.ok(A, "Stop-VMInitialReplication -VMName hv-web-01")
    assert hv.ok(A, "(Get-VMReplication -VMName hv-web-01).InitialReplicationStartTime -eq $null") == [True]
    hv.advance(7200)
    assert hv.state(A, WEB) == "ReadyForInitialReplication"  # the scheduled start was cancelled
    hv.ok(A, "Start-VMInitialReplication -VMName hv-web-01")
    hv.advance(120)
    hv.fails(A, "Stop-VMInitialReplication -VMName hv-web-01", fq("InvalidState", "StopVMInitialReplication"))


def test_row06_suspend(hv):
    hv.enable("hv-db-01")
    hv.fails(A, "Suspend-VMReplication -VMName hv-db-01", fq("InvalidState", "SuspendVMReplication"))
    hv.ok(A, "Start-VMInitialReplication -VMName hv-db-01\nSuspend-VMReplication -VMName hv-db-01")
    assert hv.state(A, "hv-db-01") == "Suspended"
    hv.replicate()
    hv.ok(A, "Suspend-VMReplication -VMName hv-web-01")
    a = hv.repl(A, WEB)
    assert (a["State"], a["Health"]) == ("Suspended", "Warning")
    assert hv.state(B, WEB) == "Replicating"  # one side only
    hv.ok(B, "Suspend-VMReplication -VMName hv-web-01")
    assert hv.state(B, WEB) == "Suspended"
    hv.fails(B, "Suspend-VMReplication -VMName hv-web-01", fq("InvalidState", "SuspendVMReplication"))


def test_row07_resume(hv):
    hv.replicate()
    hv.fails(A, "Resume-VMReplication -VMName hv-web-01", fq("InvalidState", "ResumeVMReplication"))
    hv.ok(A, "Suspend-VMReplication -VMName hv-web-01\nResume-VMReplication -VMName hv-web-01")
    a = hv.repl(A, WEB)
    assert (a["State"], a["Health"]) == ("Replicating", "Normal")
    hv.lab("/force", body={"host": A, "vm": WEB, "state": "UpdateError"})
    hv.ok(A, "Resume-VMReplication -VMName hv-web-01")
    assert hv.state(A, WEB) == "WaitingForUpdateCompletion"
    hv.lab("/force", body={"host": A, "vm": WEB, "state": "Error"})
    hv.ok(A, "Resume-VMReplication -VMName hv-web-01 -Resynchronize")
    assert (hv.state(A, WEB), hv.state(B, WEB)) == ("Resynchronizing", "Resynchronizing")
    hv.advance(300)
    assert (hv.state(A, WEB), hv.state(B, WEB)) == ("Replicating", "Replicating")
    hv.ok(A, "Suspend-VMReplication -VMName hv-web-01\n"
             "Resume-VMReplication -VMName hv-web-01 -Resynchronize -ResynchronizeStartTime (Get-Date).AddHours(1)")
    assert hv.state(A, WEB) == "WaitingForStartResynchronize"
    hv.advance(3600 + 10)
    assert hv.state(A, WEB) == "Resynchronizing"


def test_row08_stop_replication(hv):
    hv.replicate()
    hv.fails(A, "Stop-VMReplication -VMName hv-web-01", fq("InvalidState", "StopVMReplication"))
    hv.ok(A, "Suspend-VMReplication -VMName hv-web-01\nResume-VMReplication -VMName hv-web-01 -Resynchronize\n"
             "Stop-VMReplication -VMName hv-web-01")
    assert hv.state(A, WEB) == "WaitingForStartResynchronize"
    hv.lab("/force", body={"host": B, "vm": WEB, "state": "WaitingForUpdateCompletion"})
    hv.ok(B, "Stop-VMReplication -VMName hv-web-01")
    assert hv.state(B, WEB) == "Replicating"
    hv.ok(B, "Enable-VMReplication hv-web-01 hv-c1.lab.local 80 Kerberos")
    hv.lab("/force", body={"host": B, "vm": WEB, "rel": "1", "state": "Resynchronizing"})
    hv.fails(B, "Stop-VMReplication -VMName hv-web-01 -ReplicationRelationshipType Extended",
             fq("OperationFailed", "StopVMReplication"))


def test_row09_prepare_planned_failover_on_primary(hv):
    hv.enable("hv-db-01")
    hv.replicate()
    hv.fails(A, "Start-VMFailover -VMName hv-web-01 -Prepare -Confirm:$false", fq("InvalidState", "StartVMFailover"),
             "InvalidOperation")  # still running
    hv.ok(A, "Stop-VM -Name hv-web-01 -Force")
    hv.fails(A, "Start-VMFailover -VMName hv-web-01 -Confirm:$false", fq("InvalidParameter", "StartVMFailover"),
             "InvalidArgument")
    hv.fails(A, "Start-VMFailover -VMName hv-web-01 -AsTest -Confirm:$false", fq("InvalidParameter", "StartVMFailover"))
    hv.ok(A, "Stop-VM -Name hv-db-01 -Force")
    hv.fails(A, "Start-VMFailover -VMName hv-db-01 -Prepare -Confirm:$false", fq("InvalidState", "StartVMFailover"))
    before = hv.repl(B, WEB)["Last"]
    hv.advance(30)
    hv.ok(A, "Start-VMFailover -VMName hv-web-01 -Prepare -Confirm:$false")
    assert hv.state(A, WEB) == "PreparedForFailover"
    assert hv.repl(B, WEB)["Last"] > before  # pending changes were sent


def test_row10_failover_on_replica(hv):
    hv.enable()
    hv.fails(B, "Start-VMFailover -VMName hv-web-01 -Confirm:$false", fq("InvalidState", "StartVMFailover"))
    hv.ok(A, "Start-VMInitialReplication -VMName hv-web-01")
    hv.advance(120)
    hv.replicate("hv-db-01")
    other = "Get-VMSnapshot -VMName hv-db-01 | Select-Object -First 1"
    hv.ok(A, "Set-VMReplication -VMName hv-db-01 -RecoveryHistory 2")
    hv.advance(3 * 3600)
    hv.fails(B, "%s | Start-VMFailover -VMName hv-web-01 -Confirm:$false" % other,
             fq("InvalidParameter", "StartVMFailover"), "InvalidArgument")
    hv.ok(B, "Suspend-VMReplication -VMName hv-web-01\nStart-VMFailover -VMName hv-web-01 -Confirm:$false")
    vm = hv.ok(B, "$v = Get-VM -Name hv-web-01; $v.State.ToString()")
    assert hv.state(B, WEB) == "FailedOverWaitingCompletion" and vm == ["Off"]  # not started


def test_row11_test_failover(hv):
    hv.replicate()
    out = hv.ok(B, "Start-VMFailover -VMName hv-web-01 -AsTest -Passthru -Confirm:$false | ForEach-Object { [ordered]@{ "
                   "Name=$_.Name; Mode=$_.ReplicationMode.ToString(); State=$_.State.ToString(); "
                   "Switch=@($_.NetworkAdapters)[0].SwitchName } }")
    assert out == [{"Name": "hv-web-01 - Test", "Mode": "TestReplica", "State": "Off", "Switch": None}]
    assert hv.state(B, WEB) == "Replicating"
    hv.fails(B, "Start-VMFailover -VMName hv-web-01 -AsTest -Confirm:$false", fq("InvalidState", "StartVMFailover"))
    hv.ok(B, "Stop-VMFailover -VMName hv-web-01")
    hv.lab("/force", body={"host": B, "vm": WEB, "state": "Resynchronizing"})
    hv.fails(B, "Start-VMFailover -VMName hv-web-01 -AsTest -Confirm:$false", fq("InvalidState", "StartVMFailover"))


def test_row12_stop_failover_removes_test_vm_first(hv):
    hv.replicate()
    hv.ok(B, "Start-VMFailover -VMName hv-web-01 -AsTest -Passthru -Confirm:$false | Start-VM\n"
             "Start-VMFailover -VMName hv-web-01 -Confirm:$false")
    assert hv.ok(B, "(Get-VM -Name 'hv-web-01 - Test').State.ToString()") == ["Running"]
    hv.ok(B, "Stop-VMFailover -VMName hv-web-01")
    assert hv.ok(B, "@(Get-VM | Where-Object { $_.Name -like '*- Test' }).Count") == [0]
    assert hv.state(B, WEB) == "FailedOverWaitingCompletion"  # the failover itself was not reverted


def test_row13_stop_failover_cancels_replica_failover(hv):
    hv.replicate()
    hv.fails(B, "Stop-VMFailover -VMName hv-web-01", fq("InvalidState", "StopVMFailover"))
    hv.fails(A, "Stop-VMFailover -VMName hv-db-01", fq("OperationFailed", "StopVMFailover"))
    hv.ok(B, "Start-VMFailover -VMName hv-web-01 -Confirm:$false\nStart-VM -Name hv-web-01")
    hv.ok(B, "Stop-VMFailover -VMName hv-web-01")
    assert hv.state(B, WEB) == "Replicating"
    assert hv.ok(B, "(Get-VM -Name hv-web-01).State.ToString()") == ["Off"]
    hv.ok(B, "Start-VMFailover -VMName hv-web-01 -AsTest -Confirm:$false | Out-Null")
    hv.fails(B, "Stop-VMFailover -VMName 'hv-web-01 - Test'", fq("OperationFailed", "StopVMFailover"))


def test_row14_stop_failover_on_prepared_primary(hv):
    hv.replicate()
    hv.ok(A, "Stop-VM -Name hv-web-01 -Force\nStart-VMFailover -VMName hv-web-01 -Prepare -Confirm:$false")
    hv.fails(A, "Start-VM -Name hv-web-01", fq("OperationFailed", "StartVM"))
    hv.ok(A, "Stop-VMFailover -VMName hv-web-01\nStart-VM -Name hv-web-01")
    assert hv.state(A, WEB) == "Replicating"
    assert hv.ok(A, "(Get-VM -Name hv-web-01).State.ToString()") == ["Running"]


def test_row15_complete_failover(hv):
    hv.replicate(extra="-RecoveryHistory 4")
    hv.advance(3 * 3600)
    assert len(hv.ok(B, "Get-VMSnapshot -VMName hv-web-01 | ForEach-Object Name")) == 3
    hv.fails(B, "Complete-VMFailover -VMName hv-web-01 -Confirm:$false", fq("InvalidState", "CompleteVMFailover"))
    hv.fails(A, "Complete-VMFailover -VMName hv-web-01 -Confirm:$false", fq("OperationFailed", "CompleteVMFailover"))
    hv.fails(A, "Complete-VMFailover -VMName hv-db-01 -Confirm:$false", fq("OperationFailed", "CompleteVMFailover"))
    hv.ok(B, "Get-VMSnapshot -VMName hv-web-01 -SnapshotType Replica | Select-Object -First 1 | "
             "Start-VMFailover -Confirm:$false\nComplete-VMFailover -VMName hv-web-01 -Confirm:$false")
    b = hv.repl(B, WEB)
    assert (b["State"], b["Health"]) == ("FailedOver", "Warning")
    assert hv.ok(B, "@(Get-VMSnapshot -VMName hv-web-01).Count") == [0]


def test_row16_reverse_after_planned_failover(hv):
    hv.enable_replica_server(A, allow=B)
    hv.replicate()
    hv.fails(B, "Set-VMReplication -VMName hv-web-01 -Reverse", fq("InvalidState", "SetVMReplication"))
    hv.failover_planned()
    hv.fails(A, "Set-VMReplication -VMName hv-web-01 -Reverse", fq("OperationFailed", "SetVMReplication"))
    hv.ok(B, "Set-VMReplication -VMName hv-web-01 -Reverse\nStart-VM -Name hv-web-01")
    b, a = hv.repl(B, WEB), hv.repl(A, WEB)
    assert (b["Mode"], b["State"], b["Health"], b["Replica"]) == ("Primary", "Replicating", "Normal", A)
    assert (a["Mode"], a["State"], a["Primary"]) == ("Replica", "Replicating", B)
    hv.advance(600)
    assert hv.repl(A, WEB)["Last"] == hv.repl(B, WEB)["Last"]  # replication flows B -> A now


def test_row16_reverse_needs_the_old_primary_server_to_accept(hv):
    hv.replicate()
    hv.failover_planned()
    err = hv.fails(B, "Set-VMReplication -VMName hv-web-01 -Reverse", fq("OperationFailed", "SetVMReplication"))
    assert "not enabled as a Replica server" in err["message"]


def test_row17_as_replica_on_old_primary(hv):
    hv.enable_replica_server(A, allow=B)
    hv.replicate()
    hv.fails(A, "Set-VMReplication -VMName hv-db-01 -AsReplica -AllowedPrimaryServer hv-b1.lab.local",
             fq("InvalidState", "SetVMReplication"))
    # unplanned failover: the primary site is "lost", the replica fails over and commits
    hv.ok(B, "Start-VMFailover -VMName hv-web-01 -Confirm:$false\nComplete-VMFailover -VMName hv-web-01 -Confirm:$false")
    hv.ok(A, "Stop-VM -Name hv-web-01 -TurnOff\nSet-VMReplication -VMName hv-web-01 -AsReplica "
             "-AllowedPrimaryServer hv-b1.lab.local")
    a = hv.repl(A, WEB)
    assert (a["Mode"], a["State"]) == ("Replica", "WaitingForInitialReplication")
    hv.ok(B, "Set-VMReplication -VMName hv-web-01 -Reverse -ReplicaServerName hv-a1.lab.local")
    assert hv.state(B, WEB) == "ReadyForInitialReplication"
    hv.ok(B, "Start-VMInitialReplication -VMName hv-web-01")
    hv.advance(120)
    b = hv.repl(B, WEB)
    assert (b["Mode"], b["State"], b["Health"]) == ("Primary", "Replicating", "Normal")
    assert hv.state(A, WEB) == "Replicating"


def test_row18_resume_continue_on_extended_chain(hv):
    hv.replicate()
    hv.ok(B, "Enable-VMReplication hv-web-01 hv-c1.lab.local 80 Kerberos -ReplicationFrequencySec 900\n"
             "Start-VMInitialReplication -VMName hv-web-01")
    hv.advance(120)
    assert hv.state(B, WEB, "Extended") == "Replicating" and hv.state(C, WEB) == "Replicating"
    hv.fails(B, "Resume-VMReplication -VMName hv-web-01 -Continue", fq("InvalidState", "ResumeVMReplication"))
    hv.fails(A, "Resume-VMReplication -VMName hv-web-01 -Continue", fq("InvalidParameter", "ResumeVMReplication"))
    hv.ok(B, "Start-VMFailover -VMName hv-web-01 -Confirm:$false")
    hv.fails(B, "Set-VMReplication -VMName hv-web-01 -Reverse", fq("OperationFailed", "SetVMReplication"))
    hv.ok(B, "Resume-VMReplication -VMName hv-web-01 -Continue")
    b, c = hv.repl(B, WEB), hv.repl(C, WEB)
    assert (b["Mode"], b["State"], b["Relationship"], b["Replica"]) == ("Primary", "Replicating", "Simple", C)
    assert (c["Mode"], c["State"], c["Primary"]) == ("Replica", "Replicating", B)
    hv.advance(900)
    assert hv.repl(C, WEB)["Last"] == hv.repl(B, WEB)["Last"]


def test_row19_remove_replication_is_one_sided(hv):
    hv.replicate()
    hv.fails(A, "Remove-VMReplication -VMName hv-web-01 -ReplicationRelationshipType Extended",
             fq("InvalidParameter", "RemoveVMReplication"))
    hv.ok(A, "Remove-VMReplication -VMName hv-web-01")
    hv.fails(A, "Get-VMReplication -VMName hv-web-01", fq("ObjectNotFound", "GetVMReplication"), "ObjectNotFound")
    assert hv.ok(A, "(Get-VM -Name hv-web-01).ReplicationMode.ToString()") == ["None"]
    assert hv.repl(B, WEB)["Mode"] == "Replica"  # the other side is untouched
    hv.fails(A, "Remove-VMReplication -VMName hv-web-01", fq("InvalidState", "RemoveVMReplication"))
    hv.ok(B, "Remove-VMReplication -VMName hv-web-01")
    assert hv.ok(B, "@(Get-VM -Name hv-web-01).Count; (Get-VM -Name hv-web-01).ReplicationMode.ToString()") == [1, "None"]
