"""Expression evaluation and assignment (mixed into the Interpreter).

The grammar has one wrapper node per precedence level; a wrapper holding a single operand is skipped.
"""
from __future__ import annotations

import re

from . import convert as C
from . import literals as L
from . import members as M
from . import operators as O
from . import statics as S
from .errors import PSExceptionObj, runtime_error
from .parser import named_children
from .types import resolve_type
from .values import AutomationNull, CIDict, PSArrayList, PSHashtable, PSObject, PSTypeRef, ScriptBlock

_WRAPPERS = {
    "logical_expression", "bitwise_expression", "comparison_expression", "additive_expression",
    "multiplicative_expression", "format_expression", "range_expression", "array_literal_expression",
    "unary_expression", "argument_expression", "logical_argument_expression", "bitwise_argument_expression",
    "comparison_argument_expression", "additive_argument_expression", "multiplicative_argument_expression",
    "format_argument_expression", "range_argument_expression", "string_literal", "integer_literal",
    "expression_with_unary_operator", "key_expression", "member_name", "command_name_expr",
    "left_assignment_expression", "pipeline", "statement_block_body", "path_command_name",
}
_BINARY = {
    "logical_expression", "logical_argument_expression", "bitwise_expression", "bitwise_argument_expression",
    "comparison_expression", "comparison_argument_expression", "additive_expression",
    "additive_argument_expression", "multiplicative_expression", "multiplicative_argument_expression",
    "format_expression", "format_argument_expression", "range_expression", "range_argument_expression",
}
_STATEMENTS = {
    "if_statement", "foreach_statement", "for_statement", "while_statement", "do_statement",
    "switch_statement", "try_statement", "function_statement", "flow_control_statement", "trap_statement",
    "data_statement", "class_statement", "enum_statement", "parallel_statement", "sequence_statement",
    "inlinescript_statement",
}


