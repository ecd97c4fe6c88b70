<#
.SYNOPSIS
Host facts: the replica server configuration, its authorization entries and the virtual switches.

.NOTES
Constant: SERVER
ReadOnly: true
#>
function Read-HostConfiguration {
    [CmdletBinding()]
    param()
    Get-VmdrHostConfiguration
}
