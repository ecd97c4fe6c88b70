"""Advanced functions and script blocks: [CmdletBinding()] (or a [Parameter()] attribute) makes a param() block
bind like a cmdlet, and gives the body $PSCmdlet.

Binding: named arguments must match a declared or a common parameter (exact name, alias, or an unambiguous
prefix), else NamedParameterNotFound / AmbiguousParameter; positional arguments go to the non-switch parameters
in declaration order (PositionalBinding=$false: none), extra ones are PositionalParameterNotFound; $args stays
empty. -WhatIf and -Confirm exist only with SupportsShouldProcess. Like Windows PowerShell, the common
parameters set local preference variables for the body and everything it calls: -ErrorAction
$ErrorActionPreference, -WarningAction $WarningPreference, -InformationAction $InformationPreference, -Verbose
$VerbosePreference (Continue, or SilentlyContinue with :$false), -WhatIf $WhatIfPreference, -Confirm
$ConfirmPreference (Low, or None with :$false). That is how -WhatIf reaches the cmdlets and the
SupportsShouldProcess functions called inside. -Debug and the *Variable / -OutBuffer parameters are not modeled.

$PSCmdlet.ShouldProcess(target[, action]) / (description, warning, caption): with $WhatIfPreference true it
writes "What if: ..." to the host (stdout, not the output stream) and returns $false; when ConfirmImpact is at
or above $ConfirmPreference it would prompt, which fails in the simulator's NonInteractive powershell.exe; else
it writes the operation to the verbose stream (when $VerbosePreference is Continue) and returns $true. Without
SupportsShouldProcess it returns $true and checks nothing. $PSCmdlet.ThrowTerminatingError(record) throws it.
"""
from __future__ import annotations

from . import convert as C
from .errors import ErrorRecord, PSError, PSExceptionObj, method_invocation_error, runtime_error
from .parser import named_children
from .types import ActionPreference, ConfirmImpact
from .values import CIDict, PSObject

BINDING_EXC = "System.Management.Automation.ParameterBindingException"
TRANSFORMATION_EXC = "System.Management.Automation.ParameterBindingArgumentTransformationException"
_IMPACT = {"None": 0, "Low": 1, "Medium": 2, "High": 3}
_BINDING_ARGS = {"supportsshouldprocess", "confirmimpact", "positionalbinding", "defaultparametersetname", "helpuri"}



class Candidate:
    """A parameter a name can bind to: declared (``preference`` None), or common (the preference variable it sets,
    or "" when the simulator does not model it)."""

    def __init__(self, name, aliases=(), switch=False, preference=None):
        self.name, self.aliases, self.switch, self.preference = name, aliases, switch, preference


COMMON = [Candidate("Verbose", ("vb",), True, "VerbosePreference"), Candidate("Debug", ("db",), True, ""),
          Candidate("ErrorAction", ("ea",), False, "ErrorActionPreference"),
          Candidate("WarningAction", ("wa",), False, "WarningPreference"),
          Candidate("InformationAction", ("infa",), False, "InformationPreference"),
          Candidate("ErrorVariable", ("ev",), False, ""), Candidate("WarningVariable", ("wv",), False, ""),
          Candidate("InformationVariable", ("iv",), False, ""), Candidate("OutVariable", ("ov",), False, ""),
          Candidate("OutBuffer", ("ob",), False, ""), Candidate("PipelineVariable", ("pv",), False, "")]
SHOULD_PROCESS = [Candidate("WhatIf", ("wi",), True, "WhatIfPreference"),
                  Candidate("Confirm", ("cf",), True, "ConfirmPreference")]


class Binding:
    """What [CmdletBinding(...)] declares."""

    def __init__(self, should_process=False, confirm_impact="Medium", positional=True):
        self.should_process = should_process
        self.confirm_impact = confirm_impact
        self.positional = positional


def binding_of(interp, container, declared):
    """The Binding of a param() block, or None when it is a simple function's (no [CmdletBinding()] on the block,
    no [Parameter()] on a parameter)."""
    found = None
    attributes = [c for c in named_children(container) if c.type == "attribute_list"] if container is not None else []
    for attr in [a for lst in attributes for a in named_children(lst) if a.type == "attribute"]:
        name_nodes = [c for c in named_children(attr) if c.type == "attribute_name"]
        if not name_nodes or interp.unit_text(name_nodes[0]).strip().lower().rsplit(".", 1)[-1] not in (
                "cmdletbinding", "cmdletbindingattribute"):
            continue
        found = Binding()
        for arg in [a for args in named_children(attr) if args.type == "attribute_arguments"
                    for a in named_children(args) if a.type == "attribute_argument"]:
            kids = named_children(arg)
            key = interp.unit_text(kids[0]).strip()
            value = interp.eval_value(kids[1]) if len(kids) > 1 else True
            low = key.lower()
            if low not in _BINDING_ARGS:
                raise runtime_error("CmdletBinding argument '%s' is not modeled by the Hyper-V simulator." % key,
                                    "NotModeledBySimulator", "NotImplemented")
            if low == "supportsshouldprocess":
                found.should_process = C.is_true(value)
            elif low == "confirmimpact":
                found.confirm_impact = ConfirmImpact(value).name
            elif low == "positionalbinding":
                found.positional = C.is_true(value)
    if found is None and any(d[5] for d in declared):
        found = Binding()
    return found


