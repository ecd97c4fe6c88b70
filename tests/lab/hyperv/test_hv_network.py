"""Switches, adapters, VLANs and failover IP configuration (reference §8) on the seeded site."""
import pytest

import re

A, B = "hv-a1.lab.local", "hv-b1.lab.local"
pytestmark = pytest.mark.lab

NS = "Microsoft.HyperV.PowerShell.Commands."


def test_seeded_switches_and_vms(hv):
    sw = hv.ok(B, "Get-VMSwitch | ForEach-Object { '{0}:{1}:{2}' -f $_.Name, $_.SwitchType, [int]$_.SwitchType }")
    assert sw == ["dr-db:External:2", "dr-test:Private:0", "dr-web:External:2"]
    assert hv.ok(A, "Get-VMSwitch | ForEach-Object Name") == ["prod-db", "prod-web"]
    nics = hv.ok(A, "Get-VMNetworkAdapter -VMName * | ForEach-Object { [ordered]@{VM=$_.VMName; Switch=$_.SwitchName; "
                    "Mac=$_.MacAddress; IP=@($_.IPAddresses)} }")
    # the multi-NIC VMs are Off: their guests report no address
    assert [(n["VM"], n["Switch"], n["IP"]) for n in nics] == [
        ("hv-app-01", "prod-web", []), ("hv-app-01", "prod-db", []), ("hv-chain-01", "prod-web", []),
        ("hv-chain-01", "prod-db", []), ("hv-db-01", "prod-db", ["10.10.2.41"]), ("hv-web-01", "prod-web", ["10.10.1.41"])]
    names = hv.ok(A, "Get-VMNetworkAdapter -VMName hv-app-01 | ForEach-Object Name")
    assert names == ["Network Adapter", "Network Adapter"]  # as Hyper-V names them: only the object tells them apart
    assert all(re.fullmatch(r"00155D[0-9A-F]{6}", n["Mac"]) for n in nics)
    hv.fails(B, "Get-VMSwitch -Name prod-web", "InvalidParameter,%sGetVMSwitch" % NS)
    assert hv.ok(B, "@(Get-VMSwitch -Name prod-*).Count") == [0]


def test_replica_adapter_is_not_connected_until_mapped(hv):
    hv.replicate()
    assert hv.ok(B, "(Get-VMNetworkAdapter -VMName hv-web-01).SwitchName") == [None]
    hv.fails(B, "Connect-VMNetworkAdapter -VMName hv-web-01 -SwitchName prod-web",
             "InvalidParameter,%sConnectVMNetworkAdapter" % NS)
    hv.ok(B, "Connect-VMNetworkAdapter -VMName hv-web-01 -SwitchName dr-web")
    assert hv.ok(B, "(Get-VMNetworkAdapter -VMName hv-web-01).SwitchName") == ["dr-web"]
    hv.ok(B, "Get-VMNetworkAdapter -VMName hv-web-01 | Connect-VMNetworkAdapter -SwitchName dr-db")
    assert hv.ok(B, "(Get-VM hv-web-01).NetworkAdapters[0].SwitchName") == ["dr-db"]


def test_vlan_settings(hv):
    hv.ok(A, "Set-VMNetworkAdapterVlan -VMName hv-web-01 -Access -VlanId 101")
    v = hv.ok(A, "$v = Get-VMNetworkAdapterVlan -VMName hv-web-01\n"
                 "[ordered]@{Mode=$v.OperationMode.ToString(); Id=$v.AccessVlanId}")
    assert v == [{"Mode": "Access", "Id": 101}]
    hv.ok(A, "Set-VMNetworkAdapterVlan -VMName hv-web-01 -Trunk -AllowedVlanIdList '100-102,200' -NativeVlanId 100")
    assert hv.ok(A, "(Get-VMNetworkAdapterVlan -VMName hv-web-01).AllowedVlanIdListString") == ["100-102,200"]
    hv.fails(A, "Set-VMNetworkAdapterVlan -VMName hv-web-01 -Access -VlanId 0",
             "InvalidParameter,%sSetVMNetworkAdapterVlan" % NS)
    hv.ok(A, "Set-VMNetworkAdapterVlan -VMName hv-web-01 -Untagged")
    assert hv.ok(A, "[int](Get-VMNetworkAdapterVlan hv-web-01).OperationMode") == [0]


