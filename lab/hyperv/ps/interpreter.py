"""Tree-walking interpreter for the Windows PowerShell 5.1 subset the simulator accepts: session state
(variables, preferences, $Error), the error model, and statements. Expressions live in expressions.py,
functions/pipelines/commands in invocation.py; all walk tree-sitter-powershell nodes directly."""
from __future__ import annotations

import re

from . import convert as C
from .errors import (ErrorRecord, FlowBreak, FlowContinue, FlowExit, FlowReturn, InvocationInfo, PSError,
                     PSExceptionObj, method_invocation_error, runtime_error)
from .expressions import _STATEMENTS, ExpressionsMixin
from .invocation import InvocationMixin, Scope
from .parser import ParseFailure, named_children, parse
from .types import ActionPreference, ConfirmImpact, resolve_type
from .values import AutomationNull, CIDict, EnumValue, PSArrayList, PSHashtable, PSObject, PSVersion, ScriptBlock

_PREF_TYPES = {
    "erroractionpreference": ActionPreference, "warningpreference": ActionPreference,
    "verbosepreference": ActionPreference, "debugpreference": ActionPreference,
    "progresspreference": ActionPreference, "informationpreference": ActionPreference,
    "confirmpreference": ConfirmImpact,
}


class Interpreter(ExpressionsMixin, InvocationMixin):
    def __init__(self, host):
        self.host = host
        self.global_scope = Scope()
        self.scope = self.global_scope
        self.try_depth = 0
        self.strict = 0
        self.last_ok = True
        self.unit = None
        self.pos_node = None
        self.error_list = PSArrayList()
        self.redirect_stack = []
        self._init_variables()

    # ------------------------------------------------------------------ variables
    def _init_variables(self):
        g = self.global_scope.vars
        for name, val in [
            ("ErrorActionPreference", ActionPreference("Continue")), ("WarningPreference", ActionPreference("Continue")),
            ("VerbosePreference", ActionPreference("SilentlyContinue")),
            ("DebugPreference", ActionPreference("SilentlyContinue")),
            ("ProgressPreference", ActionPreference("Continue")),
            ("InformationPreference", ActionPreference("SilentlyContinue")),
            ("ConfirmPreference", ConfirmImpact("High")), ("WhatIfPreference", False),
            ("FormatEnumerationLimit", 4), ("MaximumHistoryCount", 4096), ("LASTEXITCODE", None),
            ("PSDefaultParameterValues", PSHashtable()), ("PID", 4242),
            ("PSVersionTable", PSHashtable([
                ("PSVersion", PSVersion(5, 1, 17763, 2183)), ("PSEdition", "Desktop"),
                ("PSCompatibleVersions", [PSVersion(1, 0), PSVersion(2, 0), PSVersion(3, 0), PSVersion(4, 0),
                                          PSVersion(5, 0), PSVersion(5, 1, 17763, 2183)]),
                ("BuildVersion", PSVersion(10, 0, 17763, 2183)), ("CLRVersion", PSVersion(4, 0, 30319, 42000)),
                ("WSManStackVersion", PSVersion(3, 0)), ("PSRemotingProtocolVersion", PSVersion(2, 3)),
                ("SerializationVersion", PSVersion(1, 1, 0, 1))])),
            ("HOME", self.host.env.get("USERPROFILE")), ("PWD", self.host.env.get("USERPROFILE")),
            ("PSScriptRoot", ""), ("PSCommandPath", None), ("Error", self.error_list),
            ("Host", PSObject(CIDict([("Name", "ConsoleHost"), ("Version", PSVersion(5, 1, 17763, 2183))]),
                              type_names=["System.Management.Automation.Internal.Host.InternalHost"])),
        ]:
            g[name] = val

    def _split_var(self, text):
        t = text
        if t.startswith("${") and t.endswith("}"):
            t = "$" + t[2:-1]
        t = t[1:]  # drop $ or @
        scope = None
        if ":" in t:
            pfx, rest = t.split(":", 1)
            pl = pfx.lower()
            if pl in ("global", "script", "local", "private", "using", "env", "variable", "function"):
                scope, t = pl, rest
        return scope, t

    def get_var(self, name, scope=None):
        n = name.lower()
        if scope == "env":
            return self.host.env.get(name)
        if n == "true":
            return True
        if n == "false":
            return False
        if n == "null":
            return None
        if n == "?":
            return self.last_ok
        if n == "psitem":
            n = name = "_"
        s = self.global_scope if scope in ("global", "script") else self.scope
        while s is not None:
            if name in s.vars:
                return s.vars[name]
            s = s.parent
        if self.strict >= 1 and n not in ("_", "args", "input", "matches"):
            raise runtime_error("The variable '$%s' cannot be retrieved because it has not been set." % name,
                                "VariableIsUndefined", "InvalidOperation", target=name)
        return None

    def has_var(self, name):
        s = self.scope
        while s is not None:
            if name in s.vars:
                return True
            s = s.parent
        return False

    def set_var(self, name, value, scope=None):
        if scope == "env":
            if value is None or value == "":
                self.host.env.pop(name, None)
            else:
                self.host.env[name] = C.to_str(value)
            return
        if name.lower() in ("true", "false", "null", "?"):
            if name.lower() == "null":
                return
            raise runtime_error("Cannot overwrite variable %s because it is read-only or constant." % name,
                                "VariableNotWritable", "WriteError")
        etype = _PREF_TYPES.get(name.lower())
        if etype is not None and value is not None:
            try:
                value = etype(value if not isinstance(value, list) else value[0])
            except ValueError as e:
                raise runtime_error('Cannot convert value "%s" to type "%s". Error: "%s"'
                                    % (C.to_str(value), etype.full_name, e), "RuntimeException", "MetadataError")
        target = self.global_scope if scope in ("global", "script") else self.scope
        target.vars[name] = value

    def preference(self, name):
        v = self.get_var(name)
        if isinstance(v, EnumValue):
            return v.name
        if v is None:
            return "Continue" if name != "ConfirmPreference" else "High"
        try:
            return _PREF_TYPES[name.lower()](v).name
        except (KeyError, ValueError):
            return C.to_str(v)

    def append_error_variable(self, spec, record):
        append = spec.startswith("+")
        name = spec.lstrip("+")
        cur = self.get_var(name) if append else None
        lst = PSArrayList(cur if isinstance(cur, list) else [])
        lst.append(record)
        self.set_var(name, lst)

    # ------------------------------------------------------------------ errors
    def note_failure(self):
        self.last_ok = False

    def record_error(self, record):
        self.error_list.insert(0, record)
        del self.error_list[256:]

    def emit_error(self, record, ctx=None):
        for entry in reversed(self.redirect_stack):
            if entry.get("err") == "null":
                return
            if entry.get("err") == "merge":
                entry["merged"].append(record)
                return
        self.host.write_error_record(record)

    def prompt_unavailable(self, ctx, action, target):
        msg = ("Windows PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.")
        rec = ErrorRecord(PSExceptionObj("System.Management.Automation.PSInvalidOperationException", msg),
                          "System.Management.Automation.PSInvalidOperationException,%s" % ctx.command.fq_class,
                          "InvalidOperation", invocation=ctx.call.invocation, activity=ctx.call.name)
        raise PSError(rec)

    def _attach_position(self, record, node):
        if record.invocation is None and node is not None and self.unit is not None:
            line, col, text, width = self.unit.position(node)
            record.invocation = InvocationInfo("", line, col, text, width)

    # ------------------------------------------------------------------ entry points
    def run_unit(self, unit):
        """Run a parsed script. Returns the process exit code."""
        self.unit = unit
        try:
            self.exec_program(unit.root, top=True)
        except FlowExit as e:
            return e.code
        except PSError as e:
            self._attach_position(e.record, self.pos_node)
            self.record_error(e.record)
            self.host.write_error_record(e.record)
            return 1
        except (FlowBreak, FlowContinue, FlowReturn):
            pass
        return 0 if self.last_ok else 1

    def exec_program(self, root, top=False):
        out = []
        for child in named_children(root):
            if child.type == "param_block":
                self._bind_params(child, [], None)
            elif child.type == "statement_list":
                out.extend(self.exec_statements(child, top=top))
            elif child.type == "named_block_list":
                out.extend(self._run_named_blocks(child, None, top))
            else:
                out.extend(self.exec_statements_list([child], top=top))
        return out

    def create_scriptblock(self, text):
        try:
            unit = parse(text)
        except ParseFailure as pf:
            issue = pf.issues[0]
            detail = "At line:%d char:%d\r\n+ %s\r\n+ %s\r\n%s" % (
                issue.line, issue.column, issue.line_text, " " * (issue.column - 1) + "~", issue.message)
            raise method_invocation_error("Create", 1, "System.Management.Automation.ParseException", detail)
        return ScriptBlock(unit, unit.root, text)

    # ------------------------------------------------------------------ statements
    def exec_statements(self, node, top=False):
        return self.exec_statements_list(named_children(node), top=top)

    def exec_statements_list(self, nodes, top=False):
        out = []
        for st in nodes:
            if st.type in ("empty_statement", "comment", "label"):
                continue
            if st.type == "statement_list":
                out.extend(self.exec_statements(st, top))
                continue
            self.last_ok = True
            try:
                res = self.exec_statement(st)
            except PSError as e:
                self._attach_position(e.record, self.pos_node or st)
                if e.kind == "script" or self.try_depth > 0:
                    raise
                if self.preference("ErrorActionPreference") == "Stop":
                    raise PSError(e.record, "script")
                self.last_ok = False
                self.record_error(e.record)
                self.emit_error(e.record)
                res = []
            if top:
                self.host.emit_output(res)
            else:
                out.extend(res)
        return out

    def exec_block(self, node):
        """statement_block / script_block / statement_list -> output list."""
        if node is None:
            return []
        t = node.type
        if t == "statement_block":
            inner = [c for c in named_children(node)]
            return self.exec_statements_list(inner)
        if t == "statement_list":
            return self.exec_statements(node)
        if t in ("script_block", "script_block_body"):
            out = []
            for c in named_children(node):
                out.extend(self.exec_block(c) if c.type != "param_block" else [])
            return out
        return self.exec_statements_list([node])

    def exec_statement(self, node):
        t = node.type
        while t in ("pipeline",) and len(named_children(node)) == 1 and node.child_count == 1:
            node = named_children(node)[0]
            t = node.type
        if t == "assignment_expression":
            self.do_assignment(node)
            return []
        if t in ("pipeline_chain", "command", "pipeline"):
            return self.run_pipeline(node)
        if t == "if_statement":
            return self.exec_if(node)
        if t == "foreach_statement":
            return self.exec_foreach(node)
        if t == "for_statement":
            return self.exec_for(node)
        if t == "while_statement":
            return self.exec_while(node)
        if t == "do_statement":
            return self.exec_do(node)
        if t == "switch_statement":
            return self.exec_switch(node)
        if t == "try_statement":
            return self.exec_try(node)
        if t == "function_statement":
            self.define_function(node)
            return []
        if t == "flow_control_statement":
            return self.exec_flow(node)
        if t in _STATEMENTS:
            raise runtime_error("The '%s' construct is not modeled by the Hyper-V simulator." % t.replace("_", " "),
                                "NotModeledBySimulator", "NotImplemented")
        if t == "statement_block":
            return self.exec_block(node)
        value = self.eval(node)
        return self.enumerate(value)

    @staticmethod
    def enumerate(value):
        if value is AutomationNull:
            return []
        if isinstance(value, list):
            return list(value)
        if isinstance(value, (bytes, bytearray)):
            return list(value)
        return [value]

    @staticmethod
    def collect(outputs):
        if not outputs:
            return None
        if len(outputs) == 1:
            return outputs[0]
        return list(outputs)

    def _field(self, node, name):
        return node.child_by_field_name(name)

    def exec_if(self, node):
        cond = self._field(node, "condition")
        blocks = [c for c in node.children if c.type == "statement_block"]
        if C.is_true(self.eval_value(cond)):
            return self.exec_block(blocks[0])
        elifs = self._field(node, "elseif_clauses")
        if elifs is not None:
            for clause in named_children(elifs):
                c = self._field(clause, "condition")
                if C.is_true(self.eval_value(c)):
                    return self.exec_block([b for b in clause.children if b.type == "statement_block"][0])
        els = self._field(node, "else_clause")
        if els is not None:
            return self.exec_block([b for b in els.children if b.type == "statement_block"][0])
        return []

    def _loop_body(self, block, out):
        try:
            out.extend(self.exec_block(block))
        except FlowContinue:
            pass

    def exec_foreach(self, node):
        kids = named_children(node)
        var = [c for c in kids if c.type == "variable"][0]
        block = [c for c in kids if c.type == "statement_block"][0]
        coll_nodes = [c for c in kids if c not in (var, block) and c.type != "foreach_parameter"]
        if any(c.type == "foreach_parameter" for c in kids):
            raise runtime_error("foreach -Parallel is only valid in workflows.", "ParallelNotSupported", "ParserError")
        value = self.eval_value(coll_nodes[0]) if coll_nodes else None
        items = [] if value is None else self.enumerate(value)
        scope_name, vname = self._split_var(self.unit_text(var))
        out = []
        try:
            for item in items:
                self.set_var(vname, item, scope_name)
                self._loop_body(block, out)
        except FlowBreak:
            pass
        return out

    def exec_for(self, node):
        init = self._field(node, "for_initializer")
        cond = self._field(node, "for_condition")
        it = self._field(node, "for_iterator")
        block = [c for c in node.children if c.type == "statement_block"][0]
        out = []
        if init is not None:
            self.exec_statement(init)
        try:
            while cond is None or C.is_true(self.eval_value(cond)):
                self._loop_body(block, out)
                if it is not None:
                    self.exec_statement(it)
        except FlowBreak:
            pass
        return out

    def exec_while(self, node):
        cond_node = [c for c in named_children(node) if c.type == "while_condition"]
        cond = named_children(cond_node[0])[0] if cond_node else self._field(node, "condition")
        block = [c for c in node.children if c.type == "statement_block"][0]
        out = []
        try:
            while C.is_true(self.eval_value(cond)):
                self._loop_body(block, out)
        except FlowBreak:
            pass
        return out

    def exec_do(self, node):
        block = [c for c in node.children if c.type == "statement_block"][0]
        cond = self._field(node, "condition")
        until = any(c.type == "until" for c in node.children)
        out = []
        try:
            while True:
                self._loop_body(block, out)
                v = C.is_true(self.eval_value(cond))
                if v == until:
                    break
        except FlowBreak:
            pass
        return out

    def exec_switch(self, node):
        kids = named_children(node)
        params = [self.unit_text(p).lower() for c in kids if c.type == "switch_parameters" for p in named_children(c)]
        if any(p.startswith("-f") for p in params):
            raise runtime_error("switch -File is not modeled by the Hyper-V simulator.", "NotModeledBySimulator",
                                "NotImplemented")
        cond_node = [c for c in kids if c.type == "switch_condition"][0]
        body = [c for c in kids if c.type == "switch_body"][0]
        value = self.eval_value(named_children(cond_node)[0])
        clauses = []
        for cl in named_children(body):
            for clause in ([cl] if cl.type == "switch_clause" else named_children(cl)):
                if clause.type != "switch_clause":
                    continue
                cnode = [c for c in named_children(clause) if c.type == "switch_clause_condition"][0]
                block = [c for c in named_children(clause) if c.type == "statement_block"][0]
                clauses.append((cnode, block))
        wildcard = any(p.startswith("-w") for p in params)
        regex = any(p.startswith("-r") for p in params)
        cs = any(p.startswith("-c") for p in params)
        out = []
        items = self.enumerate(value) if value is not None else [None]
        saved = self.get_var("_") if self.has_var("_") else None
        try:
            for item in items:
                self.scope.vars["_"] = item
                matched = False
                default_block = None
                try:
                    for cnode, block in clauses:
                        text = self.unit_text(cnode)
                        inner = named_children(cnode)
                        if not inner and text.lower() == "default":
                            default_block = block
                            continue
                        if inner and inner[0].type == "script_block_expression":
                            ok = C.is_true(self.invoke_scriptblock(self.eval(inner[0]), dollar_under=item,
                                                                   new_scope=False))
                        else:
                            pat = self.eval(inner[0]) if inner else text
                            if regex:
                                ok = re.search(C.to_str(pat), C.to_str(item), 0 if cs else re.I) is not None
                            elif wildcard:
                                ok = C.wildcard_match(C.to_str(pat), C.to_str(item), cs)
                            else:
                                ok = C.equals(item, pat, cs)
                        if ok:
                            matched = True
                            out.extend(self.exec_block(block))
                    if not matched and default_block is not None:
                        out.extend(self.exec_block(default_block))
                except FlowContinue:
                    continue
        except FlowBreak:
            pass
        finally:
            self.scope.vars["_"] = saved
        return out

    def exec_try(self, node):
        kids = named_children(node)
        body = kids[0]
        catches = [c for k in kids if k.type == "catch_clauses" for c in named_children(k)]
        catches += [k for k in kids if k.type == "catch_clause"]
        fin = [k for k in kids if k.type == "finally_clause"]
        out = []
        try:
            self.try_depth += 1
            try:
                out.extend(self.exec_block(body))
            finally:
                self.try_depth -= 1
        except PSError as e:
            self._attach_position(e.record, self.pos_node)
            handler = self._match_catch(catches, e.record)
            if handler is None:
                raise
            self.record_error(e.record)
            saved = self.scope.vars.get("_")
            self.scope.vars["_"] = e.record
            try:
                out.extend(self.exec_block([c for c in handler.children if c.type == "statement_block"][0]))
            finally:
                self.scope.vars["_"] = saved
            self.last_ok = True
        finally:
            if fin:
                out.extend(self.exec_block([c for c in fin[0].children if c.type == "statement_block"][0]))
        return out

    def _match_catch(self, catches, record):
        chain = [t.lower() for t in record.exception.type_chain()]
        for clause in catches:
            tl = [c for c in named_children(clause) if c.type == "catch_type_list"]
            if not tl:
                return clause
            types = [n for n in self._walk(tl[0]) if n.type == "type_literal"]
            for tnode in types:
                name = self._type_text(tnode)
                try:
                    tref = resolve_type(name)
                    want = tref.full_name.lower()
                except PSError:
                    want = name.lower()
                if want in chain or want == "system.exception":
                    return clause
        return None

    def _walk(self, node):
        yield node
        for c in node.named_children:
            yield from self._walk(c)

    def exec_flow(self, node):
        kw = node.children[0].type if node.children else ""
        args = [c for c in named_children(node)]
        if kw == "return":
            out = self.exec_statement(args[0]) if args else []
            raise FlowReturn(out)
        if kw == "break":
            raise FlowBreak()
        if kw == "continue":
            raise FlowContinue()
        if kw == "exit":
            code = C.to_int(self.eval_value(args[0])) if args else 0
            raise FlowExit(code)
        if kw == "throw":
            self.pos_node = node
            value = self.eval_value(args[0]) if args else None
            if value is None and not args:
                cur = self.get_var("_")
                if isinstance(cur, ErrorRecord):
                    raise PSError(cur, "script")
                value = "ScriptHalted"
            if isinstance(value, ErrorRecord):
                raise PSError(value, "script")
            if isinstance(value, PSExceptionObj):
                rec = ErrorRecord(value, value.message, "OperationStopped", target=None)
                raise PSError(rec, "script")
            msg = C.to_str(value)
            rec = ErrorRecord(PSExceptionObj("System.Management.Automation.RuntimeException", msg), msg,
                              "OperationStopped", target=value)
            line, col, text, width = self.unit.position(node)
            rec.invocation = InvocationInfo("", line, col, text, width)
            raise PSError(rec, "script")
        raise runtime_error("Unsupported flow statement %s." % kw, "NotModeledBySimulator", "NotImplemented")

    # ------------------------------------------------------------------ functions

    # ------------------------------------------------------------------ assignment

    # ------------------------------------------------------------------ expressions

    # ------------------------------------------------------------------ pipelines and commands
