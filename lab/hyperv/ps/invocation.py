"""Functions, script blocks, pipelines and command invocation (mixed into the Interpreter)."""
from __future__ import annotations

import re

from . import advanced
from . import convert as C
from . import literals as L
from . import operators as O
from .commands import Arg, Call, hashtable_to_args
from .errors import ErrorRecord, FlowReturn, InvocationInfo, PSError, PSExceptionObj, runtime_error
from .parser import decode_param_digits, named_children
from .types import ActionPreference
from .values import AutomationNull, CIDict, PSHashtable, PSObject, ScriptBlock

_ALIASES = {
    "%": "ForEach-Object", "foreach": "ForEach-Object", "?": "Where-Object", "where": "Where-Object",
    "select": "Select-Object", "sort": "Sort-Object", "measure": "Measure-Object", "echo": "Write-Output",
    "write": "Write-Output", "ft": "Format-Table", "fl": "Format-List", "sleep": "Start-Sleep",
    "gcm": "Get-Command", "gm": "Get-Member", "ipmo": "Import-Module", "gv": "Get-Variable",
    "group": "Group-Object", "tee": "Tee-Object", "oh": "Out-Host", "iex": "Invoke-Expression",
}
_REDIRECT = re.compile(r"^(\d|\*)?(>>?)(&\d|\$null|.*)$")


class Scope:
    def __init__(self, parent=None):
        self.parent = parent
        self.vars = CIDict()
        self.functions = CIDict()


class Function:
    def __init__(self, name, unit, params_node, body_node, is_filter=False):
        self.name = name
        self.unit = unit
        self.params_node = params_node
        self.body_node = body_node
        self.is_filter = is_filter


