"""Cmdlet framework: parameter metadata, binding (named, positional, pipeline, splatting, common
parameters), ShouldProcess/ConfirmImpact, and the per-invocation context cmdlets write through."""
from __future__ import annotations

from . import convert as C
from .errors import ErrorRecord, PSError, PSExceptionObj
from .types import ActionPreference
from .values import CIDict, EnumType, PSHashtable, PSObject, ScriptBlock

VIRT_EXC = "Microsoft.HyperV.PowerShell.VirtualizationException"
_BINDING_EXC = "System.Management.Automation.ParameterBindingException"
_VALIDATION_EXC = "System.Management.Automation.ParameterBindingValidationException"


class Param:
    def __init__(self, name, type="object", position=None, mandatory=False, aliases=(), pipeline=False,
                 by_name=False, validate=None, not_empty=False, remaining=False):
        self.name = name
        self.remaining = remaining
        self.type = type
        self.position = position
        self.mandatory = mandatory
        self.aliases = tuple(aliases)
        self.pipeline = pipeline
        self.by_name = by_name
        self.validate = validate
        self.not_empty = not_empty

    @property
    def is_switch(self):
        return self.type == "switch"


class Arg:
    """One element at the call site: a -Name (maybe with a value) or a positional value."""

    def __init__(self, kind, name=None, value=None, has_value=False, text=None, splatted=False):
        self.kind = kind  # 'named' | 'positional'
        self.name = name
        self.value = value
        self.has_value = has_value
        self.text = text
        self.splatted = splatted


class Call:
    def __init__(self, name, args, input_items, invocation):
        self.name = name
        self.args = args
        self.input = input_items  # None: not in a pipeline; list: upstream output
        self.invocation = invocation


COMMON = [
    Param("Verbose", "switch", aliases=("vb",)), Param("Debug", "switch", aliases=("db",)),
    Param("ErrorAction", ActionPreference, aliases=("ea",)), Param("WarningAction", ActionPreference, aliases=("wa",)),
    Param("InformationAction", ActionPreference, aliases=("infa",)),
    Param("ErrorVariable", "string", aliases=("ev",)), Param("WarningVariable", "string", aliases=("wv",)),
    Param("InformationVariable", "string", aliases=("iv",)), Param("OutVariable", "string", aliases=("ov",)),
    Param("OutBuffer", "int", aliases=("ob",)), Param("PipelineVariable", "string", aliases=("pv",)),
]
SHOULD_PROCESS = [Param("WhatIf", "switch", aliases=("wi",)), Param("Confirm", "switch", aliases=("cf",))]
_IMPACT = {"None": 0, "Low": 1, "Medium": 2, "High": 3}


class Bound(CIDict):
    """Bound parameter values keyed by canonical name."""

    def has(self, name):
        return name in self


class Command:
    name = ""
    namespace = "Microsoft.PowerShell.Commands"
    class_name = ""
    params = []
    should_process = False
    confirm_impact = "Medium"
    takes_all_input = False  # True: process() once with every pipeline item in ctx.input

    @property
    def fq_class(self):
        return "%s.%s" % (self.namespace, self.class_name or self.name.replace("-", "") + "Command")

    def all_params(self):
        return list(self.params) + COMMON + (SHOULD_PROCESS if self.should_process else [])

    # ------------------------------------------------------------------ invocation
    def invoke(self, interp, call):
        ctx = CommandContext(interp, self, call)
        bound = bind(self, call, ctx)
        ctx.bound = bound
        if self.takes_all_input or call.input is None:
            ctx.input = call.input
            self._checked_process(ctx, bound)
        else:
            pipe_params = [p for p in self.params if p.pipeline or p.by_name]
            for item in call.input:
                b = Bound(bound.items())
                if pipe_params:
                    bind_pipeline_item(self, ctx, b, item, pipe_params)
                ctx.current = item
                self._checked_process(ctx, b)
        ctx.finish()
        return ctx.out

    def _checked_process(self, ctx, b):
        missing = [p.name for p in self.params if p.mandatory and p.name not in b]
        if missing:
            raise binding_error(ctx, "MissingMandatoryParameter",
                                "Cannot process command because of one or more missing mandatory parameters: %s."
                                % " ".join(missing))
        self.process(ctx, b)

    def process(self, ctx, b):  # pragma: no cover - overridden
        raise NotImplementedError


# ------------------------------------------------------------------ binding

