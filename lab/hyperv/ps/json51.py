"""ConvertTo-Json / ConvertFrom-Json with Windows PowerShell 5.1 rules.

5.1 serializes with JavaScriptSerializer: enums as integers, DateTime as "\\/Date(ms)\\/", Guid as a string,
', <, >, & escaped as \\u0027 ..., objects deeper than -Depth (default 2) replaced by their ToString().
The indented form is 5.1's own re-formatter (4-space pads, two spaces after ':', nested containers
aligned under their key).
"""
from __future__ import annotations

import json
import re

from . import convert as C
from .errors import ErrorRecord, PSExceptionObj
from .values import (CIDict, EnumValue, PSDateTime, PSGuid, PSHashtable, PSObject, PSTimeSpan, PSTypeRef,
                     PSVersion, ScriptBlock)

_ESC = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
        "'": "\\u0027", "<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


def _str(s):
    out = ['"']
    for ch in s:
        e = _ESC.get(ch)
        if e is not None:
            out.append(e)
        elif ord(ch) < 0x20:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _timespan_dict(t):
    d, h, m, s, f = t.parts()
    return [("Ticks", t.ticks), ("Days", d), ("Hours", h), ("Milliseconds", f // 10000), ("Minutes", m),
            ("Seconds", s), ("TotalDays", t.ticks / 864e9), ("TotalHours", t.ticks / 36e9),
            ("TotalMilliseconds", t.ticks / 1e4), ("TotalMinutes", t.ticks / 6e8), ("TotalSeconds", t.ticks / 1e7)]


def _process(v, depth, max_depth):
    """Project a value to JSON primitives/containers (lists and ('obj', pairs))."""
    if v is None:
        return None
    if isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, EnumValue):
        return v.value
    if isinstance(v, PSDateTime):
        if v.display_hint is not None:
            # Get-Date output carries NoteProperty DisplayHint and ScriptProperty DateTime
            return ("obj", [("value", ("date", v)), ("DisplayHint", v.display_hint),
                            ("DateTime", C.format_datetime(v, "dddd, MMMM d, yyyy h:mm:ss tt"))])
        return ("date", v)
    if isinstance(v, PSGuid):
        return v.value
    if isinstance(v, (bytes, bytearray)):
        if depth > max_depth:
            return C.to_str(list(v))
        return [int(b) for b in v]
    if isinstance(v, PSTypeRef):
        return v.full_name if depth > max_depth else ("obj", [("Name", v.name), ("FullName", v.full_name)])
    if depth > max_depth:
        return C.to_str(v)
    if isinstance(v, PSTimeSpan):
        return ("obj", [(k, x) for k, x in _timespan_dict(v)])
    if isinstance(v, PSVersion):
        return ("obj", [("Major", v.major), ("Minor", v.minor), ("Build", v.build), ("Revision", v.revision),
                        ("MajorRevision", -1 if v.revision < 0 else v.revision >> 16),
                        ("MinorRevision", -1 if v.revision < 0 else v.revision & 0xFFFF)])
    if isinstance(v, (PSHashtable, CIDict)):
        pairs = []
        for k, x in v.items():
            if not isinstance(k, str):
                raise TypeError("NonStringKeyInDictionary")
            pairs.append((k, _process(x, depth + 1, max_depth)))
        return ("obj", pairs)
    if isinstance(v, list):
        return [_process(x, depth + 1, max_depth) for x in v]
    if isinstance(v, PSObject):
        return ("obj", [(k, _process(x, depth + 1, max_depth)) for k, x in v.props.items()])
    if isinstance(v, ScriptBlock):
        return ("obj", [("Attributes", []), ("File", None), ("IsFilter", False), ("IsConfiguration", False),
                        ("Module", None), ("StartPosition", C.to_str(v)), ("DebuggerHidden", False),
                        ("Id", C.to_str(PSGuid.new())), ("Ast", v.text)])
    if isinstance(v, ErrorRecord):
        return ("obj", [("Exception", _process(v.exception, depth + 1, max_depth)), ("TargetObject",
                        _process(v.target, depth + 1, max_depth)), ("FullyQualifiedErrorId", v.fqid),
                        ("InvocationInfo", None), ("ScriptStackTrace", None), ("PipelineIterationInfo", [])])
    if isinstance(v, PSExceptionObj):
        return ("obj", [("Message", v.message), ("Data", ("obj", [])), ("InnerException",
                        _process(v.inner, depth + 1, max_depth)), ("TargetSite", None), ("StackTrace", None),
                        ("HelpLink", None), ("Source", None), ("HResult", -2146233087)])
    return C.to_str(v)


def _emit(p):
    if p is None:
        return "null"
    if p is True:
        return "true"
    if p is False:
        return "false"
    if isinstance(p, int):
        return str(p)
    if isinstance(p, float):
        return C.format_double_roundtrip(p)
    if isinstance(p, str):
        return _str(p)
    if isinstance(p, list):
        return "[" + ",".join(_emit(x) for x in p) + "]"
    kind, payload = p
    if kind == "date":
        return '"\\/Date(%d)\\/"' % payload.epoch_ms
    return "{" + ",".join(_str(k) + ":" + _emit(x) for k, x in payload) + "}"


