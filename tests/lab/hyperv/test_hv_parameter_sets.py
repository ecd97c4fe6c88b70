"""The simulator binds the Hyper-V cmdlets by their real parameter sets (lab/hyperv/cmdlets/syntax.json, from
Microsoft's cmdlet reference): real-world misuse gets the binding error Windows PowerShell 5.1 gives, and cmdlets
write output only where the reference documents it."""
import pytest

A, B, C = "hv-a1.lab.local", "hv-b1.lab.local", "hv-c1.lab.local"
pytestmark = pytest.mark.lab

NS = "Microsoft.HyperV.PowerShell.Commands."
AMBIGUOUS = "Parameter set cannot be resolved using the specified named parameters."


def fq(error_id, cmdlet):
    return "%s,%s%s" % (error_id, NS, cmdlet)


def error(hv, host, body, **inputs):
    res = hv.js(host, body, **inputs)
    assert not res["ok"], res
    return res["error"]


# (host, script, ErrorId, cmdlet class, message)
MISUSE = [
    # -ReplicationRelationshipType exists only in Remove-VMReplication's VMName set
    (B, "Remove-VMReplication -VM (Get-VM hv-web-01) -ReplicationRelationshipType Extended -Confirm:$false",
     "AmbiguousParameterSet", "RemoveVMReplication", AMBIGUOUS),
    # Complete-VMFailover has no -AsJob
    (B, "Complete-VMFailover -VM (Get-VM hv-web-01) -AsJob -Confirm:$false",
     "NamedParameterNotFound", "CompleteVMFailover", "A parameter cannot be found that matches parameter name 'AsJob'."),
    # Connect-VMNetworkAdapter takes a VM's adapters by -VMName or -VMNetworkAdapter: -VM is only a prefix of both
    (B, "Connect-VMNetworkAdapter -VM (Get-VM hv-web-01) -SwitchName dr-web",
     "AmbiguousParameter", "ConnectVMNetworkAdapter", "Parameter cannot be processed because the parameter name 'VM' "
     "is ambiguous. Possible matches include: -VMName -VMNetworkAdapter -VMSwitch -Name."),
    # Stop-VMFailover has no -AsTest: it stops whatever failover runs
    (B, "Stop-VMFailover -VMName hv-web-01 -AsTest", "NamedParameterNotFound", "StopVMFailover",
     "A parameter cannot be found that matches parameter name 'AsTest'."),
    # the alias is -Relationship, not -RelationshipType
    (B, "Get-VMReplication -VMName hv-web-01 -RelationshipType Extended",
     "NamedParameterNotFound", "GetVMReplication",
     "A parameter cannot be found that matches parameter name 'RelationshipType'."),
    # -Prepare (primary) and -AsTest (replica) are in different sets
    (A, "Start-VMFailover -VMName hv-web-01 -Prepare -AsTest -Confirm:$false",
     "AmbiguousParameterSet", "StartVMFailover", AMBIGUOUS),
    # a recovery snapshot is failed over on the replica: no -Prepare with it
    (B, "Start-VMFailover -VMRecoverySnapshot (Get-VMSnapshot -VMName hv-web-01 -SnapshotType Replica)[0] -Prepare "
        "-Confirm:$false", "AmbiguousParameterSet", "StartVMFailover", AMBIGUOUS),
    # port and authentication are mandatory in the primary sets
    (A, "Enable-VMReplication -VMName hv-db-01 -ReplicaServerName hv-b1.lab.local",
     "MissingMandatoryParameter", "EnableVMReplication",
     "Cannot process command because of one or more missing mandatory parameters: AuthenticationType ReplicaServerPort."),
    # an authorization entry needs its storage location and trust group
    (B, "New-VMReplicationAuthorizationEntry -AllowedPrimaryServer hv-a2.lab.local",
     "MissingMandatoryParameter", "NewVMReplicationAuthorizationEntry",
     "Cannot process command because of one or more missing mandatory parameters: ReplicaStorageLocation TrustGroup."),
    # an adapter object and an adapter name together
    (B, "Get-VMNetworkAdapterFailoverConfiguration -VMNetworkAdapter (Get-VMNetworkAdapter -VMName hv-web-01) "
        "-VMNetworkAdapterName 'Network Adapter'", "AmbiguousParameterSet", "GetVMNetworkAdapterFailoverConfiguration",
     AMBIGUOUS),
    # the filters of Get-VMReplication exist only with -VMName
    (B, "Get-VMReplication -VM (Get-VM hv-web-01) -ReplicationMode Replica",
     "AmbiguousParameterSet", "GetVMReplication", AMBIGUOUS),
    # -ComputerName only with a name, not with a VM object
    (B, "Set-VMNetworkAdapter -VM (Get-VM hv-web-01) -TestReplicaSwitchName dr-test -ComputerName hv-b1.lab.local",
     "AmbiguousParameterSet", "SetVMNetworkAdapter", AMBIGUOUS),
    # the import needs its path
    (B, "Import-VMInitialReplication -VMName hv-web-01", "MissingMandatoryParameter", "ImportVMInitialReplication",
     "Cannot process command because of one or more missing mandatory parameters: Path."),
    # a name and an object for the same VM
    (A, "Start-VM -Name hv-web-01 -VM (Get-VM hv-web-01)", "AmbiguousParameterSet", "StartVM", AMBIGUOUS),
    # -AsReplica turns a VM into a replica target: no replica server settings with it
    (B, "Enable-VMReplication -VM (Get-VM hv-web-01) -AsReplica -ReplicaServerName hv-c1.lab.local",
     "AmbiguousParameterSet", "EnableVMReplication", AMBIGUOUS),
    # a prefix that names several parameters
    (B, "Get-VMReplication -VMName hv-web-01 -Replication Simple", "AmbiguousParameter", "GetVMReplication",
     "Parameter cannot be processed because the parameter name 'Replication' is ambiguous. Possible matches include: "
     "-ReplicationHealth -ReplicationMode -ReplicationRelationshipType -ReplicationState."),
    # too many positional values
    (A, "Stop-VM hv-web-01 extra", "PositionalParameterNotFound", "StopVM",
     "A positional parameter cannot be found that accepts argument 'extra'."),
]


