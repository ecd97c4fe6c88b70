"""Static contract of the Hyper-V provider's PowerShell: every cmdlet invocation in powershell/*.ps1 binds to one
parameter set of the real cmdlet (lab/hyperv/cmdlets/syntax.json, from Microsoft's cmdlet reference), with its
mandatory parameters, accepted literal values, and output used only where the reference documents output."""
import importlib.util
import os

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), *[os.pardir] * 6))
SPEC = importlib.util.spec_from_file_location("check_hyperv_cmdlets", os.path.join(ROOT, "tools", "check_hyperv_cmdlets.py"))
checker = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(checker)


def planted(body):
    return [v.problem for v in checker.check_file("planted.ps1", "function Test-Planted {\n%s\n}\n" % body)]


def test_the_provider_scripts_have_no_violation():
    found = checker.check()
    assert [str(v) for v in found] == []
    assert len(checker.defined_functions()) > 20  # the scripts were read


@pytest.mark.parametrize("body,problem", [
    # defect 1: -ReplicationRelationshipType exists only with -VMName
    ("Remove-VMReplication -VM $vm -ReplicationRelationshipType Extended -Confirm:$false",
     "Parameter set cannot be resolved using the specified named parameters. (AmbiguousParameterSet)"),
    # defect 2: the output of Start-VMFailover -AsTest without -Passthru is None
    ("$created = @(Start-VMFailover -VM $vm -AsTest -Confirm:$false)",
     "its output is used, but the reference documents none for these parameters (None without -Passthru)"),
    ("Start-VM -VM $vm | Out-Null",
     "its output is used, but the reference documents none for these parameters (None without -Passthru)"),
    ("Complete-VMFailover -VM $vm -AsJob", "A parameter cannot be found that matches parameter name 'AsJob'. "
                                           "(NamedParameterNotFound)"),
    ("Get-VMReplication -VM $vm -RelationshipType Simple",
     "A parameter cannot be found that matches parameter name 'RelationshipType'. (NamedParameterNotFound)"),
    # defect 9's command: the entry needs its storage location and trust group
    ("New-VMReplicationAuthorizationEntry -AllowedPrimaryServer $peer",
     "Cannot process command because of one or more missing mandatory parameters: ReplicaStorageLocation TrustGroup. "
     "(MissingMandatoryParameter)"),
    ("$splat = @{ VM = $vm; ReplicaServerName = $s }\nEnable-VMReplication @splat",
     "Cannot process command because of one or more missing mandatory parameters: AuthenticationType "
     "ReplicaServerPort. (MissingMandatoryParameter)"),
    ("Get-VMReplication -VMName $n -ReplicationRelationshipType Chained",
     "-ReplicationRelationshipType 'Chained' is not one of Simple, Extended"),
    ("Set-VMReplication -VM $vm -ReplicationFrequencySec 60",
     "-ReplicationFrequencySec 60 is not one of [30, 300, 900] (impl (module parameter validation; the docs do not "
     "state it))"),
    ("Start-VMInitialReplication -VM $vm -DestinationPath $p -UseBackup",
     "-DestinationPath cannot be combined with -UseBackup (impl (module parameter validation; the docs do not state "
     "it))"),
    ("Remove-VMHardDrive -VM $vm", "no such cmdlet or function"),
    ("Get-VMHardDiskDrive -VM $vm", "a module cmdlet the syntax table does not cover"),
])
def test_a_planted_bad_invocation_is_reported(body, problem):
    assert problem in planted(body)


def test_pipeline_input_satisfies_a_mandatory_parameter_and_good_calls_pass():
    assert planted("Get-VMReplication -VM $vm -ReplicationRelationshipType Extended | Remove-VMReplication") == []
    assert planted("$t = @(Start-VMFailover -VM $vm -AsTest -Passthru -Confirm:$false)") == []
    assert planted("$v = Get-Volume -DriveLetter $s.Substring(0, 1)") == []
    assert planted("Set-VMNetworkAdapterFailoverConfiguration -VMNetworkAdapter $nic -IPv4Address $a "
                   "-IPv4SubnetMask $m") == []