def to_json(value, depth=2, compress=False):
    text = _emit(_process(value, 0, depth))
    return text if compress else pretty(text)


# ------------------------------------------------------------------ 5.1's re-indenter

def _quoted_end(s, i):
    j = i
    while j < len(s):
        if s[j] == '"':
            k, esc = j, False
            while k > 0 and s[k - 1] == "\\":
                esc = not esc
                k -= 1
            if not esc:
                return j
        j += 1
    return len(s) - 1


def pretty(s):
    if not s.startswith(("{", "[")):
        return s
    out = [s[0]]
    if s[0] == "{":
        _dict(s, 1, out, "", 0)
    else:
        _list(s, 1, out, "", 0)
    return "".join(out)


def _list(s, i, out, pad, spaces):
    out.append("\r\n")
    new_pad = pad + " " * spaces + "    "
    head = True
    while i < len(s):
        c = s[i]
        if c == "{":
            out.append(new_pad + c)
            i = _dict(s, i + 1, out, new_pad, 0)
            head = False
        elif c == "[":
            out.append(new_pad + c)
            i = _list(s, i + 1, out, new_pad, 0)
            head = False
        elif c == "]":
            out.append("\r\n" + pad + " " * spaces + c)
            return i
        elif c == '"':
            if head:
                out.append(new_pad)
            end = _quoted_end(s, i + 1)
            out.append(s[i:end + 1])
            i = end
            head = False
        elif c == ",":
            out.append(",\r\n")
            head = True
        else:
            if head:
                out.append(new_pad)
            out.append(c)
            head = False
        i += 1
    return i


def _dict(s, i, out, pad, spaces):
    out.append("\r\n")
    new_pad = pad + " " * spaces + "    "
    head = True
    before_colon = True
    key_width = 0
    while i < len(s):
        c = s[i]
        if c == "{":
            out.append(c)
            i = _dict(s, i + 1, out, new_pad, key_width)
            head = False
        elif c == "[":
            out.append(c)
            i = _list(s, i + 1, out, new_pad, key_width)
            head = False
        elif c == "}":
            out.append("\r\n" + pad + " " * spaces + c)
            return i
        elif c == '"':
            if head:
                out.append(new_pad)
            end = _quoted_end(s, i + 1)
            out.append(s[i:end + 1])
            if before_colon:
                key_width = end - i + 1
            i = end
            head = False
        elif c == ":":
            out.append(":  ")
            if before_colon:
                key_width += 3
            before_colon = False
            head = False
        elif c == ",":
            out.append(",\r\n")
            head = True
            before_colon = True
            key_width = 0
        else:
            if head:
                out.append(new_pad)
            out.append(c)
            head = False
        i += 1
    return i


# ------------------------------------------------------------------ ConvertFrom-Json

_DATE_RE = re.compile(r"^\\/Date\((-?\d+)(?:[+-]\d{4})?\)\\/$")


class JsonError(ValueError):
    pass


def _scan_raw_dates(text):
    """Strings spelled "\\/Date(ms)\\/" in the raw JSON (the escaped slash is what marks a date)."""
    return {m.group(1) for m in re.finditer(r'"\\/Date\((-?\d+)(?:[+-]\d{4})?\)\\/"', text)}


def from_json(text):
    """Parse like 5.1: objects -> PSCustomObject, integers -> Int32/Int64, "\\/Date(ms)\\/" -> DateTime (UTC)."""
    stripped = text.strip()
    if not stripped:
        raise JsonError("Invalid JSON primitive: .")
    date_ms = _scan_raw_dates(stripped)

    def conv(v):
        if isinstance(v, dict):
            obj = PSObject(CIDict())
            for k, x in v.items():
                if k in obj.props and obj.props.original_key(k) != k:
                    raise JsonError("Cannot convert the JSON string because a dictionary that was converted from the "
                                    "string contains the duplicated keys '%s' and '%s'." % (obj.props.original_key(k), k))
                obj.props[k] = conv(x)
            return obj
        if isinstance(v, list):
            return [conv(x) for x in v]
        if isinstance(v, str):
            m = re.match(r"^/Date\((-?\d+)(?:[+-]\d{4})?\)/$", v)
            if m and m.group(1) in date_ms:
                return PSDateTime.from_epoch(int(m.group(1)) / 1000.0, "Utc")
            return v
        if isinstance(v, float) and v.is_integer() and False:
            return int(v)
        return v

    try:
        raw = json.loads(stripped, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        token = stripped[e.pos:e.pos + 20].split()[0] if stripped[e.pos:].strip() else ""
        raise JsonError("Invalid JSON primitive: %s." % token.rstrip(",}]"))
    return conv(raw)


def _reject_constant(name):
    raise JsonError("Invalid JSON primitive: %s." % name)
