"""Advanced functions as Windows PowerShell 5.1 runs them: [CmdletBinding()], typed param() blocks, binding by
name, common parameters, and $PSCmdlet.ShouldProcess honouring -WhatIf and -Confirm."""
import json

import pytest

A, B = "hv-a1.lab.local", "hv-b1.lab.local"
pytestmark = pytest.mark.lab

STOP_WEB = r"""function Stop-Web {
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [string]$Name = 'hv-web-01'
    )
    if ($PSCmdlet.ShouldProcess($Name, 'stop')) { Stop-VM -Name $Name -Force; 'stopped' } else { 'skipped' }
}
"""


def lines(res):
    return res.out.rstrip("\r\n").split("\r\n") if res.out else []


def state(hv, vm="hv-web-01"):
    return hv.ok(A, "(Get-VM -Name $in.vm).State.ToString()", vm=vm)[0]


def test_typed_parameters_defaults_switches_and_named_or_splatted_calls(hv):
    data = hv.ok(A, r"""
function Get-Info {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)][string]$Name,
        [int]$Count = 2,
        [string]$Note,
        [object[]]$Items = @(),
        [switch]$Loud
    )
    $text = "$Name x$Count items=$(@($Items).Count) note=[$Note] null=$($null -eq $Note) args=$($args.Count)"
    if ($Loud) { $text.ToUpper() } else { $text }
}
Get-Info -Name web
Get-Info web 3 -Loud:$false
$p = @{ Name = 'db'; Items = @(1, 2); Loud = $true }
Get-Info @p
Get-Info -Na web -Count:'4'
""")
    assert data == ["web x2 items=0 note=[] null=False args=0", "web x3 items=0 note=[] null=False args=0",
                    "DB X2 ITEMS=2 NOTE=[] NULL=FALSE ARGS=0", "web x4 items=0 note=[] null=False args=0"]


def test_binding_errors_name_the_function(hv):
    fn = "function Get-One {\n    [CmdletBinding()]\n    param([int]$Count)\n    $Count\n}\n"
    err = hv.fails(A, fn + "Get-One -Nope 1", "NamedParameterNotFound,Get-One", "InvalidArgument")
    assert err["message"] == "A parameter cannot be found that matches parameter name 'Nope'."
    assert err["type"] == "System.Management.Automation.ParameterBindingException"
    err = hv.fails(A, fn + "Get-One 1 2", "PositionalParameterNotFound,Get-One", "InvalidArgument")
    assert err["message"] == "A positional parameter cannot be found that accepts argument '2'."
    err = hv.fails(A, fn + "Get-One -Count many", "ParameterArgumentTransformationError,Get-One", "InvalidData")
    assert err["message"].startswith("Cannot process argument transformation on parameter 'Count'. Cannot convert "
                                     "value \"many\" to type \"System.Int32\".")
    # -WhatIf is a parameter only with SupportsShouldProcess; -W could be -WarningAction or -WarningVariable
    hv.fails(A, fn + "Get-One -WhatIf", "NamedParameterNotFound,Get-One")
    hv.fails(A, fn + "Get-One -W x", "AmbiguousParameter,Get-One")
    hv.fails(A, fn + "Get-One -Count 1 -Count 2", "ParameterAlreadyBound,Get-One")
    # a simple function (no [CmdletBinding()]) keeps what it cannot bind in $args
    assert hv.ok(A, "function Get-Two([int]$Count) { \"$Count $args\" }\nGet-Two 1 2 -Extra") == ["1 2 -Extra"]


def test_whatif_makes_should_process_false_and_writes_to_the_host_not_the_output(hv):
    res = hv.ps(A, STOP_WEB + "$out = @(Stop-Web -WhatIf)\nConvertTo-Json -Compress -InputObject @($out)")
    assert res.code == 0, res
    assert lines(res) == ['What if: Performing the operation "stop" on target "hv-web-01".', '["skipped"]']
    assert state(hv) == "Running"
    res = hv.ps(A, STOP_WEB + "Stop-Web -WhatIf:$false")
    assert lines(res) == ["stopped"] and state(hv) == "Off"