class ExpressionsMixin:
    def do_assignment(self, node):
        kids = node.children
        target = kids[0]
        op = self.unit_text([c for c in kids if c.type == "assignement_operator"][0]).strip()
        value_node = self._field(node, "value")
        value = self.eval_value(value_node)
        if op != "=":
            if value is AutomationNull:
                value = None
            current = self.eval(target)
            if current is AutomationNull:
                current = None
            fn = {"+=": O.add, "-=": O.sub, "*=": O.mul, "/=": O.div, "%=": O.mod}.get(op)
            if fn is None:
                raise runtime_error("Operator %s is not modeled." % op, "NotModeledBySimulator", "NotImplemented")
            value = fn(current, value)
        self.assign_to(target, value)

    def _unwrap(self, node):
        while node.type in _WRAPPERS and len(named_children(node)) == 1 and not self._has_operator(node):
            node = named_children(node)[0]
        return node

    def _has_operator(self, node):
        return any(not c.is_named for c in node.children) and node.type not in ("string_literal", "member_name",
                                                                                "key_expression", "pipeline")

    def assign_to(self, target, value):
        target = self._unwrap(target)
        t = target.type
        if t in ("variable", "braced_variable"):
            scope, name = self._split_var(self.unit_text(target))
            self.set_var(name, value, scope)
            return
        if value is AutomationNull:
            value = None
        if t == "array_literal_expression":
            targets = [c for c in named_children(target)]
            vals = value if isinstance(value, list) else [value]
            for i, tn in enumerate(targets):
                if i == len(targets) - 1:
                    rest = vals[i:]
                    self.assign_to(tn, rest[0] if len(rest) == 1 else (rest if rest else None))
                else:
                    self.assign_to(tn, vals[i] if i < len(vals) else None)
            return
        if t == "cast_expression":
            tl = [c for c in named_children(target) if c.type == "type_literal"][0]
            inner = [c for c in named_children(target) if c.type != "type_literal"][0]
            self.assign_to(inner, self._cast_to(self._type_text(tl), value))
            return
        if t == "member_access":
            obj = self.eval(named_children(target)[0])
            name = self._member_name(target)
            if self._is_static(target) and isinstance(obj, PSTypeRef):
                S.set_static(self, obj, name, value)
            else:
                M.set_member(self, obj, name, value)
            return
        if t == "element_access":
            kids = named_children(target)
            obj = self.eval(kids[0])
            idx = self.eval(kids[1])
            if isinstance(obj, PSHashtable):
                obj[idx] = value
            elif isinstance(obj, list):
                i = C.to_int(idx)
                if i >= len(obj) or i < -len(obj):
                    raise runtime_error("Index was outside the bounds of the array.", "IndexOutOfRange",
                                        "InvalidOperation")
                obj[i] = value
            elif isinstance(obj, PSObject):
                M.set_member(self, obj, C.to_str(idx), value)
            else:
                raise runtime_error("Cannot index into a null array.", "NullArray", "InvalidOperation")
            return
        raise runtime_error("The assignment expression is not valid. The input to an assignment operator must be an "
                            "object that is able to accept assignments, such as a variable or a property.",
                            "InvalidLeftHandSide", "ParserError")

    def unit_text(self, node):
        return self.unit.node_text(node)

    def eval_value(self, node):
        """Evaluate something that may be a pipeline/statement (value: collected output) or an expression."""
        if node is None:
            return None
        n = node
        while n.type in ("pipeline",) and len(named_children(n)) == 1 and n.child_count == 1:
            n = named_children(n)[0]
        if n.type in ("pipeline_chain", "command"):
            if self._is_command_pipeline(n):
                out = self.run_pipeline(n)
                # no output at all is AutomationNull: $x = Get-Nothing; @($x).Count -eq 0
                return self.collect(out) if out else AutomationNull
            kids = named_children(n)
            if len(kids) == 1:
                return self.eval_value(kids[0])
        if n.type in _STATEMENTS or n.type == "assignment_expression":
            out = self.exec_statement(n)
            return self.collect(out) if n.type != "assignment_expression" else None
        return self.eval(n)

    def _is_command_pipeline(self, node):
        if node.type == "command":
            return True
        return any(c.type == "command" for c in node.children) or any(c.type == "|" for c in node.children)

    def eval(self, node):
        t = node.type
        if t in _BINARY:
            kids = node.children
            if len(kids) == 1:
                return self.eval(kids[0])
            return self.eval_binary(node)
        if t in _WRAPPERS:
            kids = named_children(node)
            if t == "array_literal_expression" and len(kids) > 1 or (t == "array_literal_expression" and
                                                                         any(c.type == "," for c in node.children)):
                return [self._array_element(self.eval(k)) for k in kids]
            if t == "expression_with_unary_operator":
                return self.eval_unary(node)
            if t == "pipeline" or t == "pipeline_chain":
                return self.eval_value(node)
            if t == "string_literal":
                return self.eval(kids[0]) if kids else self.eval_string(node)
            if t == "integer_literal":
                return self.eval(kids[0]) if kids else L.number(self.unit_text(node))
            if t == "member_name":
                return self.eval(kids[0]) if kids else self.unit_text(node)
            if len(kids) == 1:
                return self.eval(kids[0])
            if not kids:
                return self.unit_text(node)
            raise runtime_error("Unexpected expression shape %s." % t, "NotModeledBySimulator", "NotImplemented")
        fn = getattr(self, "ev_" + t, None)
        if fn is None:
            raise runtime_error("The '%s' construct is not modeled by the Hyper-V simulator." % t.replace("_", " "),
                                "NotModeledBySimulator", "NotImplemented")
        return fn(node)

    @staticmethod
    def _array_element(v):
        return None if v is AutomationNull else v

    def ev_pipeline_chain(self, node):
        return self.eval_value(node)

    def ev_command(self, node):
        return self.eval_value(node)

    def ev_pipeline(self, node):
        return self.eval_value(node)

    def ev_decimal_integer_literal(self, node):
        return L.number(self.unit_text(node))

    ev_hexadecimal_integer_literal = ev_decimal_integer_literal

    def ev_real_literal(self, node):
        return L.number(self.unit_text(node))

    def ev_verbatim_string_characters(self, node):
        return L.verbatim(self.unit_text(node))

    ev_verbatim_here_string_characters = ev_verbatim_string_characters

    def ev_expandable_string_literal(self, node):
        return self.eval_string(node)

    ev_expandable_here_string_literal = ev_expandable_string_literal

    def eval_string(self, node):
        text = self.unit_text(node)
        here = text.startswith("@")
        pre, suf = L.expandable_bounds(text)
        start = node.start_byte + len(text[:pre].encode("utf-8"))
        end = node.end_byte - len(text[len(text) - suf:].encode("utf-8"))
        src = self.unit.src
        out = []
        pos = start
        for child in named_children(node):
            if child.start_byte < start or child.end_byte > end:
                continue
            out.append(L.unescape_expandable(src[pos:child.start_byte].decode("utf-8"), here))
            if child.type == "sub_expression":
                v = self.ev_sub_expression(child)
            else:
                v = self.eval(child)
            out.append(self._string_part(v))
            pos = child.end_byte
        out.append(L.unescape_expandable(src[pos:end].decode("utf-8"), here))
        return "".join(out)

    def _string_part(self, v):
        if v is AutomationNull:
            return ""
        ofs = self.get_var("OFS") if self.has_var("OFS") else " "
        return C.to_str(v, ofs=C.to_str(ofs))

    def ev_variable(self, node):
        text = self.unit_text(node)
        if text.startswith("@"):
            raise runtime_error("The splatting operator '@' cannot be used to reference variables in an expression. "
                                "'%s' can be used only as an argument to a command." % text, "SplattingNotPermitted",
                                "ParserError")
        scope, name = self._split_var(text)
        return self.get_var(name, scope)

    ev_braced_variable = ev_variable

    def ev_type_literal(self, node):
        return resolve_type(self._type_text(node))

    def _type_text(self, node):
        text = self.unit_text(node).strip()
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        return text.strip()

    def ev_hash_literal_expression(self, node):
        h = PSHashtable()
        body = [c for c in named_children(node) if c.type == "hash_literal_body"]
        entries = named_children(body[0]) if body else []
        for e in entries:
            if e.type != "hash_entry":
                continue
            ek = named_children(e)
            key_node = ek[0]
            if key_node.type == "key_expression":
                kk = named_children(key_node)
                key = self.unit_text(key_node) if (not kk or kk[0].type == "simple_name") else self.eval(kk[0])
            elif key_node.type == "simple_name":
                key = self.unit_text(key_node)
            else:
                key = self.eval(key_node)
            if key in h:
                raise runtime_error("Duplicate keys '%s' are not allowed in hash literals." % C.to_str(key),
                                    "DuplicateKeyInHashLiteral", "ParserError")
            value = self.eval_value(ek[1]) if len(ek) > 1 else None
            h[key] = None if value is AutomationNull else value
        return h

    def ev_array_expression(self, node):
        stmts = self._field(node, "statements")
        if stmts is None:
            inner = named_children(node)
            out = self.exec_statements_list(inner) if inner else []
        else:
            out = self.exec_statements_list([stmts]) if stmts.type != "statement_list" else self.exec_statements(stmts)
        return list(out)

    def ev_sub_expression(self, node):
        stmts = [c for c in named_children(node)]
        out = []
        for s in stmts:
            out.extend(self.exec_statements_list([s]) if s.type != "statement_list" else self.exec_statements(s))
        if not out:
            return AutomationNull
        return self.collect(out)

    def ev_parenthesized_expression(self, node):
        inner = named_children(node)
        if not inner:
            return None
        v = self.eval_value(inner[0])
        return None if v is AutomationNull else v

    def ev_script_block_expression(self, node):
        return ScriptBlock(self.unit, node, self.unit_text(node)[1:-1])

    def ev_cast_expression(self, node):
        kids = named_children(node)
        tl = kids[0]
        type_text = self._type_text(tl)
        low = type_text.lower()
        operand = kids[1]
        inner = self._unwrap(operand)
        if low == "ordered":
            if inner.type != "hash_literal_expression":
                raise runtime_error("The ordered attribute can be specified only on a hash literal node.",
                                    "OrderedAttributeOnlyOnHashLiteralNode", "ParserError")
            h = self.eval(inner)
            h.ordered = True
            return h
        if low in ("pscustomobject", "system.management.automation.pscustomobject") and \
                inner.type == "hash_literal_expression":
            h = self.eval(inner)
            return PSObject(CIDict(h.items()))
        self.pos_node = node
        value = self.eval(operand)
        if low in ("void", "system.void"):
            return AutomationNull
        return self._cast_to(type_text, value)

    def _cast_to(self, type_text, value):
        tref = resolve_type(type_text)
        if value is AutomationNull:
            value = None
        if tref.kind == "enum":
            try:
                return tref.payload(value)
            except ValueError as e:
                raise C.cast_error(value, tref.full_name, str(e), fqid="InvalidCastParseTargetInvocation")
        if tref.kind == "array":
            return C.convert_to(value, tref.full_name)
        if tref.kind == "scalar":
            if tref.payload == "System.String" and value is None:
                return ""
            return C.convert_to(value, tref.payload)
        if tref.full_name == "System.Collections.ArrayList":
            return PSArrayList(value if isinstance(value, list) else [] if value is None else [value])
        if tref.kind == "exception":
            return PSExceptionObj(tref.full_name, C.to_str(value))
        return value

    def eval_unary(self, node):
        kids = node.children
        if len(kids) == 1:
            return self.eval(kids[0])
        first = kids[0]
        if first.is_named:
            # cast_expression / increment forms arrive as a single named child
            return self.eval(first)
        op = self.unit_text(first).lower()
        operand_node = kids[-1]
        if op == ",":
            return [self._array_element(self.eval(operand_node))]
        val = self.eval(operand_node)
        if val is AutomationNull:
            val = None
        if op in ("-not", "!"):
            return not C.is_true(val)
        if op == "-":
            n = C.to_number(val)
            return -n
        if op == "+":
            return C.to_number(val)
        if op == "-bnot":
            return ~C.to_int(val, 64)
        if op == "-split":
            return [p for s in (val if isinstance(val, list) else [val]) for p in re.split(r"\s+", C.to_str(s).strip())]
        if op == "-join":
            return "".join(C.to_str(x) for x in (val if isinstance(val, list) else [val]))
        raise runtime_error("Unary operator %s is not modeled." % op, "NotModeledBySimulator", "NotImplemented")

    def ev_pre_increment_expression(self, node):
        return self._incdec(node, 1, pre=True)

    def ev_pre_decrement_expression(self, node):
        return self._incdec(node, -1, pre=True)

    def ev_post_increment_expression(self, node):
        return self._incdec(node, 1, pre=False)

    def ev_post_decrement_expression(self, node):
        return self._incdec(node, -1, pre=False)

    def _incdec(self, node, delta, pre):
        target = named_children(node)[0]
        cur = self.eval(target)
        new = O.add(cur if cur is not None else 0, delta)
        self.assign_to(target, new)
        # as a statement the result is not written (PowerShell's increment is a void expression)
        return AutomationNull

    def eval_binary(self, node):
        kids = node.children
        left = self.eval(kids[0])
        if left is AutomationNull:
            left = None
        i = 1
        while i < len(kids) - 1:
            op_node, right_node = kids[i], kids[i + 1]
            op = self.unit_text(op_node).strip()
            low = op.lower()
            if low in ("-and", "-or"):
                if low == "-and" and not C.is_true(left):
                    left = False
                elif low == "-or" and C.is_true(left):
                    left = True
                else:
                    left = C.is_true(self._right(right_node))
            elif low == "-xor":
                left = C.is_true(left) != C.is_true(self._right(right_node))
            else:
                right = self._right(right_node)
                self.pos_node = node
                if low in O.ARITH:
                    left = O.ARITH[low](left, right)
                elif low == "..":
                    left = O.range_op(left, right)
                elif low == "-f":
                    left = O.format_operator(self, C.to_str(left), right if isinstance(right, list) else [right])
                elif low in ("-band", "-bor", "-bxor", "-shl", "-shr"):
                    left = O.bitwise(low[1:], left, right)
                elif low.startswith("-"):
                    left = O.comparison(self, low[1:], left, right)
                else:
                    raise runtime_error("Operator %s is not modeled." % op, "NotModeledBySimulator", "NotImplemented")
            i += 2
        return left

    def _right(self, node):
        v = self.eval(node)
        return None if v is AutomationNull else v

    def _member_name(self, node):
        mn = [c for c in node.children if c.type in ("member_name", "string_literal", "variable")]
        mnode = mn[-1]
        inner = named_children(mnode) if mnode.type == "member_name" else [mnode]
        if inner and inner[0].type == "simple_name":
            return self.unit_text(inner[0])
        if inner and inner[0].type != "simple_name":
            return C.to_str(self.eval(inner[0]))
        return self.unit_text(mnode)

    def _is_static(self, node):
        return any(c.type == "::" for c in node.children)

    def ev_member_access(self, node):
        kids = named_children(node)
        obj_node = kids[0]
        name = self._member_name(node)
        if self._is_static(node):
            tref = self.eval(obj_node)
            if not isinstance(tref, PSTypeRef):
                raise runtime_error("Unable to find type.", "TypeNotFound", "InvalidOperation")
            return S.get_static(self, tref, name)
        obj = self.eval(obj_node)
        if obj is AutomationNull:
            obj = None
        return M.get_member(self, obj, name)

    def ev_invokation_expression(self, node):
        kids = named_children(node)
        obj_node = kids[0]
        name = self._member_name(node)
        arg_nodes = [c for c in kids if c.type == "argument_list"]
        args = self._eval_arguments(arg_nodes[0]) if arg_nodes else []
        self.pos_node = node
        if self._is_static(node):
            tref = self.eval(obj_node)
            return S.call_static(self, tref, name, args)
        obj = self.eval(obj_node)
        if obj is AutomationNull:
            obj = None
        return M.call_method(self, obj, name, args)

    def _call_member(self, member_node, args):
        kids = named_children(member_node)
        name = self._member_name(member_node)
        self.pos_node = member_node
        if self._is_static(member_node):
            return S.call_static(self, self.eval(kids[0]), name, args)
        obj = self.eval(kids[0])
        return M.call_method(self, None if obj is AutomationNull else obj, name, args)

    def ev_invokation_foreach_expression(self, node):
        kids = named_children(node)
        obj = self.eval(kids[0])
        sb = self.eval(kids[1])
        return M.call_method(self, obj, "ForEach", [sb])

    def _eval_arguments(self, arglist):
        lst = [c for c in named_children(arglist) if c.type == "argument_expression_list"]
        if not lst:
            inner = named_children(arglist)
            return [self._array_element(self.eval(c)) for c in inner]
        return [self._array_element(self.eval(c)) for c in named_children(lst[0])]

    def ev_element_access(self, node):
        kids = named_children(node)
        obj = self.eval(kids[0])
        idx = self.eval(kids[1]) if len(kids) > 1 else None
        return self.index(obj, idx)

    def index(self, obj, idx):
        if obj is None or obj is AutomationNull:
            raise runtime_error("Cannot index into a null array.", "NullArray", "InvalidOperation")
        if isinstance(obj, PSHashtable):
            if isinstance(idx, list):
                return [obj.get(k) for k in idx]
            return obj.get(idx)
        if isinstance(obj, PSObject):
            if isinstance(idx, str):
                return M.get_member(self, obj, idx)
            return obj if C.to_int(idx) in (0, -1) else None
        if isinstance(obj, (list, str, bytes, bytearray)):
            if isinstance(idx, list):
                return [self.index(obj, i) for i in idx]
            i = C.to_int(idx)
            if -len(obj) <= i < len(obj):
                v = obj[i]
                return v
            return None
        if C.to_int(idx) in (0, -1):
            return obj
        return None

    def ev_simple_name(self, node):
        return self.unit_text(node)

    def ev_generic_token(self, node):
        return self.unit_text(node)

    def ev_command_name(self, node):
        return self.unit_text(node)
