"""Binary and unary operators with PowerShell's left-operand-driven conversions."""
from __future__ import annotations

import re

from . import convert as C
from .errors import runtime_error
from .values import CIDict, EnumValue, PSDateTime, PSHashtable, PSTimeSpan, PSTypeRef, TICKS_PER_SECOND

import datetime as _dt


def _as_list(v):
    if isinstance(v, list):
        return v
    if v is None:
        return []
    return [v]


def add(left, right):
    if isinstance(left, list):
        return list(left) + (list(right) if isinstance(right, list) else [right])
    if isinstance(left, PSHashtable):
        if not isinstance(right, PSHashtable):
            raise runtime_error("A hash table can only be added to another hash table.", "AddHashTableToNonHashTable")
        out = left.copy()
        for k, v in right.items():
            if k in out:
                raise runtime_error("Item has already been added. Key in dictionary: '%s'  Key being added: '%s'"
                                    % (k, k), "System.ArgumentException", "NotSpecified")
            out[k] = v
        return out
    if isinstance(left, str):
        return left + C.to_str(right)
    if isinstance(left, PSDateTime):
        ts = C.convert_to(right, "System.TimeSpan") if not isinstance(right, (int, float)) else PSTimeSpan(right)
        return PSDateTime(left.dt + _dt.timedelta(microseconds=ts.ticks / 10), left.kind)
    if isinstance(left, PSTimeSpan):
        return PSTimeSpan(left.ticks + C.convert_to(right, "System.TimeSpan").ticks)
    if left is None:
        if isinstance(right, (list, str, PSHashtable)):
            return right
        return C.to_number(right) if right is not None else None
    return _num(left, right, lambda a, b: a + b)


def _num(left, right, fn):
    a = C.to_number(left)
    b = C.to_number(right)
    r = fn(a, b)
    if isinstance(r, int) and not (C.INT64_MIN <= r <= C.INT64_MAX):
        return float(r)
    return r


def sub(left, right):
    if isinstance(left, PSDateTime):
        if isinstance(right, PSDateTime):
            return PSTimeSpan(round((left.dt - right.dt).total_seconds() * TICKS_PER_SECOND))
        ts = C.convert_to(right, "System.TimeSpan")
        return PSDateTime(left.dt - _dt.timedelta(microseconds=ts.ticks / 10), left.kind)
    if isinstance(left, PSTimeSpan):
        return PSTimeSpan(left.ticks - C.convert_to(right, "System.TimeSpan").ticks)
    return _num(left, right, lambda a, b: a - b)


def mul(left, right):
    if isinstance(left, str):
        return left * C.to_int(right)
    if isinstance(left, list):
        return list(left) * C.to_int(right)
    return _num(left, right, lambda a, b: a * b)


def div(left, right):
    a, b = C.to_number(left), C.to_number(right)
    if b == 0:
        raise runtime_error("Attempted to divide by zero.", "RuntimeException", "NotSpecified")
    if isinstance(a, int) and isinstance(b, int) and a % b == 0:
        return a // b
    return a / b


def mod(left, right):
    a, b = C.to_number(left), C.to_number(right)
    if b == 0:
        raise runtime_error("Attempted to divide by zero.", "RuntimeException", "NotSpecified")
    r = abs(a) % abs(b)
    return -r if a < 0 else r


ARITH = {"+": add, "-": sub, "*": mul, "/": div, "%": mod}


# ------------------------------------------------------------------ comparison family

def dotnet_replacement(rep):
    """.NET replacement syntax ($1, ${name}, $$) to Python's."""
    out = []
    i = 0
    while i < len(rep):
        c = rep[i]
        if c == "$" and i + 1 < len(rep):
            nxt = rep[i + 1]
            if nxt == "$":
                out.append("$")
                i += 2
                continue
            if nxt.isdigit():
                j = i + 1
                while j < len(rep) and rep[j].isdigit():
                    j += 1
                out.append("\\g<%s>" % rep[i + 1:j])
                i = j
                continue
            if nxt == "{":
                j = rep.find("}", i)
                if j > 0:
                    out.append("\\g<%s>" % rep[i + 2:j])
                    i = j + 1
                    continue
        out.append(c.replace("\\", "\\\\"))
        i += 1
    return "".join(out)


def _regex(pattern, cs):
    try:
        return re.compile(C.to_str(pattern), 0 if cs else re.IGNORECASE)
    except re.error as e:
        raise runtime_error('The regular expression pattern %s is not valid.' % C.to_str(pattern),
                            "InvalidRegularExpression", "InvalidOperation")