def _match_param(cmd, ctx, raw):
    allp = cmd.all_params()
    low = raw.lower()
    for p in allp:
        if p.name.lower() == low or low in (a.lower() for a in p.aliases):
            return p
    cands = [p for p in allp if p.name.lower().startswith(low) or any(a.lower().startswith(low) for a in p.aliases)]
    if len(cands) == 1:
        return cands[0]
    if len(cands) > 1:
        raise binding_error(ctx, "AmbiguousParameter",
                            "Parameter cannot be processed because the parameter name '%s' is ambiguous. Possible "
                            "matches include: %s." % (raw, " ".join("-" + p.name for p in cands)))
    raise binding_error(ctx, "NamedParameterNotFound",
                        "A parameter cannot be found that matches parameter name '%s'." % raw)


def bind(cmd, call, ctx):
    bound = Bound()
    positional = []
    args = list(call.args)
    i = 0
    while i < len(args):
        a = args[i]
        if a.kind == "positional":
            positional.append(a)
            i += 1
            continue
        p = _match_param(cmd, ctx, a.name)
        if p.name in bound:
            raise binding_error(ctx, "ParameterAlreadyBound",
                                "Cannot bind parameter because parameter '%s' is specified more than once. To provide "
                                "multiple values to parameters that can accept multiple values, use the array syntax. "
                                "For example, \"-parameter value1,value2,value3\"." % p.name)
        if a.has_value:
            value = a.value
        elif p.is_switch:
            value = True
        else:
            nxt = args[i + 1] if i + 1 < len(args) else None
            if nxt is None or nxt.kind != "positional":
                raise binding_error(ctx, "MissingArgument",
                                    "Missing an argument for parameter '%s'. Specify a parameter of type '%s' and try "
                                    "again." % (p.name, _type_label(p.type)))
            value = nxt.value
            i += 1
        bound[p.name] = coerce(ctx, p, value)
        i += 1
    pos_params = sorted([p for p in cmd.params if p.position is not None], key=lambda p: p.position)
    pos_params = [p for p in pos_params if p.name not in bound]
    remaining = [p for p in pos_params if p.remaining]
    for idx, a in enumerate(positional):
        if remaining and (not pos_params or pos_params[0] is remaining[0]):
            # ValueFromRemainingArguments: this parameter takes every positional value left
            bound[remaining[0].name] = [x.value for x in positional[idx:]]
            break
        if not pos_params:
            raise binding_error(ctx, "PositionalParameterNotFound",
                                "A positional parameter cannot be found that accepts argument '%s'."
                                % C.to_str(a.text if a.text is not None else a.value))
        p = pos_params.pop(0)
        bound[p.name] = coerce(ctx, p, a.value)
    return bound


def bind_pipeline_item(cmd, ctx, bound, item, pipe_params):
    for p in pipe_params:
        if p.name in bound:
            continue
        if p.pipeline:
            ok = _accepts(p, item)
            if ok:
                bound[p.name] = coerce(ctx, p, item)
                return
        if p.by_name and isinstance(item, PSObject):
            for nm in (p.name,) + p.aliases:
                if nm in item.props:
                    bound[p.name] = coerce(ctx, p, item.props[nm])
                    return
    for p in pipe_params:
        if p.pipeline and p.name not in bound:
            raise binding_error(ctx, "InputObjectNotBound",
                                "The input object cannot be bound to any parameters for the command either because "
                                "the command does not take pipeline input or the input and its properties do not match "
                                "any of the parameters that take pipeline input.")


def _accepts(p, item):
    t = p.type
    if isinstance(t, tuple):
        return isinstance(item, PSObject) and t[1] in item.type_names
    if t in ("string", "string[]"):
        return isinstance(item, (str, int, float)) and not isinstance(item, bool)
    return True


def _type_label(t):
    if isinstance(t, EnumType):
        return t.full_name
    if isinstance(t, tuple):
        return t[1] + ("[]" if t[0] == "objs" else "")
    return {"string": "System.String", "string[]": "System.String[]", "int": "System.Int32", "long": "System.Int64",
            "uint64": "System.UInt64", "bool": "System.Boolean", "datetime": "System.DateTime",
            "timespan": "System.TimeSpan", "guid": "System.Guid", "guid[]": "System.Guid[]",
            "hashtable": "System.Collections.Hashtable", "scriptblock": "System.Management.Automation.ScriptBlock",
            "object": "System.Object", "object[]": "System.Object[]", "int[]": "System.Int32[]",
            "scriptblock[]": "System.Management.Automation.ScriptBlock[]"}.get(t, str(t))


