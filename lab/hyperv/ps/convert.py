"""PowerShell conversions: to string/bool/number, casts, comparison and .NET formatting."""
from __future__ import annotations

import datetime as _dt
import math
import re

from .errors import ErrorRecord, PSError, PSExceptionObj
from .values import (AutomationNull, EnumType, EnumValue, PSArrayList, PSDateTime, PSGuid, PSHashtable,
                     PSObject, PSTimeSpan, PSTypeRef, PSVersion, ScriptBlock, CIDict)

INT32_MIN, INT32_MAX = -2 ** 31, 2 ** 31 - 1
INT64_MIN, INT64_MAX = -2 ** 63, 2 ** 63 - 1

# ------------------------------------------------------------------ type names


def type_name_of(v):
    from .errors import ErrorRecord as _ER, PSExceptionObj as _PE
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "System.Boolean"
    if isinstance(v, int):
        return "System.Int32" if INT32_MIN <= v <= INT32_MAX else "System.Int64"
    if isinstance(v, float):
        return "System.Double"
    if isinstance(v, str):
        return "System.String"
    if isinstance(v, (bytes, bytearray)):
        return "System.Byte[]"
    if isinstance(v, PSArrayList):
        return v.type_name
    if isinstance(v, list):
        return "System.Object[]"
    if isinstance(v, PSHashtable):
        return v.type_name
    if isinstance(v, EnumValue):
        return v.etype.full_name
    if isinstance(v, PSDateTime):
        return "System.DateTime"
    if isinstance(v, PSTimeSpan):
        return "System.TimeSpan"
    if isinstance(v, PSGuid):
        return "System.Guid"
    if isinstance(v, PSObject):
        return v.type_name
    if isinstance(v, ScriptBlock):
        return "System.Management.Automation.ScriptBlock"
    if isinstance(v, PSTypeRef):
        return "System.RuntimeType"
    if isinstance(v, _ER):
        return "System.Management.Automation.ErrorRecord"
    if isinstance(v, _PE):
        return v.type_name
    if isinstance(v, PSVersion):
        return "System.Version"
    return "System.Object"


def type_chain_of(v):
    """Type names v satisfies for -is / catch, most derived first."""
    from .errors import PSExceptionObj as _PE
    if isinstance(v, _PE):
        return v.type_chain()
    if isinstance(v, PSObject):
        return list(v.type_names)
    chain = [type_name_of(v)]
    if isinstance(v, list):
        chain.append("System.Array")
    if isinstance(v, EnumValue):
        chain.append("System.Enum")
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        chain.append("System.ValueType")
    chain.append("System.Object")
    return chain


# ------------------------------------------------------------------ to string


