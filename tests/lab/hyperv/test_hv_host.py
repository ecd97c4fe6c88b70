"""Host capacity cmdlets: Get-VMHost, Get-VMHostNumaNode, Get-VHD and Get-Volume follow the model."""
import pytest

A, B = "hv-a1.lab.local", "hv-b1.lab.local"
pytestmark = pytest.mark.lab

GB = 1024 ** 3
HOST = "$h = Get-VMHost\n[ordered]@{Name=$h.Name; Lp=$h.LogicalProcessorCount; Mem=$h.MemoryCapacity; Fqdn=$h.FullyQualifiedDomainName}"
NUMA = "@(Get-VMHostNumaNode) | ForEach-Object { [ordered]@{Id=$_.NodeId; Avail=$_.MemoryAvailable; Total=$_.MemoryTotal} }"
VOLUME = "$v = Get-Volume -DriveLetter D\n[ordered]@{Letter=\"$($v.DriveLetter)\"; Size=$v.Size; Free=$v.SizeRemaining}"


def test_get_vmhost_reports_processors_and_memory(hv):
    assert hv.ok(B, HOST) == [{"Name": "HV-B1", "Lp": 16, "Mem": 65536 * 1024 ** 2, "Fqdn": B}]
    assert hv.ok(A, "(Get-VMHost -ComputerName localhost).Name") == ["HV-A1"]
    assert hv.ok(A, "(Get-VMHost).GetType().FullName") == ["Microsoft.HyperV.PowerShell.VMHost"]


def test_numa_free_memory_follows_running_vms(hv):
    # hv-a1 runs hv-web-01 (4 GB) and hv-db-01 (8 GB); the host keeps 4 GB for itself
    assert hv.ok(A, NUMA) == [{"Id": 0, "Avail": 65536 - 4096 - 12288, "Total": 65536}]
    hv.ok(A, "Stop-VM -Name hv-db-01 -TurnOff -Force")
    assert hv.ok(A, NUMA)[0]["Avail"] == 65536 - 4096 - 4096
    assert hv.ok(B, NUMA)[0]["Avail"] == 65536 - 4096


def test_vhd_sizes_and_volume_free_space_follow_disks(hv):
    paths = hv.ok(A, "(Get-VM -Name hv-db-01).HardDrives | ForEach-Object { (Get-VHD -Path $_.Path).Size }")
    assert paths == [60 * GB, 200 * GB]
    before = hv.ok(B, VOLUME)[0]
    assert (before["Letter"], before["Size"]) == ("D", 2048 * GB)
    assert before["Free"] == (2048 - 100) * GB
    hv.replicate("hv-db-01")
    assert hv.ok(B, VOLUME)[0]["Free"] == before["Free"] - 260 * GB  # the replica's VHDs are on D:
    assert hv.ok(B, "@(Get-Volume).Count") == [2]


def test_missing_volume_and_vhd_are_errors(hv):
    hv.fails(B, "Get-Volume -DriveLetter Q", "CmdletizationQuery_NotFound_DriveLetter,Get-Volume", "ObjectNotFound")
    hv.fails(B, "Get-VHD -Path 'D:\\nope.vhdx'", "ObjectNotFound,Microsoft.HyperV.PowerShell.Commands.GetVHD")
    hv.fails(B, "Get-VMHostNumaNode -Id 3", "InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVMHostNumaNode")


def test_lab_hardware_hook_changes_what_the_cmdlets_report(hv):
    hv.lab("/hardware", body={"host": B, "logical_processors": 2, "memory_mb": 16384,
                              "volumes": [{"letter": "D", "label": "Replica", "size_gb": 500, "used_gb": 10}]})
    hv.lab("/vms", body={"host": B, "vms": [{"name": "big", "state": "Running", "memory_mb": 8192, "cpus": 2,
                                              "disks_gb": [100]}]})
    assert hv.ok(B, HOST)[0]["Lp"] == 2
    assert hv.ok(B, NUMA)[0]["Avail"] == 16384 - 4096 - 8192
    assert hv.ok(B, "@(Get-Volume).Count") == [1]
    # the VM's disk path is on D: (the lab puts added VMs under D:\Hyper-V)
    assert hv.ok(B, VOLUME)[0]["Free"] == (500 - 10 - 100) * GB
    assert hv.ok(B, "(Get-VM -Name big).ProcessorCount") == [2]
    hv.lab("/hardware", body={"host": B, "reset": True})
    assert hv.ok(B, HOST)[0]["Lp"] == 16