def test_whatif_reaches_the_cmdlets_and_the_functions_called_inside(hv):
    res = hv.ps(A, STOP_WEB + r"""function Invoke-Outer {
    [CmdletBinding(SupportsShouldProcess)]
    param()
    "whatif=$WhatIfPreference"
    Stop-Web
    & { Stop-VM -Name hv-db-01 -Force }
    Stop-VM -Name hv-db-01 -Force -WhatIf:$false
    (Get-VM -Name hv-db-01).State.ToString()
}
$out = @(Invoke-Outer -WhatIf) + @("whatif=$WhatIfPreference")
ConvertTo-Json -Compress -InputObject $out
""")
    assert res.code == 0, res
    assert lines(res)[:2] == ['What if: Performing the operation "stop" on target "hv-web-01".',
                              'What if: Performing the operation "Stop-VM" on target "hv-db-01".']
    assert json.loads(lines(res)[2]) == ["whatif=True", "skipped", "Off", "whatif=False"]
    assert state(hv) == "Running" and state(hv, "hv-db-01") == "Off"


def test_should_process_without_supports_should_process_is_always_true(hv):
    data = hv.ok(A, "function Test-It {\n    [CmdletBinding()]\n    param()\n    $PSCmdlet.ShouldProcess('x', 'y')\n}\n"
                    "$WhatIfPreference = $true\nTest-It")
    assert data == [True]


def test_confirm_impact_high_prompts_and_fails_unless_confirm_false(hv):
    fn = r"""function Remove-It {
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    param()
    if ($PSCmdlet.ShouldProcess('it', 'remove')) { 'removed' }
}
"""
    err = hv.fails(A, fn + "Remove-It", "PSInvalidOperationException", "NotSpecified")
    assert err["type"] == "System.Management.Automation.MethodInvocationException"
    assert "NonInteractive mode" in err["message"] and '"ShouldProcess" with "2" argument(s)' in err["message"]
    assert hv.ok(A, fn + "Remove-It -Confirm:$false") == ["removed"]
    # -Confirm asks even at the default ConfirmImpact (Medium); -Confirm:$false also reaches the cmdlets inside
    hv.fails(A, STOP_WEB + "Stop-Web -Confirm", "PSInvalidOperationException")
    assert state(hv) == "Running"
    hv.replicate()
    out = hv.ok(B, "function Start-It {\n    [CmdletBinding(SupportsShouldProcess)]\n    param()\n"
                   "    $null = Start-VMFailover -VMName hv-web-01\n    'done'\n}\nStart-It -Confirm:$false")
    assert out == ["done"] and hv.state(B, "hv-web-01") == "FailedOverWaitingCompletion"


def test_common_parameters_set_preferences_for_the_body(hv):
    fn = r"""function Write-It {
    [CmdletBinding(SupportsShouldProcess)]
    param()
    Write-Error -Message 'soft' -ErrorId Soft
    if ($PSCmdlet.ShouldProcess('t', 'a')) { 'went on' }
}
"""
    assert hv.ok(A, fn + "Write-It -ErrorAction SilentlyContinue") == ["went on"]
    hv.fails(A, fn + "Write-It", "Soft")  # the envelope's $ErrorActionPreference = 'Stop'
    res = hv.ps(A, fn + "Write-It -ErrorAction SilentlyContinue -Verbose")
    assert lines(res) == ["went on"]
    assert 'Performing the operation "a" on target "t".' in res.err
    hv.fails(A, fn + "Write-It -OutVariable x", "NotModeledBySimulator,Write-It", "NotImplemented")


def test_throw_terminating_error_and_script_blocks_with_cmdlet_binding(hv):
    err = hv.fails(A, "function Get-Strict {\n    [CmdletBinding()]\n    param()\n"
                      "    try { Get-VM -Name nope } catch { $PSCmdlet.ThrowTerminatingError($_) }\n}\nGet-Strict",
                   "InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVM")
    assert "nope" in err["message"]
    assert hv.ok(A, "& { [CmdletBinding()]\nparam([int]$X)\n$X * 2 } -X 3") == [6]
    hv.fails(A, "& { [CmdletBinding()]\nparam([int]$X)\n$X } -Y 3", "NamedParameterNotFound")