def format_double(x):
    """Double.ToString() on .NET Framework (15 significant digits, E+XX exponents)."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    s = "%.15G" % x
    return _fix_exponent(s)


def format_double_roundtrip(x):
    """Double.ToString("R"), used by the 5.1 JSON serializer."""
    if math.isnan(x) or math.isinf(x):
        return format_double(x)
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    s = repr(x)
    if "e" in s or "E" in s:
        mant, exp = s.lower().split("e")
        sign = "-" if exp.startswith("-") else "+"
        return "%sE%s%s" % (mant, sign, exp.lstrip("+-").zfill(2))
    return s


def _fix_exponent(s):
    if "E" in s:
        mant, exp = s.split("E")
        if "." in mant:
            mant = mant.rstrip("0").rstrip(".")
        sign = exp[0] if exp[0] in "+-" else "+"
        return "%sE%s%s" % (mant, sign, exp.lstrip("+-").zfill(2))
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def to_str(v, ofs=" ", culture="invariant"):
    """LanguagePrimitives.ConvertTo([string]) (what "$v" and [string]$v produce)."""
    if v is None or v is AutomationNull:
        return ""
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return format_double(v)
    if isinstance(v, str):
        return v
    if isinstance(v, (bytes, bytearray)):
        return ofs.join(str(b) for b in v)
    if isinstance(v, list):
        return ofs.join(to_str(x, ofs, culture) for x in v)
    if isinstance(v, EnumValue):
        return v.name
    if isinstance(v, PSDateTime):
        return format_datetime(v, "MM/dd/yyyy HH:mm:ss" if culture == "invariant" else "G")
    if isinstance(v, (PSTimeSpan, PSGuid, PSVersion)):
        return str(v)
    if isinstance(v, PSHashtable):
        return v.type_name
    if isinstance(v, PSObject):
        if v.to_string is not None:
            return v.to_string()
        if v.is_custom:
            return "@{" + "; ".join("%s=%s" % (k, to_str(x, ofs, culture)) for k, x in v.props.items()) + "}"
        return v.type_name
    if isinstance(v, ScriptBlock):
        return v.text
    if isinstance(v, PSTypeRef):
        return v.full_name
    from .errors import ErrorRecord as _ER, PSExceptionObj as _PE
    if isinstance(v, _ER):
        return v.message
    if isinstance(v, _PE):
        return v.message
    return str(v)


# ------------------------------------------------------------------ truthiness


def is_true(v):
    if v is None or v is AutomationNull:
        return False
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return v != 0
    if isinstance(v, str):
        return v != ""
    if isinstance(v, list):
        if not v:
            return False
        if len(v) == 1:
            return is_true(v[0]) if not isinstance(v[0], list) else len(v[0]) > 0
        return True
    if isinstance(v, EnumValue):
        return v.value != 0
    return True


# ------------------------------------------------------------------ numbers

_NUM_SUFFIX = {"kb": 1024, "mb": 1024 ** 2, "gb": 1024 ** 3, "tb": 1024 ** 4, "pb": 1024 ** 5}


def parse_number(text):
    """Parse a PowerShell numeric literal or numeric string; returns int/float or raises ValueError."""
    s = text.strip().replace("_", "") if text else ""
    if s == "":
        raise ValueError("empty")
    mult = 1
    low = s.lower()
    for suf, m in _NUM_SUFFIX.items():
        if low.endswith(suf):
            mult, s, low = m, s[:-2], low[:-2]
            break
    neg = False
    if s[:1] in "+-":
        neg, s = s[0] == "-", s[1:]
        low = low[1:]
    if low.startswith("0x"):
        body = s[2:]
        if body.lower().endswith("l"):
            body = body[:-1]
        n = int(body, 16)
        if n > INT64_MAX and len(body) <= 16:
            n -= 2 ** 64
        elif INT32_MAX < n <= 0xFFFFFFFF and len(body) <= 8:
            n -= 2 ** 32
        val = n
    else:
        if low.endswith("l") or low.endswith("d"):
            s = s[:-1]
        if re.fullmatch(r"\d+", s):
            val = int(s)
        elif re.fullmatch(r"(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", s):
            val = float(s)
        else:
            raise ValueError(text)
    val = -val if neg else val
    val = val * mult
    if isinstance(val, float) and mult != 1 and val.is_integer():
        val = int(val)
    return val


def to_number(v, target="auto"):
    """Convert to a number for arithmetic/comparison; raises PSError on failure."""
    if v is None:
        return 0
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, EnumValue):
        return v.value
    if isinstance(v, str):
        if v.strip() == "":
            return 0
        try:
            return parse_number(v)
        except ValueError:
            raise cast_error(v, "System.Int32" if target == "auto" else target,
                             "Input string was not in a correct format.")
    if isinstance(v, list) and len(v) == 1:
        return to_number(v[0], target)
    raise cast_error(v, "System.Int32" if target == "auto" else target, None)


def cast_error(value, target_type, detail, fqid=None):
    shown = to_str(value) if not isinstance(value, (list, PSObject, PSHashtable)) else type_name_of(value)
    msg = 'Cannot convert value "%s" to type "%s".' % (shown, target_type)
    if detail:
        msg += ' Error: "%s"' % detail
    if fqid is None:
        fqid = "InvalidCastFromStringToInteger" if isinstance(value, str) and "Int" in target_type else \
            "InvalidCastParseTargetInvocation" if isinstance(value, str) else "ConvertToFinalInvalidCastException"
    rec = ErrorRecord(PSExceptionObj("System.Management.Automation.RuntimeException", msg), fqid,
                      "InvalidArgument", target=value)
    return PSError(rec)


def to_int(v, bits=32):
    n = to_number(v, "System.Int32" if bits == 32 else "System.Int64")
    if isinstance(n, float):
        if math.isnan(n) or math.isinf(n):
            raise cast_error(v, "System.Int32", "Value was either too large or too small for an Int32.")
        n = int(round(n))  # banker's rounding, as .NET Convert.ToInt32
    lo, hi = (INT32_MIN, INT32_MAX) if bits == 32 else (INT64_MIN, INT64_MAX)
    if not lo <= n <= hi:
        raise cast_error(v, "System.Int32" if bits == 32 else "System.Int64",
                         "Value was either too large or too small for an Int%d." % bits)
    return n


# ------------------------------------------------------------------ dates

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def format_datetime(d, fmt=None):
    """DateTime.ToString(format) for the en-US culture, host time zone UTC."""
    dt = d.dt
    if not fmt or fmt == "G":
        fmt = "M/d/yyyy h:mm:ss tt"
    elif fmt in ("o", "O"):
        base = dt.strftime("%Y-%m-%dT%H:%M:%S") + ".%07d" % (dt.microsecond * 10)
        return base + ("Z" if d.kind == "Utc" else "+00:00" if d.kind == "Local" else "")
    elif fmt == "s":
        fmt = "yyyy'-'MM'-'dd'T'HH':'mm':'ss"
    elif fmt == "u":
        fmt = "yyyy'-'MM'-'dd HH':'mm':'ss'Z'"
    elif fmt == "d":
        fmt = "M/d/yyyy"
    elif fmt == "D":
        fmt = "dddd, MMMM d, yyyy"
    elif fmt == "f":
        fmt = "dddd, MMMM d, yyyy h:mm tt"
    elif fmt == "F":
        fmt = "dddd, MMMM d, yyyy h:mm:ss tt"
    elif fmt == "g":
        fmt = "M/d/yyyy h:mm tt"
    elif fmt == "t":
        fmt = "h:mm tt"
    elif fmt == "T":
        fmt = "h:mm:ss tt"
    out = []
    i = 0
    n = len(fmt)
    while i < n:
        c = fmt[i]
        if c in "'\"":
            j = fmt.find(c, i + 1)
            j = n if j < 0 else j
            out.append(fmt[i + 1:j])
            i = j + 1
            continue
        if c == "\\" and i + 1 < n:
            out.append(fmt[i + 1])
            i += 2
            continue
        j = i
        while j < n and fmt[j] == c:
            j += 1
        k = j - i
        tok = fmt[i:j]
        i = j
        if c == "y":
            out.append(str(dt.year % 100).zfill(2) if k == 2 else str(dt.year).zfill(k) if k > 2 else str(dt.year % 100))
        elif c == "M":
            out.append(_MONTHS[dt.month - 1] if k >= 4 else _MONTHS[dt.month - 1][:3] if k == 3
                       else "%02d" % dt.month if k == 2 else str(dt.month))
        elif c == "d":
            out.append(_DAYS[dt.weekday()] if k >= 4 else _DAYS[dt.weekday()][:3] if k == 3
                       else "%02d" % dt.day if k == 2 else str(dt.day))
        elif c == "H":
            out.append("%02d" % dt.hour if k >= 2 else str(dt.hour))
        elif c == "h":
            h = dt.hour % 12 or 12
            out.append("%02d" % h if k >= 2 else str(h))
        elif c == "m":
            out.append("%02d" % dt.minute if k >= 2 else str(dt.minute))
        elif c == "s":
            out.append("%02d" % dt.second if k >= 2 else str(dt.second))
        elif c in "fF":
            digits = ("%07d" % (dt.microsecond * 10))[:k]
            out.append(digits.rstrip("0") if c == "F" else digits)
        elif c == "t":
            ampm = "AM" if dt.hour < 12 else "PM"
            out.append(ampm if k >= 2 else ampm[0])
        elif c == "K":
            out.append("Z" if d.kind == "Utc" else "+00:00" if d.kind == "Local" else "")
        elif c == "z":
            out.append("+00:00" if k >= 3 else "+00" if k == 2 else "+0")
        else:
            out.append(tok)
    return "".join(out)


_DATE_PATTERNS = [
    "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
    "%Y-%m-%d", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M", "%m/%d/%Y",
]


def parse_datetime(s):
    text = s.strip()
    kind = "Unspecified"
    m = re.match(r"^(.*?)(Z|[+-]\d\d:?\d\d)$", text)
    offset = None
    if m and re.match(r"^\d{4}-\d\d-\d\d", text):
        text, tz = m.group(1), m.group(2)
        kind = "Local"
        if tz != "Z":
            sign = 1 if tz[0] == "+" else -1
            hh, mm = int(tz[1:3]), int(tz[-2:])
            offset = sign * (hh * 60 + mm)
    if "." in text and "T" in text:
        head, frac = text.split(".", 1)
        text = head + "." + (frac + "000000")[:6]
    for p in _DATE_PATTERNS:
        try:
            dt = _dt.datetime.strptime(text, p)
        except ValueError:
            continue
        if offset:
            dt -= _dt.timedelta(minutes=offset)
        return PSDateTime(dt, kind)
    raise ValueError("String was not recognized as a valid DateTime.")


def parse_timespan(s):
    m = re.fullmatch(r"\s*(-)?(?:(\d+)\.)?(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,7}))?)?\s*", s)
    if not m:
        m2 = re.fullmatch(r"\s*(-)?(\d+)\s*", s)
        if m2:
            return PSTimeSpan(int(m2.group(2)) * 86400 * 10_000_000 * (-1 if m2.group(1) else 1))
        raise ValueError("String was not recognized as a valid TimeSpan.")
    sign = -1 if m.group(1) else 1
    days = int(m.group(2) or 0)
    h, mi, se = int(m.group(3)), int(m.group(4)), int(m.group(5) or 0)
    frac = int((m.group(6) or "0").ljust(7, "0"))
    ticks = (((days * 24 + h) * 60 + mi) * 60 + se) * 10_000_000 + frac
    return PSTimeSpan(sign * ticks)


# ------------------------------------------------------------------ casts

SCALAR_TYPES = {
    "int": "System.Int32", "int32": "System.Int32", "system.int32": "System.Int32",
    "long": "System.Int64", "int64": "System.Int64", "system.int64": "System.Int64",
    "uint32": "System.UInt32", "system.uint32": "System.UInt32", "uint64": "System.UInt64",
    "system.uint64": "System.UInt64", "uint16": "System.UInt16", "int16": "System.Int16",
    "byte": "System.Byte", "system.byte": "System.Byte",
    "double": "System.Double", "system.double": "System.Double", "float": "System.Single",
    "single": "System.Single", "decimal": "System.Decimal", "system.decimal": "System.Decimal",
    "string": "System.String", "system.string": "System.String",
    "bool": "System.Boolean", "boolean": "System.Boolean", "system.boolean": "System.Boolean",
    "switch": "System.Management.Automation.SwitchParameter",
    "guid": "System.Guid", "system.guid": "System.Guid",
    "datetime": "System.DateTime", "system.datetime": "System.DateTime",
    "timespan": "System.TimeSpan", "system.timespan": "System.TimeSpan",
    "char": "System.Char", "system.char": "System.Char",
    "object": "System.Object", "system.object": "System.Object", "psobject": "System.Management.Automation.PSObject",
    "pscustomobject": "System.Management.Automation.PSCustomObject",
    "hashtable": "System.Collections.Hashtable", "system.collections.hashtable": "System.Collections.Hashtable",
    "ordered": "System.Collections.Specialized.OrderedDictionary",
    "array": "System.Array", "system.array": "System.Array",
    "scriptblock": "System.Management.Automation.ScriptBlock",
    "system.management.automation.scriptblock": "System.Management.Automation.ScriptBlock",
    "void": "System.Void", "version": "System.Version", "system.version": "System.Version",
    "system.collections.arraylist": "System.Collections.ArrayList",
    "collections.arraylist": "System.Collections.ArrayList",
}


def convert_to(value, type_name, enum_types=None):
    """Cast `value` to the .NET type `type_name` (already canonical) as [Type]$value does."""
    if type_name.endswith("[]"):
        elem = type_name[:-2]
        items = value if isinstance(value, list) else ([] if value is None else
                                                       list(value) if isinstance(value, (bytes, bytearray)) else [value])
        if elem == "System.Byte":
            return bytes(to_int(x) & 0xFF for x in items)
        return [convert_to(x, elem, enum_types) for x in items]
    if isinstance(type_name, EnumType):
        try:
            return type_name(value if not isinstance(value, list) or len(value) != 1 else value[0])
        except ValueError as e:
            raise cast_error(value, type_name.full_name, str(e), fqid="RuntimeException")
    t = type_name
    if t in ("System.Object", "System.Management.Automation.PSObject"):
        return value
    if t in ("System.Int32", "System.Int16", "System.UInt16", "System.Byte", "System.UInt32"):
        return to_int(value, 32) if t != "System.UInt32" else to_int(value, 64)
    if t in ("System.Int64", "System.UInt64"):
        return to_int(value, 64)
    if t in ("System.Double", "System.Single", "System.Decimal"):
        return float(to_number(value, t))
    if t == "System.String":
        return None if value is None and False else to_str(value)
    if t in ("System.Boolean", "System.Management.Automation.SwitchParameter"):
        return is_true(value)
    if t == "System.Guid":
        if isinstance(value, PSGuid):
            return value
        try:
            return PSGuid(to_str(value))
        except ValueError:
            raise cast_error(value, t, "Guid should contain 32 digits with 4 dashes (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx).")
    if t == "System.DateTime":
        if isinstance(value, PSDateTime):
            return value
        if isinstance(value, str):
            try:
                return parse_datetime(value)
            except ValueError as e:
                raise cast_error(value, t, str(e))
        raise cast_error(value, t, None)
    if t == "System.TimeSpan":
        if isinstance(value, PSTimeSpan):
            return value
        if isinstance(value, int):
            return PSTimeSpan(value)
        if isinstance(value, str):
            try:
                return parse_timespan(value)
            except ValueError as e:
                raise cast_error(value, t, str(e))
        raise cast_error(value, t, None)
    if t == "System.Char":
        s = to_str(value) if not isinstance(value, int) else chr(value)
        if len(s) != 1:
            raise cast_error(value, t, "String must be exactly one character long.")
        return s
    if t in ("System.Array",):
        return value if isinstance(value, list) else [] if value is None else [value]
    if t == "System.Collections.ArrayList":
        return PSArrayList(value if isinstance(value, list) else [] if value is None else [value])
    if t == "System.Collections.Hashtable":
        if isinstance(value, PSHashtable):
            return value
        if isinstance(value, PSObject):
            return PSHashtable(value.props.items())
        raise cast_error(value, t, None)
    if t == "System.Management.Automation.PSCustomObject":
        if isinstance(value, PSHashtable):
            return PSObject(CIDict(value.items()))
        return value
    if t == "System.Version":
        parts = [int(p) for p in to_str(value).split(".")]
        while len(parts) < 2:
            parts.append(0)
        return PSVersion(*parts[:4])
    if t == "System.Void":
        return None
    if t == "System.Management.Automation.ScriptBlock":
        if isinstance(value, ScriptBlock):
            return value
        raise cast_error(value, t, None)
    return value


# ------------------------------------------------------------------ comparison


def wildcard_to_regex(pattern):
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "`" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "[":
            j = pattern.find("]", i + 1)
            if j < 0:
                out.append(re.escape(c))
            else:
                out.append("[" + pattern[i + 1:j].replace("\\", "\\\\") + "]")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    return "^" + "".join(out) + "$"


def has_wildcard(s):
    return isinstance(s, str) and any(c in s for c in "*?[")


def wildcard_match(pattern, text, case_sensitive=False):
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.match(wildcard_to_regex(pattern), text, flags | re.DOTALL) is not None


def _coerce_right(left, right):
    """Convert the right operand to the left operand's type, as PowerShell comparisons do."""
    if isinstance(left, bool):
        return is_true(right)
    if isinstance(left, (int, float)):
        if isinstance(right, (int, float)) and not isinstance(right, bool):
            return right
        return to_number(right)
    if isinstance(left, EnumValue):
        return right
    if isinstance(left, PSDateTime):
        return convert_to(right, "System.DateTime")
    if isinstance(left, PSTimeSpan):
        return convert_to(right, "System.TimeSpan")
    if isinstance(left, PSGuid):
        return convert_to(right, "System.Guid")
    return right