def test_failover_ip_configuration_and_reip_at_boot(hv):
    hv.replicate()
    setcfg = ("Set-VMNetworkAdapterFailoverConfiguration -VMName hv-web-01 -IPv4Address 10.20.1.41 "
              "-IPv4SubnetMask 255.255.255.0 -IPv4DefaultGateway 10.20.1.1 -IPv4PreferredDNSServer 10.20.0.10 "
              "-IPv6Address fd00::41 -IPv6SubnetPrefixLength 64")
    hv.fails(B, "Set-VMNetworkAdapterFailoverConfiguration -VMName hv-web-01 -IPv4Address 10.20.1.41",
             "InvalidParameter,%sSetVMNetworkAdapterFailoverConfiguration" % NS)
    hv.fails(B, "Set-VMNetworkAdapterFailoverConfiguration -VMName hv-web-01 -IPv4Address 10.20.1.300 "
                "-IPv4SubnetMask 255.255.255.0", "InvalidParameter,%sSetVMNetworkAdapterFailoverConfiguration" % NS)
    hv.ok(B, setcfg)
    cfg = hv.ok(B, "$f = Get-VMNetworkAdapterFailoverConfiguration -VMName hv-web-01\n"
                   "[ordered]@{ip=$f.IPv4Address; mask=$f.IPv4SubnetMask; gw=$f.IPv4DefaultGateway; "
                   "dns=$f.IPv4PreferredDNSServer; len=$f.IPv6SubnetPrefixLength; "
                   "lenType=$f.IPv6SubnetPrefixLength.GetType().Name}")[0]
    assert cfg == {"ip": "10.20.1.41", "mask": "255.255.255.0", "gw": "10.20.1.1", "dns": "10.20.0.10", "len": "64",
                   "lenType": "String"}
    # a test failover on the isolated switch boots with the failover address
    hv.ok(B, "Set-VMNetworkAdapter -VMName hv-web-01 -TestReplicaSwitchName dr-test")
    ips = hv.ok(B, "Start-VMFailover -VMName hv-web-01 -AsTest -Passthru -Confirm:$false | Start-VM -Passthru | "
                   "ForEach-Object { $_.NetworkAdapters[0].IPAddresses; $_.NetworkAdapters[0].SwitchName }")
    assert ips == ["10.20.1.41", "dr-test"]
    hv.ok(B, "Stop-VMFailover -VMName hv-web-01")
    hv.ok(B, "Connect-VMNetworkAdapter -VMName hv-web-01 -SwitchName dr-web\n"
             "Start-VMFailover -VMName hv-web-01 -Confirm:$false\nStart-VM hv-web-01")
    assert hv.ok(B, "(Get-VMNetworkAdapter hv-web-01).IPAddresses") == ["10.20.1.41"]
    hv.ok(B, "Stop-VMFailover hv-web-01\n"
             "Set-VMNetworkAdapterFailoverConfiguration -VMName hv-web-01 -ClearFailoverIPv4Settings\n"
             "Start-VMFailover -VMName hv-web-01 -Confirm:$false\nStart-VM hv-web-01")
    assert hv.ok(B, "(Get-VMNetworkAdapter hv-web-01).IPAddresses") == ["10.10.1.41"]  # primary's settings


def test_test_replica_switch_only_for_replication_enabled_vms(hv):
    hv.fails(A, "Set-VMNetworkAdapter -VMName hv-web-01 -TestReplicaSwitchName prod-web",
             "InvalidOperation,%sSetVMNetworkAdapter" % NS)
    hv.enable()
    hv.fails(B, "Set-VMNetworkAdapter -VMName hv-web-01 -TestReplicaSwitchName nope",
             "InvalidParameter,%sSetVMNetworkAdapter" % NS)