def test_a_vmdr_step_runs_as_sent_and_changes_nothing_under_whatif(hv):
    script = r"""function ConvertTo-VmdrError($err) { [ordered]@{ message = $err.Exception.Message; fqid = $err.FullyQualifiedErrorId } }
function Invoke-VmdrEach {
    param([object[]]$InputObject = @(), [scriptblock]$Process)
    $eachResults = @()
    foreach ($eachItem in @($InputObject)) { $eachResults += , ([ordered]@{ i = $eachItem.i; data = @(& $Process $eachItem)[-1] }) }
    return , $eachResults
}
function Stop-Each {
    [CmdletBinding(SupportsShouldProcess)]
    param([object[]]$Vms = @(), [switch]$Force)
    Invoke-VmdrEach -InputObject $Vms -Process {
        param($ref)
        $changed = $false
        if ($Force) {
            $changed = $true
            if ($PSCmdlet.ShouldProcess($ref.name, 'stop')) { Stop-VM -Name $ref.name -Force }
        }
        [ordered]@{ changed = $changed }
    }
}
$in = '{"vms": [{"i": 0, "name": "hv-web-01"}, {"i": 1, "name": "hv-db-01"}], "force": true, "check": true}' | ConvertFrom-Json
$check = [bool]$in.check
$data = Stop-Each -Force:$in.force -Vms:$in.vms -WhatIf:$check
ConvertTo-Json -Compress -Depth 4 -InputObject @{ data = $data; count = @($data).Count }
"""
    res = hv.ps(A, script)
    assert res.code == 0, res
    out = lines(res)
    assert out[:2] == ['What if: Performing the operation "stop" on target "hv-web-01".',
                       'What if: Performing the operation "stop" on target "hv-db-01".']
    answer = json.loads(out[-1])
    assert answer["count"] == 2 and [vm["data"]["changed"] for vm in answer["data"]] == [True, True]
    assert state(hv) == "Running" and state(hv, "hv-db-01") == "Running"


@pytest.mark.parametrize("attribute, text", [
    ("[Parameter(ValueFromPipeline)]", "[Parameter(ValueFromPipeline)] of parameter $Name is not modeled"),
    ("[Parameter(Mandatory, Position = 0)]", "[Parameter(Position)] of parameter $Name is not modeled"),
    ("[Parameter(ParameterSetName = 'ByName')]", "[Parameter(ParameterSetName)] of parameter $Name is not modeled"),
    ("[ValidateSet('hv-web-01')]", "The attribute [ValidateSet()] of parameter $Name is not modeled"),
    ("[ValidateNotNullOrEmpty()]", "The attribute [ValidateNotNullOrEmpty()] of parameter $Name is not modeled"),
    ("[Alias('VMName')]", "The attribute [Alias()] of parameter $Name is not modeled"),
])
def test_parameter_attributes_that_are_not_modeled_fail_instead_of_being_ignored(hv, attribute, text):
    # ignoring them would look like PowerShell behaviour: no pipeline binding, no validation, no alias
    script = "function Get-Name {\n    [CmdletBinding()]\n    param(\n        %s[string]$Name\n    )\n    $Name\n}\n" \
             "Get-Name -Name 'hv-web-01'" % attribute
    err = hv.fails(A, script, "NotModeledBySimulator", "NotImplemented")
    assert text in err["message"], err


def test_parameter_attributes_that_are_modeled_still_bind(hv):
    script = ("function Get-Name {\n    [CmdletBinding()]\n    param(\n        [Parameter(Mandatory = $true)][string]$Name,\n"
              "        [Parameter()][string[]]$More = @()\n    )\n    \"$Name+$(@($More).Count)\"\n}\n"
              "Get-Name -Name a -More b, c")
    assert hv.ok(A, script) == ["a+2"]
