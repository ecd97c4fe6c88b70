<#
.SYNOPSIS
network_map and reip on replicas: switches of the live and test networks, failover IP settings.

.PARAMETER Vms
VM references {i, name, id, label, live, test, reip}: live and test are [{index, switch}], reip
[{index, action, ip, mask, gateway, dns}]. Before and after list the NICs with their failover IP settings.

.NOTES
Constant: REPLICA_NETWORK
ReadOnly: false
#>
function Set-ReplicaNetwork {
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [object[]]$Vms = @()
    )
    Invoke-VmdrEach -InputObject $Vms -Process {
        param($ref)
        $vm = Get-VmdrVM -Ref $ref
        $before = [ordered]@{ nics = (Get-VmdrNic -VM $vm -FailoverIp) }
        $changed = $false
        if ($ref.live) { if (Set-VmdrSwitch -VM $vm -Map $ref.live) { $changed = $true } }
        if ($ref.test) { if (Set-VmdrSwitch -VM $vm -Map $ref.test -Test) { $changed = $true } }
        if ($ref.reip) { if (Set-VmdrFailoverIp -VM $vm -Plan $ref.reip) { $changed = $true } }
        $after = [ordered]@{ nics = (Get-VmdrNic -VM $vm -FailoverIp) }
        [ordered]@{ changed = $changed; before = $before; after = $after }
    }
}