def test_replica_server_configuration(hv):
    srv = hv.ok(B, "$s = Get-VMReplicationServer\n[ordered]@{on=$s.ReplicationEnabled; "
                   "auth=$s.AllowedAuthenticationType.ToString(); kp=$s.KerberosAuthenticationPort; "
                   "cp=$s.CertificateAuthenticationPort; entries=@($s.AuthorizationEntries | "
                   "ForEach-Object AllowedPrimaryServer); mon=$s.MonitoringInterval.TotalHours}")[0]
    assert srv == {"on": True, "auth": "CertificateAndKerberos", "kp": 80, "cp": 443, "entries": [A], "mon": 12.0}
    assert hv.ok(A, "(Get-VMReplicationServer).ReplicationEnabled") == [False]
    hv.fails(A, "Set-VMReplicationServer $true Kerberos $true", "InvalidParameter,%sSetVMReplicationServer" % NS)
    hv.fails(A, "Set-VMReplicationServer -ReplicationEnabled $true -AllowedAuthenticationType Kerberos "
                "-CertificateAuthenticationPort 8443", "InvalidParameter,%sSetVMReplicationServer" % NS)
    hv.fails(A, "Set-VMReplicationServer -MonitoringInterval '05:00:00'", "InvalidParameter,%sSetVMReplicationServer" % NS)
    hv.ok(A, "Set-VMReplicationServer $true Kerberos -KerberosAuthenticationPort 8080")
    hv.fails(A, "New-VMReplicationAuthorizationEntry -AllowedPrimaryServer 'hv-*.lab.local' "
                "-ReplicaStorageLocation D:\\R -TrustGroup G", "InvalidParameter,%sNewVMReplicationAuthorizationEntry" % NS)
    hv.ok(A, "New-VMReplicationAuthorizationEntry '*.lab.local' D:\\R G | Out-Null")
    hv.fails(A, "New-VMReplicationAuthorizationEntry '*.lab.local' D:\\R G",
             "OperationFailed,%sNewVMReplicationAuthorizationEntry" % NS)
    assert hv.ok(B, "Test-VMReplicationConnection hv-a1.lab.local 8080 Kerberos") == \
        ["Connection to the specified Replica server was successful."]
    hv.fails(B, "Test-VMReplicationConnection hv-a1.lab.local 80 Kerberos",
             "OperationFailed,%sTestVMReplicationConnection" % NS)
    hv.ok(A, "Remove-VMReplicationAuthorizationEntry '*.lab.local'")
    assert hv.ok(A, "@(Get-VMReplicationAuthorizationEntry).Count") == [0]


def test_lab_vms_with_several_adapters_all_named_network_adapter(hv):
    """/lab/vms "nics": one adapter per entry, each named "Network Adapter" as Hyper-V names them; a failover
    configuration asked by that name matches every adapter, asked by the adapter object only that one."""
    hv.lab("/vms", body={"host": A, "vms": [{"name": "two-nic", "state": "Off", "nics": [
        {"switch": "prod-web", "ip": "10.10.1.61", "gateway": "10.10.1.1"},
        {"switch": "prod-db", "ip": "10.10.2.61", "prefix": 24, "gateway": "10.10.2.1"}]}]})
    nics = hv.ok(A, "Get-VMNetworkAdapter -VMName two-nic | ForEach-Object { [ordered]@{Name=$_.Name; "
                    "Switch=$_.SwitchName; Mac=$_.MacAddress} }")
    assert [(n["Name"], n["Switch"]) for n in nics] == [("Network Adapter", "prod-web"), ("Network Adapter", "prod-db")]
    assert nics[0]["Mac"] != nics[1]["Mac"]
    hv.ok(A, "$a = @(Get-VMNetworkAdapter -VMName two-nic)[1]\n"
             "Set-VMNetworkAdapterFailoverConfiguration -VMNetworkAdapter $a -IPv4Address 10.20.2.61 "
             "-IPv4SubnetMask 255.255.255.0")
    by_name = "@(Get-VMNetworkAdapterFailoverConfiguration -VMName two-nic -VMNetworkAdapterName 'Network Adapter')"
    assert hv.ok(A, by_name + ".Count") == [2]
    assert hv.ok(A, "foreach ($a in @(Get-VMNetworkAdapter -VMName two-nic)) {\n"
                    "    \"$((Get-VMNetworkAdapterFailoverConfiguration -VMNetworkAdapter $a).IPv4Address)\"\n"
                    "}") == ["", "10.20.2.61"]