def comparison(interp, op, left, right):
    """op is the operator text without the dash, e.g. 'eq', 'cne', 'ilike', 'replace'."""
    o = op.lower()
    cs = False
    if o[:1] in ("c", "i") and o[1:] in _BASE_OPS:
        cs = o[0] == "c"
        o = o[1:]
    if o in ("is", "isnot"):
        res = _is(left, right)
        return res if o == "is" else not res
    if o == "as":
        return _as(left, right)
    if o == "replace":
        items = _as_list(right)
        pat = items[0] if items else ""
        rep = C.to_str(items[1]) if len(items) > 1 else ""
        rx = _regex(pat, cs)
        fn = lambda s: rx.sub(dotnet_replacement(rep), C.to_str(s))
        return [fn(x) for x in left] if isinstance(left, list) else fn(left)
    if o == "split":
        items = _as_list(right)
        rx = _regex(items[0] if items else " ", cs)
        limit = C.to_int(items[1]) if len(items) > 1 else 0
        out = []
        for s in (left if isinstance(left, list) else [left]):
            out.extend(rx.split(C.to_str(s), maxsplit=max(0, limit - 1)) if limit else rx.split(C.to_str(s)))
        return out
    if o == "join":
        return C.to_str(right).join(C.to_str(x) for x in _as_list(left))
    if o in ("contains", "notcontains"):
        found = any(C.equals(x, right, cs) for x in _as_list(left))
        return found if o == "contains" else not found
    if o in ("in", "notin"):
        found = any(C.equals(x, left, cs) for x in _as_list(right))
        return found if o == "in" else not found
    if isinstance(left, list):
        # array on the left filters
        return [x for x in left if _scalar_compare(interp, o, x, right, cs, set_matches=False)]
    return _scalar_compare(interp, o, left, right, cs)


_BASE_OPS = {"eq", "ne", "gt", "ge", "lt", "le", "like", "notlike", "match", "notmatch", "replace", "split",
             "contains", "notcontains", "in", "notin"}


def _scalar_compare(interp, o, left, right, cs, set_matches=True):
    if o == "eq":
        return C.equals(left, right, cs)
    if o == "ne":
        return not C.equals(left, right, cs)
    if o in ("gt", "ge", "lt", "le"):
        if left is None and right is None:
            return o in ("ge", "le")
        if left is None:
            return o in ("lt", "le")
        c = C.compare(left, right, cs)
        return {"gt": c > 0, "ge": c >= 0, "lt": c < 0, "le": c <= 0}[o]
    if o in ("like", "notlike"):
        r = C.wildcard_match(C.to_str(right), C.to_str(left), cs)
        return r if o == "like" else not r
    if o in ("match", "notmatch"):
        m = _regex(right, cs).search(C.to_str(left))
        if m and set_matches and o == "match":
            groups = CIDict()
            groups[0] = m.group(0)
            for i, g in enumerate(m.groups(), 1):
                if g is not None:
                    groups[i] = g
            for k, g in m.groupdict().items():
                if g is not None:
                    groups[k] = g
            interp.set_var("Matches", PSHashtable(groups.items()))
        return bool(m) if o == "match" else not m
    raise runtime_error("Unknown operator -%s." % o, "NotModeledBySimulator")


def _is(left, right):
    if not isinstance(right, PSTypeRef):
        from .types import resolve_type
        right = resolve_type(C.to_str(right))
    chain = [t.lower() for t in C.type_chain_of(left)]
    if left is None:
        return False
    name = right.full_name.lower()
    if right.kind == "enum":
        return isinstance(left, EnumValue) and left.etype is right.payload
    if name in ("system.object", "system.management.automation.psobject"):
        return True
    if name == "system.array" or name.endswith("[]"):
        return isinstance(left, list)
    if name == "system.management.automation.pscustomobject":
        return "system.management.automation.pscustomobject" in chain
    return name in chain


def _as(left, right):
    if not isinstance(right, PSTypeRef):
        from .types import resolve_type
        right = resolve_type(C.to_str(right))
    try:
        if right.kind == "enum":
            return right.payload(left)
        if right.kind == "array":
            return C.convert_to(left, right.full_name)
        return C.convert_to(left, right.payload if right.kind == "scalar" else right.full_name)
    except Exception:
        return None


# ------------------------------------------------------------------ -f

_FMT = re.compile(r"\{\{|\}\}|\{(\d+)(?:,(-?\d+))?(?::([^}]*))?\}")


def format_operator(interp, fmt, args):
    from .members import format_number
    args = args if isinstance(args, list) else [args]

    def repl(m):
        tok = m.group(0)
        if tok == "{{":
            return "{"
        if tok == "}}":
            return "}"
        idx = int(m.group(1))
        if idx >= len(args):
            raise runtime_error("Error formatting a string: Index (zero based) must be greater than or equal to zero "
                                "and less than the size of the argument list..", "FormatError", "InvalidOperation")
        v = args[idx]
        spec = m.group(3)
        if spec and isinstance(v, PSDateTime):
            s = C.format_datetime(v, spec)
        elif spec and isinstance(v, (int, float)) and not isinstance(v, bool):
            s = format_number(v, spec)
        else:
            s = C.to_str(v, culture="current")  # -f formats with the current culture, "$v" with the invariant one
        width = m.group(2)
        if width:
            w = int(width)
            s = s.ljust(-w) if w < 0 else s.rjust(w)
        return s
    return _FMT.sub(repl, fmt)


def bitwise(op, left, right):
    a, b = C.to_int(left, 64), C.to_int(right, 64)
    return {"band": a & b, "bor": a | b, "bxor": a ^ b, "shl": a << b, "shr": a >> b}[op]


def range_op(left, right):
    a, b = C.to_int(left), C.to_int(right)
    step = 1 if b >= a else -1
    return list(range(a, b + step, step))