class InvocationMixin:
    def define_function(self, node):
        kids = named_children(node)
        name = self.unit_text([c for c in kids if c.type == "function_name"][0])
        params = [c for c in kids if c.type == "function_parameter_declaration"]
        body = [c for c in kids if c.type not in ("function_name", "function_parameter_declaration")]
        is_filter = node.children[0].type == "filter"
        fn = Function(name, self.unit, params[0] if params else None, body, is_filter)
        self.scope.functions[name] = fn

    def find_function(self, name):
        s = self.scope
        while s is not None:
            if name in s.functions:
                return s.functions[name]
            s = s.parent
        return None

    def _param_nodes(self, node):
        """script_parameter nodes of a param_block or function_parameter_declaration."""
        if node is None:
            return []
        return [n for n in self._walk(node) if n.type == "script_parameter"]

    def _declared_params(self, params_container):
        declared = []
        for pn in self._param_nodes(params_container):
            var = [c for c in named_children(pn) if c.type == "variable"][0]
            _, pname = self._split_var(self.unit_text(var))
            types = []
            mandatory = False
            parameter_attr = False
            attributes = [c for c in named_children(pn) if c.type in ("attribute", "attribute_list")]
            advanced.refuse_unmodeled(self, attributes, pname)
            for attr in attributes:
                for a in self._walk(attr):
                    if a.type == "type_literal" and a.parent is not None and a.parent.type == "attribute":
                        types.append(self._type_text(a))
                    elif a.type == "attribute_name" and self.unit_text(a).strip().lower().rsplit(".", 1)[-1] in (
                            "parameter", "parameterattribute"):
                        parameter_attr = True
                atext = self.unit_text(attr).lower().replace(" ", "")
                if "mandatory" in atext and "mandatory=$false" not in atext:
                    mandatory = True
            default = [c for c in named_children(pn) if c.type == "script_parameter_default"]
            is_switch = any(t.lower() in ("switch", "system.management.automation.switchparameter") for t in types)
            declared.append((pname, types, mandatory, default[0] if default else None, is_switch, parameter_attr))
        return declared

    _COMMON_WITH_VALUE = {"erroraction", "ea", "warningaction", "wa", "errorvariable", "ev", "outvariable", "ov",
                          "warningvariable", "wv", "informationaction", "infa", "informationvariable", "iv"}

    def _bind_params(self, params_container, call_args, input_items, function=""):
        """Bind call arguments (Arg list) to a param() block. Returns the unbound positional values ($args).
        An advanced function's block ([CmdletBinding()], [Parameter()]) binds like a cmdlet (advanced.py)."""
        declared = self._declared_params(params_container)
        binding = advanced.binding_of(self, params_container, declared)
        if binding is not None:
            return advanced.bind(self, binding, declared, call_args, function)
        bound = {}
        positional = []
        i = 0
        while i < len(call_args):
            a = call_args[i]
            if a.kind != "named":
                positional.append(a.value)
                i += 1
                continue
            low = a.name.lower()
            exact = [d for d in declared if d[0].lower() == low]
            cands = exact or [d for d in declared if d[0].lower().startswith(low)]
            if len(cands) != 1:
                if low in self._COMMON_WITH_VALUE:
                    if low in ("erroraction", "ea"):
                        val = a.value if a.has_value else (call_args[i + 1].value if i + 1 < len(call_args) else None)
                        self.scope.vars["ErrorActionPreference"] = ActionPreference(val)
                    i += 1 if a.has_value else 2
                    continue
                positional.append(a.text if a.text else "-" + a.name)
                i += 1
                continue
            d = cands[0]
            if a.has_value:
                value = a.value
            elif d[4]:
                value = True
            elif i + 1 < len(call_args) and call_args[i + 1].kind == "positional":
                value = call_args[i + 1].value
                i += 1
            else:
                raise runtime_error("Missing an argument for parameter '%s'. Specify a parameter of type "
                                    "'System.Object' and try again." % d[0], "MissingArgument", "InvalidArgument",
                                    exc_type="System.Management.Automation.ParameterBindingException")
            bound[d[0].lower()] = value
            i += 1
        for pname, types, mandatory, default, is_switch, dummy in declared:
            key = pname.lower()
            if key in bound:
                value, found = bound[key], True
            elif not is_switch and positional:
                value, found = positional.pop(0), True
            else:
                found = False
                value = advanced.unbound_value(self, types)
                if default is not None:
                    value = self.eval_value(named_children(default)[0])
                elif is_switch:
                    value = False
            if types and found:
                value = advanced.cast_parameter(self, pname, types[-1], value, function)
            self.scope.vars[pname] = value
        return positional

    @staticmethod
    def _as_args(positional=None, named=None):
        out = [Arg("positional", value=v) for v in (positional or [])]
        for k, v in (named.items() if named else []):
            out.append(Arg("named", k, v, has_value=True))
        return out

    def _run_named_blocks(self, nbl, input_items, top=False):
        blocks = {}
        for nb in named_children(nbl):
            bname = self.unit_text([c for c in named_children(nb) if c.type == "block_name"][0]).lower()
            blocks[bname] = [c for c in named_children(nb) if c.type == "statement_block"][0]
        out = []
        if "begin" in blocks:
            out.extend(self.exec_block(blocks["begin"]))
        if "process" in blocks:
            for item in (input_items if input_items is not None else [None]):
                self.scope.vars["_"] = item
                try:
                    out.extend(self.exec_block(blocks["process"]))
                except FlowReturn as r:
                    out.extend(r.args[0] if r.args else [])
        if "end" in blocks:
            out.extend(self.exec_block(blocks["end"]))
        return out

    def call_function(self, fn, call_args, input_items):
        saved_scope, saved_unit = self.scope, self.unit
        self.scope = Scope(parent=self.scope)
        self.unit = fn.unit
        try:
            body = fn.body_node
            param_block = None
            blocks = []
            for b in body:
                if b.type == "script_block":
                    for c in named_children(b):
                        if c.type == "param_block":
                            param_block = c
                        else:
                            blocks.append(c)
                elif b.type == "param_block":
                    param_block = b
                else:
                    blocks.append(b)
            leftover = self._bind_params(fn.params_node or param_block, call_args, input_items, fn.name)
            self.scope.vars["args"] = leftover
            self.scope.vars["input"] = list(input_items or [])
            out = []
            try:
                for b in blocks:
                    if b.type in ("script_block_body",) and any(c.type == "named_block_list" for c in named_children(b)):
                        nbl = [c for c in named_children(b) if c.type == "named_block_list"][0]
                        out.extend(self._run_named_blocks(nbl, input_items))
                    elif b.type == "named_block_list":
                        out.extend(self._run_named_blocks(b, input_items))
                    elif fn.is_filter:
                        for item in (input_items or []):
                            self.scope.vars["_"] = item
                            out.extend(self.exec_block(b))
                    else:
                        out.extend(self.exec_block(b))
            except FlowReturn as r:
                out.extend(r.args[0] if r.args else [])
            return out
        finally:
            self.scope, self.unit = saved_scope, saved_unit

    def invoke_scriptblock(self, sb, args=None, named=None, input_items=None, dollar_under=AutomationNull,
                           new_scope=True, call_args=None):
        if not isinstance(sb, ScriptBlock):
            raise runtime_error("The expression after '&' in a pipeline element produced an object that was not "
                                "valid. It must result in a command name, a script block, or a CommandInfo object.",
                                "BadExpression", "InvalidOperation")
        saved_scope, saved_unit = self.scope, self.unit
        if new_scope:
            self.scope = Scope(parent=self.scope)
        self.unit = sb.unit
        saved_under = self.scope.vars.get("_") if "_" in self.scope.vars else AutomationNull
        if dollar_under is not AutomationNull:
            self.scope.vars["_"] = dollar_under
        try:
            node = sb.node
            parts = self._scriptblock_parts(node)
            out = []
            try:
                for p in parts:
                    if p.type == "param_block":
                        leftover = self._bind_params(p, call_args if call_args is not None
                                                     else self._as_args(args, named), input_items)
                        self.scope.vars["args"] = leftover
                    elif p.type == "named_block_list":
                        out.extend(self._run_named_blocks(p, input_items))
                    else:
                        if new_scope and "args" not in self.scope.vars:
                            self.scope.vars["args"] = list(args or []) if call_args is None else \
                                [a.value if a.kind == "positional" else "-" + a.name for a in call_args]
                        if new_scope:
                            self.scope.vars["input"] = list(input_items or [])
                        out.extend(self.exec_block(p))
            except FlowReturn as r:
                out.extend(r.args[0] if r.args else [])
            return out
        finally:
            if not new_scope:
                if saved_under is AutomationNull:
                    self.scope.vars.pop("_", None)
                else:
                    self.scope.vars["_"] = saved_under
            self.scope, self.unit = saved_scope, saved_unit

    def _scriptblock_parts(self, node):
        if node.type == "program":
            return named_children(node)
        if node.type == "script_block_expression":
            inner = named_children(node)
            if len(inner) == 1 and inner[0].type == "script_block":
                node = inner[0]
            else:
                return inner
        if node.type == "script_block":
            parts = []
            for c in named_children(node):
                if c.type == "script_block_body":
                    parts.extend(named_children(c))
                else:
                    parts.append(c)
            return parts
        return [node]

    def run_pipeline(self, node):
        if node.type == "command":
            elements = [node]
        else:
            elements = [c for c in named_children(node) if c.type != "pipeline_chain_tail"]
        current = None
        first = True
        for el in elements:
            if el.type == "command":
                current = self.invoke_command_node(el, current)
            elif el.type == "pipeline_chain":
                current = self.run_pipeline(el)
            else:
                if not first:
                    raise runtime_error("Expressions are only allowed as the first element of a pipeline.",
                                        "ExpressionsMustBeFirstInPipeline", "ParserError")
                current = self.enumerate(self.eval(el))
            first = False
        return current or []

    def invoke_command_node(self, node, input_items):
        kids = node.children
        call_op = None
        elements = []
        for c in kids:
            if c.type == "command_invokation_operator":
                call_op = self.unit_text(c).strip()
            elif c.type == "command_elements":
                elements = list(c.children)
        name_node = node.child_by_field_name("command_name")
        self.pos_node = node
        line, col, ltext, width = self.unit.position(node)
        target = None
        if name_node.type == "command_name":
            name = self.unit_text(name_node)
            if re.fullmatch(r"-?\d+(\.\.-?\d+)?", name):
                # the grammar reads a leading `1..3 |` as a command name
                value = O.range_op(*name.split("..")) if ".." in name else L.number(name)
                return self.enumerate(value)
        elif name_node.type == "path_command_name" and not named_children(name_node):
            name = self.unit_text(name_node)
        else:
            target = self.eval(name_node)
            if isinstance(target, PSObject) and target.type_name == "System.Management.Automation.CmdletInfo":
                target = C.to_str(target)
            name = target if isinstance(target, str) else None
        args, redirects = self.build_args(elements)
        inv = InvocationInfo(name if isinstance(name, str) else "", line, col, ltext,
                             width if node.end_point[0] == node.start_point[0] else width)
        entry = {"err": None, "merged": []}
        discard_out = False
        for r in redirects:
            stream, op, dest = r
            if dest.lower() == "$null":
                if stream in ("2", "*"):
                    entry["err"] = "null"
                if stream in ("1", "", "*"):
                    discard_out = True
            elif dest == "&1" and stream == "2":
                entry["err"] = "merge"
            else:
                raise runtime_error("Redirection to '%s' is not modeled by the Hyper-V simulator." % dest,
                                    "NotModeledBySimulator", "NotImplemented")
        self.redirect_stack.append(entry)
        try:
            if isinstance(target, ScriptBlock):
                out = self.invoke_scriptblock(target, call_args=args, input_items=input_items,
                                              new_scope=(call_op != "."))
            else:
                out = self.invoke_by_name(name if name is not None else C.to_str(target), args, input_items, inv,
                                          name_node)
        finally:
            self.redirect_stack.pop()
        if entry["merged"]:
            out = list(out) + entry["merged"]
        return [] if discard_out else out

    def build_args(self, elements):
        args = []
        redirects = []
        pending_colon = None
        i = 0
        els = [e for e in elements if e.type != "comment"]
        while i < len(els):
            e = els[i]
            t = e.type
            if t == "command_argument_sep":
                if self.unit_text(e).strip() == ":" and args and args[-1].kind == "named" and not args[-1].has_value:
                    pending_colon = args[-1]
                i += 1
                continue
            if t == "command_parameter":
                text = decode_param_digits(self.unit_text(e))
                pname = text[1:]
                if pname.endswith(":"):
                    a = Arg("named", pname[:-1], text=text)
                    pending_colon = a
                else:
                    a = Arg("named", pname, text=text)
                args.append(a)
                i += 1
                continue
            if t == "redirection":
                rtext = self.unit_text(e).replace(" ", "")
                m = _REDIRECT.match(rtext)
                if m:
                    redirects.append((m.group(1) or "", m.group(2), m.group(3)))
                i += 1
                continue
            if t == "generic_token":
                text = self.unit_text(e)
                m = _REDIRECT.match(text)
                if m and (m.group(3).lower() == "$null" or m.group(3).startswith("&")):
                    redirects.append((m.group(1) or "", m.group(2), m.group(3)))
                    i += 1
                    continue
                value = text
            elif self.unit_text(e).startswith("@") and self._unwrap(e).type == "variable":
                scope, vname = self._split_var(self.unit_text(self._unwrap(e)))
                splat = self.get_var(vname, scope)
                if isinstance(splat, PSHashtable):
                    args.extend(hashtable_to_args(splat))
                elif isinstance(splat, list):
                    args.extend(Arg("positional", value=v, text=C.to_str(v)) for v in splat)
                elif splat is not None:
                    args.append(Arg("positional", value=splat, text=C.to_str(splat)))
                i += 1
                continue
            elif t == "verbatim_command_argument" or t == "stop_parsing":
                raise runtime_error("The stop-parsing token is not modeled by the Hyper-V simulator.",
                                    "NotModeledBySimulator", "NotImplemented")
            elif t == "argument_list":
                raise runtime_error("Unexpected argument list in command arguments.", "NotModeledBySimulator",
                                    "NotImplemented")
            else:
                nxt = els[i + 1] if i + 1 < len(els) else None
                inner = self._unwrap(e)
                if nxt is not None and nxt.type == "argument_list" and inner.type == "member_access" and \
                        nxt.start_byte == e.end_byte:
                    # argument mode: the grammar splits `(Get-Date).AddHours(2)` into member + argument list
                    value = self._call_member(inner, self._eval_arguments(nxt))
                    i += 1
                else:
                    value = self.eval(e)
                if value is AutomationNull:
                    value = None
            if pending_colon is not None:
                pending_colon.value = value
                pending_colon.has_value = True
                pending_colon = None
            else:
                args.append(Arg("positional", value=value, text=self.unit_text(e)))
            i += 1
        return args, redirects

    def invoke_by_name(self, name, args, input_items, inv, name_node=None):
        raw = name
        if "\\" in name:
            module, _, short = name.rpartition("\\")
            if module.lower() in ("hyper-v", "microsoft.powershell.utility", "microsoft.powershell.management",
                                  "microsoft.powershell.core"):
                name = short
        fn = self.find_function(name)
        if fn is not None:
            return self.call_function(fn, args, input_items)
        canonical = _ALIASES.get(name.lower(), name)
        cmd = self.host.find_command(canonical)
        if cmd is None:
            msg = ("The term '%s' is not recognized as the name of a cmdlet, function, script file, or operable "
                   "program. Check the spelling of the name, or if a path was included, verify that the path is "
                   "correct and try again." % raw)
            rec = ErrorRecord(PSExceptionObj("System.Management.Automation.CommandNotFoundException", msg),
                              "CommandNotFoundException", "ObjectNotFound", target=raw)
            if name_node is not None:
                line, col, text, width = self.unit.position(name_node)
                rec.invocation = InvocationInfo(raw, line, col, text, width)
                rec.activity = ""
            raise PSError(rec)
        self._apply_default_parameters(cmd, args)
        call = Call(raw, args, input_items, inv)
        return cmd.invoke(self, call)

    def _apply_default_parameters(self, cmd, args):
        defaults = self.get_var("PSDefaultParameterValues")
        if not isinstance(defaults, PSHashtable) or not len(defaults):
            return
        given = {a.name.lower() for a in args if a.kind == "named"}
        for key, value in defaults.items():
            k = C.to_str(key)
            if ":" not in k:
                continue
            cpat, pname = k.split(":", 1)
            if C.wildcard_match(cpat, cmd.name) and pname.lower() not in given:
                if any(p.name.lower() == pname.lower() for p in cmd.all_params()):
                    args.append(Arg("named", pname, value, has_value=True))