def refuse_unmodeled(interp, attributes, pname):
    """Parameter attributes the simulator does not model fail (NotModeledBySimulator) instead of being ignored:
    [Parameter()] arguments other than Mandatory (pipeline binding, Position, parameter sets, help messages) and every
    other attribute ([ValidateSet()], [ValidateNotNullOrEmpty()], [Alias()], [AllowNull()] ...). Type constraints
    ([string], [object[]]) are no such attributes."""
    for node in attributes:
        for attr in [a for a in interp._walk(node) if a.type == "attribute"]:
            names = [c for c in named_children(attr) if c.type == "attribute_name"]
            if not names:
                continue
            name = interp.unit_text(names[0]).strip()
            short = name.lower().rsplit(".", 1)[-1]
            short = short[:-len("attribute")] if short.endswith("attribute") else short
            if short != "parameter":
                raise runtime_error("The attribute [%s()] of parameter $%s is not modeled by the Hyper-V simulator."
                                    % (name, pname), "NotModeledBySimulator", "NotImplemented")
            for arg in [a for args in named_children(attr) if args.type == "attribute_arguments"
                        for a in named_children(args) if a.type == "attribute_argument"]:
                key = interp.unit_text(named_children(arg)[0]).strip()
                if key.lower() != "mandatory":
                    raise runtime_error("[Parameter(%s)] of parameter $%s is not modeled by the Hyper-V simulator "
                                        "(only Mandatory is)." % (key, pname), "NotModeledBySimulator",
                                        "NotImplemented")


def binding_error(error_id, message, function, category="InvalidArgument", exc_type=BINDING_EXC):
    rec = ErrorRecord(PSExceptionObj(exc_type, message), "%s,%s" % (error_id, function) if function else error_id,
                      category, activity=function)
    return PSError(rec)


def cast_parameter(interp, pname, type_text, value, function):
    """[type]$Param = argument, failing like parameter binding does (ParameterArgumentTransformationError)."""
    try:
        return interp._cast_to(type_text, value)
    except PSError as e:
        raise binding_error("ParameterArgumentTransformationError",
                            "Cannot process argument transformation on parameter '%s'. %s" % (pname, e.record.message),
                            function, "InvalidData", TRANSFORMATION_EXC)


def unbound_value(interp, types):
    """The value of a parameter left unbound without a default: $null, or the empty value of a scalar type
    ([string] '', [int] 0, [bool] $false), as PowerShell initializes a type-constrained variable."""
    if types and types[-1].lower().replace("system.", "") in ("string", "int", "int32", "long", "int64", "double",
                                                              "bool", "boolean"):
        return interp._cast_to(types[-1], None)
    return None


def _match(candidates, raw, function):
    low = raw.lower()
    for cand in candidates:
        if cand.name.lower() == low or low in cand.aliases:
            return cand
    hits = [c for c in candidates if c.name.lower().startswith(low)]
    if len(hits) == 1:
        return hits[0]
    if hits:
        raise binding_error("AmbiguousParameter", "Parameter cannot be processed because the parameter name '%s' is "
                            "ambiguous. Possible matches include: %s." % (raw, " ".join("-" + c.name for c in hits)),
                            function)
    raise binding_error("NamedParameterNotFound", "A parameter cannot be found that matches parameter name '%s'."
                        % raw, function)