def coerce(ctx, p, value):
    t = p.type
    try:
        v = _coerce(t, value, p)
    except PSError as e:
        raise binding_error(ctx, "CannotConvertArgumentNoMessage",
                            "Cannot bind parameter '%s'. %s" % (p.name, e.record.message), category="InvalidArgument")
    except ValueError as e:
        shown = C.to_str(value)
        raise binding_error(ctx, "CannotConvertArgumentNoMessage",
                            'Cannot bind parameter \'%s\'. Cannot convert value "%s" to type "%s". Error: "%s"'
                            % (p.name, shown, _type_label(t), e), category="InvalidArgument")
    if p.not_empty and (v is None or v == "" or v == []):
        raise binding_error(ctx, "ParameterArgumentValidationError",
                            "Cannot validate argument on parameter '%s'. The argument is null or empty. Provide an "
                            "argument that is not null or empty, and then try the command again." % p.name,
                            category="InvalidData", exc_type=_VALIDATION_EXC)
    if p.validate is not None and v is not None:
        msg = p.validate(v)
        if msg:
            raise binding_error(ctx, "ParameterArgumentValidationError",
                                "Cannot validate argument on parameter '%s'. %s" % (p.name, msg),
                                category="InvalidData", exc_type=_VALIDATION_EXC)
    return v


def _one(value, t, p):
    if isinstance(value, list):
        if len(value) == 1:
            return value[0]
        raise ValueError("Cannot convert 'System.Object[]' to the type '%s' required by parameter '%s'. Specified "
                         "method is not supported." % (_type_label(t), p.name))
    return value


def _coerce(t, value, p):
    if isinstance(t, EnumType):
        return t(_one(value, t, p))
    if isinstance(t, tuple):
        kind, type_name = t
        items = value if isinstance(value, list) else [value]
        for it in items:
            if not (isinstance(it, PSObject) and type_name in it.type_names):
                raise ValueError('Cannot convert the "%s" value of type "%s" to type "%s".'
                                 % (C.to_str(it), C.type_name_of(it), type_name))
        return items if kind == "objs" else items[0]
    if t == "switch":
        return C.is_true(value)
    if t == "bool":
        v = _one(value, t, p)
        if isinstance(v, (bool, int)) or v is None:
            return bool(v)
        raise ValueError("Cannot convert value \"System.String\" to type \"System.Boolean\". Boolean parameters "
                         "accept only Boolean values and numbers, such as $True, $False, 1 or 0.")
    if t == "string":
        v = _one(value, t, p)
        return None if v is None else C.to_str(v)
    if t == "string[]":
        if value is None:
            return None
        return [C.to_str(x) for x in (value if isinstance(value, list) else [value])]
    if t in ("int", "long", "uint64"):
        return C.to_int(_one(value, t, p), 32 if t == "int" else 64)
    if t == "int[]":
        return [C.to_int(x) for x in (value if isinstance(value, list) else [value])]
    if t == "datetime":
        return C.convert_to(_one(value, t, p), "System.DateTime")
    if t == "timespan":
        return C.convert_to(_one(value, t, p), "System.TimeSpan")
    if t == "guid":
        return C.convert_to(_one(value, t, p), "System.Guid")
    if t == "guid[]":
        return [C.convert_to(x, "System.Guid") for x in (value if isinstance(value, list) else [value])]
    if t == "hashtable":
        v = _one(value, t, p)
        if isinstance(v, PSHashtable):
            return v
        raise ValueError("Cannot convert the \"%s\" value of type \"%s\" to type \"System.Collections.Hashtable\"."
                         % (C.to_str(v), C.type_name_of(v)))
    if t == "scriptblock":
        v = _one(value, t, p)
        if isinstance(v, ScriptBlock):
            return v
        raise ValueError("Cannot convert the \"%s\" value of type \"%s\" to type "
                         "\"System.Management.Automation.ScriptBlock\"." % (C.to_str(v), C.type_name_of(v)))
    if t == "scriptblock[]":
        items = value if isinstance(value, list) else [value]
        for it in items:
            if not isinstance(it, ScriptBlock):
                raise ValueError("Cannot convert the \"%s\" value of type \"%s\" to type "
                                 "\"System.Management.Automation.ScriptBlock\"." % (C.to_str(it), C.type_name_of(it)))
        return items
    if t == "object[]":
        return value if isinstance(value, list) else [value]
    return value


