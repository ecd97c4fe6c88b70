"""When a failed-over VM applies its failover TCP/IP settings (reference §8): Microsoft's WMI reference for
Msvm_ReplicationService.SetFailoverNetworkAdapterSettings says they "are applied after a failover operation,
immediately upon establishing communication with the KVP Exchange integration component running within the guest
operating system", i.e. when the guest boots after the failover. The documented planned order reverses the
replication before Start-VM, and that does not cancel it. A guest whose KVP component does not apply them (the
lab switch: the Key-Value Pair Exchange integration service disabled) keeps its own address."""
import pytest

A, B = "hv-a1.lab.local", "hv-b1.lab.local"
NS = "Microsoft.HyperV.PowerShell.Commands."
pytestmark = pytest.mark.lab

FAILOVER_IP = ("Set-VMNetworkAdapterFailoverConfiguration -VMName hv-web-01 -IPv4Address 10.20.1.41 "
               "-IPv4SubnetMask 255.255.255.0 -IPv4DefaultGateway 10.20.1.1")
IPS = "(Get-VMNetworkAdapter -VMName hv-web-01).IPAddresses"
KVP_OFF = "Disable-VMIntegrationService -Name 'Key-Value Pair Exchange' -VMName hv-web-01"


def replica_with_failover_ip(hv, kvp=True):
    """hv-web-01 replicating A -> B, its replica on dr-web with a failover address; A accepts the reverse."""
    hv.enable_replica_server(A, allow=B)
    hv.replicate()
    hv.ok(B, "Connect-VMNetworkAdapter -VMName hv-web-01 -SwitchName dr-web\n" + FAILOVER_IP)
    if not kvp:
        hv.ok(B, KVP_OFF)


def test_planned_failover_reversed_before_the_start_boots_with_the_failover_address(hv):
    replica_with_failover_ip(hv)
    hv.failover_planned()
    assert hv.ok(B, IPS) == []  # failed over, not started: no guest runs
    hv.ok(B, "Set-VMReplication -VMName hv-web-01 -Reverse\nStart-VM -Name hv-web-01")
    assert hv.repl(B, "hv-web-01")["Mode"] == "Primary"
    assert hv.ok(B, IPS) == ["10.20.1.41"]
    # the guest keeps the settings it applied: after a restart it still has them
    hv.ok(B, "Stop-VM -Name hv-web-01 -Force\nStart-VM -Name hv-web-01")
    assert hv.ok(B, IPS) == ["10.20.1.41"]


def test_unplanned_failover_then_commit_and_reverse_keeps_the_failover_address(hv):
    replica_with_failover_ip(hv)
    hv.ok(B, "Start-VMFailover -VMName hv-web-01 -Confirm:$false\nStart-VM -Name hv-web-01")
    assert hv.ok(B, IPS) == ["10.20.1.41"]
    hv.ok(A, "Stop-VM -Name hv-web-01 -TurnOff -Force\n"
             "Set-VMReplication -VMName hv-web-01 -AsReplica -AllowedPrimaryServer hv-b1.lab.local")
    hv.ok(B, "Complete-VMFailover -VMName hv-web-01 -Confirm:$false\n"
             "Set-VMReplication -VMName hv-web-01 -Reverse -ReplicaServerName hv-a1.lab.local")
    assert hv.repl(B, "hv-web-01")["Mode"] == "Primary" and hv.ok(B, IPS) == ["10.20.1.41"]


def test_cancelled_failover_reverts_the_guest_settings(hv):
    replica_with_failover_ip(hv)
    hv.ok(B, "Start-VMFailover -VMName hv-web-01 -Confirm:$false\nStart-VM -Name hv-web-01")
    assert hv.ok(B, IPS) == ["10.20.1.41"]
    hv.ok(B, "Stop-VMFailover -VMName hv-web-01\n"
             "Set-VMNetworkAdapterFailoverConfiguration -VMName hv-web-01 -ClearFailoverIPv4Settings\n"
             "Start-VMFailover -VMName hv-web-01 -Confirm:$false\nStart-VM -Name hv-web-01")
    assert hv.ok(B, IPS) == ["10.10.1.41"]  # the replicated guest's own address, not the earlier failover's


@pytest.mark.parametrize("failover", ["planned", "unplanned", "test"])
def test_a_guest_without_kvp_keeps_its_own_address(hv, failover):
    replica_with_failover_ip(hv, kvp=False)
    if failover == "planned":
        hv.failover_planned()
        hv.ok(B, "Set-VMReplication -VMName hv-web-01 -Reverse\nStart-VM -Name hv-web-01")
        vm = "hv-web-01"
    elif failover == "unplanned":
        hv.ok(B, "Start-VMFailover -VMName hv-web-01 -Confirm:$false\nStart-VM -Name hv-web-01")
        vm = "hv-web-01"
    else:
        hv.ok(B, "Set-VMNetworkAdapter -VMName hv-web-01 -TestReplicaSwitchName dr-test\n"
                 "Start-VMFailover -VMName hv-web-01 -AsTest -Passthru -Confirm:$false | Start-VM")
        vm = "hv-web-01 - Test"
    assert hv.ok(B, "(Get-VMNetworkAdapter -VMName $in.vm).IPAddresses", vm=vm) == ["10.10.1.41"]
    # the failover settings are there; the guest did not apply them
    assert hv.ok(B, "(Get-VMNetworkAdapterFailoverConfiguration -VMName hv-web-01).IPv4Address") == ["10.20.1.41"]


def test_disable_integration_service_models_only_kvp(hv):
    hv.fails(A, "Disable-VMIntegrationService -Name 'No Such Service' -VMName hv-web-01",
             "InvalidParameter,%sDisableVMIntegrationService" % NS)
    err = hv.fails(A, "Disable-VMIntegrationService -Name Heartbeat -VMName hv-web-01",
                   "NotModeledBySimulator,%sDisableVMIntegrationService" % NS)
    assert "Key-Value Pair Exchange" in err["message"]
    hv.ok(A, "Disable-VMIntegrationService 'Key-Value Pair Exchange' hv-web-01")
    hv.ok(A, "Get-VM hv-web-01 | Disable-VMIntegrationService -Name 'Key-Value*'")