def bind(interp, binding, declared, call_args, function):
    """Binds ``call_args`` to the declared parameters of an advanced function or script block, in the current
    (new) scope; returns its $args (always empty)."""
    candidates = [Candidate(d[0], (), d[4]) for d in declared] + COMMON + (SHOULD_PROCESS if binding.should_process
                                                                          else [])
    bound = {}
    positional = []
    i = 0
    while i < len(call_args):
        a = call_args[i]
        if a.kind != "named":
            positional.append(a)
            i += 1
            continue
        cand = _match(candidates, a.name, function)
        if cand.name.lower() in bound:
            raise binding_error("ParameterAlreadyBound", "Cannot bind parameter because parameter '%s' is specified "
                                "more than once. To provide multiple values to parameters that can accept multiple "
                                "values, use the array syntax. For example, \"-parameter value1,value2,value3\"."
                                % cand.name, function)
        if cand.preference == "":
            raise binding_error("NotModeledBySimulator", "The common parameter -%s of functions is not modeled by "
                                "the Hyper-V simulator." % cand.name, function, "NotImplemented")
        if a.has_value:
            value = a.value
        elif cand.switch:
            value = True
        elif i + 1 < len(call_args) and call_args[i + 1].kind == "positional":
            value = call_args[i + 1].value
            i += 1
        else:
            raise binding_error("MissingArgument", "Missing an argument for parameter '%s'. Specify a parameter of "
                                "type 'System.Object' and try again." % cand.name, function)
        bound[cand.name.lower()] = (cand, value)
        i += 1
    open_params = [d for d in declared if not d[4] and d[0].lower() not in bound] if binding.positional else []
    for a in positional:
        if not open_params:
            shown = a.text if a.text is not None else C.to_str(a.value)
            raise binding_error("PositionalParameterNotFound", "A positional parameter cannot be found that accepts "
                                "argument '%s'." % shown, function)
        d = open_params.pop(0)
        bound[d[0].lower()] = (Candidate(d[0]), a.value)
    for pname, types, mandatory, default, is_switch, dummy in declared:
        key = pname.lower()
        if key in bound:
            value = bound[key][1]
            if types:
                value = cast_parameter(interp, pname, types[-1], value, function)
        elif default is not None:
            value = interp.eval_value(named_children(default)[0])
            if types:
                value = interp._cast_to(types[-1], value)
        elif is_switch:
            value = False
        elif mandatory:
            raise binding_error("MissingMandatoryParameter", "Cannot process command because of one or more missing "
                                "mandatory parameters: %s." % pname, function)
        else:
            value = unbound_value(interp, types)
        interp.scope.vars[pname] = value
    for cand, value in bound.values():
        if cand.preference:
            interp.scope.vars[cand.preference] = _preference(cand.name, value)
    interp.scope.vars["PSCmdlet"] = script_cmdlet(binding, function)
    return []


def _preference(name, value):
    if name == "WhatIf":
        return C.is_true(value)
    if name == "Confirm":
        return ConfirmImpact("Low" if C.is_true(value) else "None")
    if name == "Verbose":
        return ActionPreference("Continue" if C.is_true(value) else "SilentlyContinue")
    return ActionPreference(value if not isinstance(value, list) else value[0])


def script_cmdlet(binding, function):
    """$PSCmdlet of one invocation."""
    def should_process(interp, args):
        if len(args) == 1:
            target, action = C.to_str(args[0]), function
            message = 'Performing the operation "%s" on target "%s".' % (action, target)
        elif len(args) == 2:
            message = 'Performing the operation "%s" on target "%s".' % (C.to_str(args[1]), C.to_str(args[0]))
        elif len(args) == 3:
            message = C.to_str(args[0])
        else:
            raise runtime_error("ShouldProcess with %d arguments is not modeled by the Hyper-V simulator."
                                % len(args), "NotModeledBySimulator", "NotImplemented")
        if not binding.should_process:
            return True
        if C.is_true(interp.get_var("WhatIfPreference")):
            interp.host.write_host("What if: " + message)
            return False
        pref = interp.preference("ConfirmPreference")
        if pref != "None" and _IMPACT[binding.confirm_impact] >= _IMPACT.get(pref, 3):
            raise method_invocation_error("ShouldProcess", len(args),
                                          "System.Management.Automation.PSInvalidOperationException",
                                          "Windows PowerShell is in NonInteractive mode. Read and Prompt "
                                          "functionality is not available.")
        if interp.preference("VerbosePreference") == "Continue":
            interp.host.write_stream("verbose", message)
        return True

    def throw_terminating_error(interp, args):
        if len(args) != 1 or not isinstance(args[0], ErrorRecord):
            raise runtime_error('Cannot convert argument "errorRecord", with value: "%s", for '
                                '"ThrowTerminatingError" to type "System.Management.Automation.ErrorRecord".'
                                % (C.to_str(args[0]) if args else ""), "MethodArgumentConversionInvalidCastArgument",
                                "NotSpecified")
        raise PSError(args[0])

    def not_modeled(method):
        def call(interp, args):
            raise runtime_error("$PSCmdlet.%s is not modeled by the Hyper-V simulator." % method,
                                "NotModeledBySimulator", "NotImplemented")
        return call
    methods = {"shouldprocess": should_process, "throwterminatingerror": throw_terminating_error}
    for method in ("ShouldContinue", "WriteObject", "WriteError", "WriteVerbose", "WriteWarning", "WriteDebug",
                   "WriteProgress", "WriteInformation"):
        methods[method.lower()] = not_modeled(method)
    return PSObject(CIDict([("ParameterSetName", "__AllParameterSets")]),
                    type_names=["System.Management.Automation.PSScriptCmdlet", "System.Management.Automation.PSCmdlet",
                                "System.Management.Automation.Cmdlet",
                                "System.Management.Automation.Internal.InternalCommand", "System.Object"],
                    to_string=lambda: function, methods=methods)