def equals(left, right, case_sensitive=False):
    left = None if left is AutomationNull else left
    right = None if right is AutomationNull else right
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, str):
        r = to_str(right)
        return left == r if case_sensitive else left.lower() == r.lower()
    if isinstance(left, EnumValue):
        if isinstance(right, str):
            try:
                return left.etype(right).value == left.value
            except ValueError:
                return False
        if isinstance(right, EnumValue):
            return left.value == right.value
        try:
            return left.value == to_number(right)
        except PSError:
            return False
    try:
        r = _coerce_right(left, right)
    except PSError:
        return False
    if isinstance(left, PSObject) or isinstance(r, PSObject):
        return left is r
    return left == r


def compare(left, right, case_sensitive=False):
    """Returns -1/0/1 for -lt/-gt family; raises PSError if not comparable."""
    if left is None and right is None:
        return 0
    if left is None:
        return -1
    if isinstance(left, str):
        a, b = left, to_str(right)
        if not case_sensitive:
            a, b = a.lower(), b.lower()
        return (a > b) - (a < b)
    if isinstance(left, EnumValue):
        rv = right.value if isinstance(right, EnumValue) else left.etype(right).value if isinstance(right, str) else to_number(right)
        return (left.value > rv) - (left.value < rv)
    if right is None:
        return 1
    r = _coerce_right(left, right)
    if isinstance(left, (int, float, PSDateTime, PSTimeSpan)):
        return (left > r) - (left < r)
    raise PSError(ErrorRecord(PSExceptionObj("System.Management.Automation.RuntimeException",
                                             'Cannot compare "%s" because it is not IComparable.' % to_str(left)),
                              "NotIcomparable", "InvalidOperation"))
