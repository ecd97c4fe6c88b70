"""Hyper-V module cmdlets, grouped by area. `Disable-VMReplication` is deliberately absent: it does not
exist in any Hyper-V module (reference §2), so PowerShell reports CommandNotFoundException."""
from . import failover, host, network, replication, server, vm
from .common import not_modeled

# real Hyper-V cmdlets outside the simulator's scope: they fail with NotModeledBySimulator
NOT_MODELED = [
    "New-VM", "Set-VM", "Rename-VM", "Save-VM", "Suspend-VM", "Resume-VM", "Restart-VM", "Export-VM",
    "Import-VM", "Checkpoint-VM", "Restore-VMSnapshot", "Remove-VMSnapshot", "Rename-VMSnapshot",
    "Export-VMSnapshot", "Set-VMHost", "Get-VMHardDiskDrive", "Add-VMHardDiskDrive",
    "Remove-VMHardDiskDrive", "New-VHD", "Resize-VHD", "Add-VMNetworkAdapter",
    "Remove-VMNetworkAdapter", "Rename-VMNetworkAdapter", "New-VMSwitch", "Remove-VMSwitch", "Set-VMSwitch",
    "Get-VMIntegrationService", "Enable-VMIntegrationService", "Get-VMProcessor", "Set-VMProcessor",
    "Get-VMMemory", "Set-VMMemory", "Measure-VM", "Test-VMNetworkAdapter",
    "Get-VMNetworkAdapterIsolation", "Set-VMNetworkAdapterIsolation", "Move-VM", "Compare-VM", "Get-VMGroup",
]

COMMANDS = vm.COMMANDS + network.COMMANDS + server.COMMANDS + replication.COMMANDS + failover.COMMANDS + host.COMMANDS + \
    not_modeled(NOT_MODELED)