@pytest.mark.parametrize("host,script,error_id,cmdlet,message", MISUSE, ids=[m[2] + "-" + m[3] for m in MISUSE])
def test_misuse_gets_the_real_binding_error(hv, host, script, error_id, cmdlet, message):
    hv.replicate(extra=" -RecoveryHistory 2")
    hv.advance(3600)  # a recovery point exists
    err = error(hv, host, script)
    assert err["fqid"] == fq(error_id, cmdlet)
    assert err["type"] == "System.Management.Automation.ParameterBindingException"
    assert err["category"] == "InvalidArgument"
    possible = message.split("Possible matches include: ")
    if len(possible) == 2:  # the order of the candidates is PowerShell's own, not the reference's
        assert err["message"].startswith(possible[0])
        assert sorted(err["message"].split("include: ")[1].rstrip(".").split()) == \
            sorted(possible[1].rstrip(".").split())
    else:
        assert err["message"] == message


def test_the_real_aliases_and_prefixes_bind(hv):
    hv.replicate()
    hv.ok(B, "Enable-VMReplication -VMName hv-web-01 -ReplicaServer hv-c1.lab.local -ReplicaPort 80 -AuthType Kerberos")
    got = hv.ok(B, "Get-VMReplication -VMName hv-web-01 -Relationship Extended | ForEach-Object { $_.ReplicaServerName }")
    assert got == [C]
    got = hv.ok(B, "Get-VMReplication -VMN hv-web-01 -ReplicationRelationshipType Simple -Health Normal | "
                   "ForEach-Object { \"$($_.ReplicationMode)\" }")
    assert got == ["Replica"]


def test_output_only_where_the_reference_documents_it(hv):
    hv.replicate()
    # Start-VMFailover -AsTest: the documented output without -Passthru is None
    assert hv.ok(B, "@(Start-VMFailover -VMName hv-web-01 -AsTest -Confirm:$false).Count") == [0]
    assert hv.ok(B, "Get-VM -Name 'hv-web-01 - Test' | ForEach-Object { \"$($_.ReplicationMode)\" }") == ["TestReplica"]
    hv.ok(B, "Stop-VMFailover -VMName hv-web-01")
    got = hv.ok(B, "Start-VMFailover -VMName hv-web-01 -AsTest -Passthru -Confirm:$false | ForEach-Object Name")
    assert got == ["hv-web-01 - Test"]
    assert hv.ok(A, "@(Set-VMReplication -VMName hv-web-01 -RecoveryHistory 2).Count") == [0]
    assert hv.ok(A, "@(Set-VMReplication -VMName hv-web-01 -RecoveryHistory 3 -Passthru).Count") == [1]


def test_a_real_parameter_the_simulator_lacks_is_named(hv):
    err = error(hv, A, "Get-VM -ClusterObject $null")
    assert err["fqid"] == "NotModeledBySimulator," + NS + "GetVM"


def test_remove_vm_keeps_the_virtual_hard_disks(hv):
    paths = hv.ok(A, "Get-VHD -VMId (Get-VM hv-db-01).Id | ForEach-Object Path")
    assert len(paths) == 2
    err = error(hv, A, "Remove-VM -VM (Get-VM hv-db-01)")  # ConfirmImpact High: prompts without -Force
    assert err["fqid"].startswith("PromptingFailed") or "prompt" in err["message"].lower(), err
    hv.ok(A, "Remove-VM -VM (Get-VM hv-db-01) -Force")
    assert hv.ok(A, "@(Get-VM | Where-Object Name -eq 'hv-db-01').Count") == [0]
    left = hv.ok(A, "Get-VHD -Path $in.p | ForEach-Object { [ordered]@{ p = $_.Path; a = $_.Attached } }", p=paths)
    assert left == [{"p": p, "a": False} for p in paths]
    hv.ok(A, "Remove-Item -LiteralPath $in.p[0]", p=paths)
    err = error(hv, A, "Get-VHD -Path $in.p[0]", p=paths)
    assert err["fqid"] == fq("ObjectNotFound", "GetVHD")
    assert hv.ok(A, "Get-VHD -Path $in.p[1] | ForEach-Object Path", p=paths) == [paths[1]]
    attached = hv.ok(A, "Get-VHD -VMId (Get-VM hv-web-01).Id | ForEach-Object Path")[0]
    err = error(hv, A, "Remove-Item -LiteralPath $in.p", p=attached)  # a disk in use stays
    assert err["fqid"] == "RemoveFileSystemItemIOError,Microsoft.PowerShell.Commands.RemoveItemCommand"


def test_connect_adapter_to_a_switch_object(hv):
    hv.ok(A, "Connect-VMNetworkAdapter -VMNetworkAdapter (Get-VMNetworkAdapter -VMName hv-web-01) "
             "-VMSwitch (Get-VMSwitch -Name prod-db)")
    assert hv.ok(A, "(Get-VMNetworkAdapter -VMName hv-web-01).SwitchName") == ["prod-db"]