def binding_error(ctx, error_id, message, category="InvalidArgument", exc_type=_BINDING_EXC):
    rec = ErrorRecord(PSExceptionObj(exc_type, message), "%s,%s" % (error_id, ctx.command.fq_class), category,
                      invocation=ctx.call.invocation, activity=ctx.call.name)
    return PSError(rec)


# ------------------------------------------------------------------ context

class CommandContext:
    def __init__(self, interp, command, call):
        self.interp = interp
        self.command = command
        self.call = call
        self.bound = Bound()
        self.out = []
        self.input = None
        self.current = None
        self.errors = []
        self.warnings = []

    # output
    def write(self, obj, enumerate_=True):
        if enumerate_ and isinstance(obj, list):
            self.out.extend(obj)
        else:
            self.out.append(obj)

    # errors
    def fqid(self, error_id):
        return "%s,%s" % (error_id, self.command.fq_class)

    def make_error(self, message, error_id, category, target=None, exc_type=VIRT_EXC, target_name=None,
                   target_type=None):
        return ErrorRecord(PSExceptionObj(exc_type, message), self.fqid(error_id), category, target=target,
                           invocation=self.call.invocation, activity=self.call.name, target_name=target_name,
                           target_type=target_type)

    def error(self, message, error_id, category, target=None, exc_type=VIRT_EXC, **kw):
        """Write a non-terminating error (honours -ErrorAction / $ErrorActionPreference)."""
        self.write_error(self.make_error(message, error_id, category, target, exc_type, **kw))

    def throw(self, message, error_id, category, target=None, exc_type=VIRT_EXC):
        """A statement-terminating error (ThrowTerminatingError)."""
        raise PSError(self.make_error(message, error_id, category, target, exc_type))

    def error_action(self):
        if "ErrorAction" in self.bound:
            return self.bound["ErrorAction"].name
        return self.interp.preference("ErrorActionPreference")

    def write_error(self, record):
        self.errors.append(record)
        self.interp.note_failure()
        action = self.error_action()
        ev = self.bound.get("ErrorVariable")
        if ev:
            self.interp.append_error_variable(ev, record)
        if action == "Stop":
            raise PSError(record, kind="script")
        if action == "Ignore":
            return
        self.interp.record_error(record)
        if action in ("Continue", "Inquire"):
            self.interp.emit_error(record, self)

    def warn(self, message):
        action = self.bound["WarningAction"].name if "WarningAction" in self.bound else \
            self.interp.preference("WarningPreference")
        if action in ("SilentlyContinue", "Ignore"):
            return
        if action == "Stop":
            rec = ErrorRecord(PSExceptionObj("System.Management.Automation.ActionPreferenceStopException",
                                             "The running command stopped because the preference variable "
                                             "\"WarningPreference\" or common parameter is set to Stop: " + message),
                              "ActionPreferenceStop", "OperationStopped", invocation=self.call.invocation)
            raise PSError(rec, kind="script")
        self.interp.host.write_stream("warning", message)

    def verbose(self, message):
        if self.bound.get("Verbose") or self.interp.preference("VerbosePreference") == "Continue":
            self.interp.host.write_stream("verbose", message)

    # ShouldProcess
    def should_process(self, target, action):
        # -WhatIf (also -WhatIf:$false) wins over $WhatIfPreference, which -WhatIf on a calling function sets
        whatif = self.bound["WhatIf"] if "WhatIf" in self.bound else C.is_true(self.interp.get_var("WhatIfPreference"))
        if whatif:
            self.interp.host.write_host('What if: Performing the operation "%s" on target "%s".' % (action, target))
            return False
        confirm = self.bound.get("Confirm")
        if confirm is False:
            return True
        pref = self.interp.preference("ConfirmPreference")
        needs = confirm is True or (pref != "None" and _IMPACT[self.command.confirm_impact] >= _IMPACT.get(pref, 3))
        if needs:
            self.interp.prompt_unavailable(self, action, target)
        return True

    def finish(self):
        ov = self.bound.get("OutVariable")
        if ov:
            self.interp.set_var(ov.lstrip("+"), list(self.out))


def hashtable_to_args(h):
    """Splatting @params: hashtable entries become named arguments (switches take the boolean)."""
    return [Arg("named", C.to_str(k), v, has_value=True, splatted=True) for k, v in h.items()]
