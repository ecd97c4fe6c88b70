"""Member access and method calls on runtime values (instance members; statics live in statics.py)."""
from __future__ import annotations

import datetime as _dt
import re

from . import convert as C
from .errors import ErrorRecord, InvocationInfo, PSExceptionObj, method_invocation_error, runtime_error
from .types import DateTimeKind, DayOfWeek
from .values import (AutomationNull, CIDict, EnumValue, PSArrayList, PSDateTime, PSGenericList, PSGuid,
                     PSHashtable, PSObject, PSTimeSpan, PSTypeRef, PSVersion, ScriptBlock, TICKS_PER_SECOND)

VOID = AutomationNull  # what a void .NET method returns: no pipeline output at all

_NO = object()


# ------------------------------------------------------------------ helpers


def type_ref_of(v):
    name = C.type_name_of(v)
    return PSTypeRef(name, "other", v)


def _psobject_view(v):
    props = []
    if isinstance(v, PSObject):
        items = v.props.items()
    elif isinstance(v, PSHashtable):
        items = [("Count", len(v)), ("Keys", v.keys()), ("Values", v.values())]
    else:
        items = []
    for k, val in items:
        props.append(PSObject(CIDict([("Name", k), ("Value", val), ("MemberType", "NoteProperty"),
                                      ("TypeNameOfValue", C.type_name_of(val)), ("IsSettable", True)]),
                              type_names=["System.Management.Automation.PSNoteProperty", "System.Object"],
                              to_string=lambda k=k, val=val: "%s %s=%s" % (C.type_name_of(val), k, C.to_str(val))))
    return PSObject(CIDict([("Properties", props), ("TypeNames", C.type_chain_of(v)), ("BaseObject", v)]),
                    type_names=["System.Management.Automation.PSMemberSet", "System.Object"])


def _category_info(rec):
    reason = rec.exception.short_name
    activity = rec.activity if rec.activity is not None else (rec.invocation.command_name if rec.invocation else "")

    def text():
        return "%s: (%s:%s) [%s], %s" % (rec.category.name, rec.target_name, rec.target_type, activity, reason)
    return PSObject(CIDict([("Category", rec.category), ("Activity", activity), ("Reason", reason),
                            ("TargetName", rec.target_name), ("TargetType", rec.target_type)]),
                    type_names=["System.Management.Automation.ErrorCategoryInfo", "System.Object"], to_string=text)


def _invocation_info(rec):
    inv = rec.invocation or InvocationInfo()
    return PSObject(CIDict([
        ("MyCommand", PSObject(CIDict([("Name", inv.command_name)]), to_string=lambda: inv.command_name)
         if inv.command_name else None),
        ("ScriptLineNumber", inv.line), ("OffsetInLine", inv.column), ("Line", inv.line_text),
        ("PositionMessage", inv.position_message()), ("InvocationName", inv.command_name),
        ("ScriptName", inv.script_name), ("PSCommandPath", None)]),
        type_names=["System.Management.Automation.InvocationInfo", "System.Object"])


def error_record_member(rec, name):
    n = name.lower()
    if n == "exception":
        return rec.exception
    if n == "fullyqualifiederrorid":
        return rec.fqid
    if n == "categoryinfo":
        return _category_info(rec)
    if n == "targetobject":
        return rec.target
    if n == "invocationinfo":
        return _invocation_info(rec)
    if n in ("errordetails", "pipelineiterationinfo"):
        return None
    if n == "scriptstacktrace":
        inv = rec.invocation
        return "at <ScriptBlock>, <No file>: line %d" % (inv.line if inv else 1)
    return _NO


def exception_member(exc, name):
    n = name.lower()
    if n == "message":
        return exc.message
    if n == "innerexception":
        return exc.inner
    if n == "errorrecord":
        return exc.error_record
    if n == "hresult":
        return -2146233087
    if n in ("source", "stacktrace", "targetsite", "helplink"):
        return None
    if n == "data":
        return PSHashtable()
    return _NO


# ------------------------------------------------------------------ get / set


def get_member(interp, obj, name):
    v = _get_member(interp, obj, name)
    if v is _NO:
        if interp.strict >= 2 and obj is not None:
            raise runtime_error("The property '%s' cannot be found on this object. Verify that the property exists."
                                % name, "PropertyNotFoundStrict", "NotSpecified")
        return None
    return v


def _get_member(interp, obj, name):
    n = name.lower()
    if obj is None:
        return 0 if n in ("count", "length") else _NO
    if n == "psobject":
        return _psobject_view(obj)
    if isinstance(obj, PSHashtable):
        if name in obj:
            return obj[name]
        return {"count": len(obj), "keys": obj.keys(), "values": obj.values(), "isreadonly": False,
                "isfixedsize": False, "issynchronized": False}.get(n, _NO)
    if isinstance(obj, PSObject):
        if name in obj.props:
            return obj.props[name]
        if n in ("count", "length"):
            return 1
        return _NO
    if isinstance(obj, (list, bytes, bytearray)):
        if n in ("count", "length", "longlength"):
            return len(obj)
        if n in ("rank",):
            return 1
        if n in ("isfixedsize",):
            return not isinstance(obj, PSArrayList)
        if n in ("syncroot",):
            return obj
        # member enumeration
        out = []
        for item in obj:
            v = _get_member(interp, item, name)
            if v is _NO or v is None:
                continue
            if isinstance(v, list):
                out.extend(v)
            else:
                out.append(v)
        if not out:
            return _NO if not obj else None
        return out[0] if len(out) == 1 else out
    if isinstance(obj, str):
        if n == "length":
            return len(obj)
        return 1 if n == "count" else _NO
    if isinstance(obj, ErrorRecord):
        return error_record_member(obj, name)
    if isinstance(obj, PSExceptionObj):
        return exception_member(obj, name)
    if isinstance(obj, EnumValue):
        return obj.value if n == "value__" else 1 if n in ("count", "length") else _NO
    if isinstance(obj, PSDateTime):
        return _date_member(obj, n)
    if isinstance(obj, PSTimeSpan):
        return _timespan_member(obj, n)
    if isinstance(obj, PSGuid):
        return obj.value if n == "guid" else 1 if n in ("count", "length") else _NO
    if isinstance(obj, PSVersion):
        return {"major": obj.major, "minor": obj.minor, "build": obj.build, "revision": obj.revision}.get(n, _NO)
    if isinstance(obj, PSTypeRef):
        return {"fullname": obj.full_name, "name": obj.name, "namespace": obj.full_name.rsplit(".", 1)[0],
                "isenum": obj.kind == "enum", "isarray": obj.kind == "array"}.get(n, _NO)
    if isinstance(obj, ScriptBlock):
        return {"module": None, "file": None}.get(n, _NO)
    if n in ("count", "length"):
        return 1
    return _NO


def _date_member(d, n):
    dt = d.dt
    table = {
        "year": dt.year, "month": dt.month, "day": dt.day, "hour": dt.hour, "minute": dt.minute,
        "second": dt.second, "millisecond": dt.microsecond // 1000, "ticks": d.ticks,
        "kind": DateTimeKind(d.kind), "dayofweek": DayOfWeek((dt.weekday() + 1) % 7),
        "dayofyear": dt.timetuple().tm_yday,
    }
    if n in table:
        return table[n]
    if n == "date":
        return PSDateTime(_dt.datetime(dt.year, dt.month, dt.day), d.kind)
    if n == "timeofday":
        return PSTimeSpan(((dt.hour * 60 + dt.minute) * 60 + dt.second) * TICKS_PER_SECOND + dt.microsecond * 10)
    if n == "datetime" and d.display_hint is not None:
        return C.format_datetime(d, "dddd, MMMM d, yyyy h:mm:ss tt")
    if n == "displayhint" and d.display_hint is not None:
        return d.display_hint
    return _NO


def _timespan_member(t, n):
    d, h, m, s, f = t.parts()
    table = {
        "ticks": t.ticks, "days": d, "hours": h, "minutes": m, "seconds": s, "milliseconds": f // 10000,
        "totaldays": t.ticks / (86400 * TICKS_PER_SECOND), "totalhours": t.ticks / (3600 * TICKS_PER_SECOND),
        "totalminutes": t.ticks / (60 * TICKS_PER_SECOND), "totalseconds": t.ticks / TICKS_PER_SECOND,
        "totalmilliseconds": t.ticks / 10000,
    }
    return table.get(n, _NO)


def set_member(interp, obj, name, value):
    if obj is None:
        raise runtime_error("The property '%s' cannot be found on this object. Verify that the property exists "
                            "and can be set." % name, "PropertyNotFound", "InvalidOperation")
    if isinstance(obj, PSHashtable):
        obj[name] = value
        return
    if isinstance(obj, PSObject):
        if name in obj.props or obj.is_custom and False:
            obj.props[name] = value
            return
        raise runtime_error("The property '%s' cannot be found on this object. Verify that the property exists "
                            "and can be set." % name, "PropertyNotFound", "InvalidOperation")
    if isinstance(obj, list):
        for item in obj:
            set_member(interp, item, name, value)
        return
    raise runtime_error("'%s' is a ReadOnly property." % name, "PropertyAssignmentException", "InvalidOperation")


# ------------------------------------------------------------------ methods


def _argc_error(name, argc):
    return runtime_error('Cannot find an overload for "%s" and the argument count: "%d".' % (name, argc),
                         "MethodCountCouldNotFindBest", "NotSpecified")


def call_method(interp, obj, name, args):
    n = name.lower()
    if obj is None:
        raise runtime_error("You cannot call a method on a null-valued expression.", "InvokeMethodOnNull",
                            "InvalidOperation")
    # intrinsic members every object has
    if n == "gettype" and not args:
        return type_ref_of(obj)
    if n in ("foreach", "where") and not isinstance(obj, PSObject) or n in ("foreach", "where") and \
            isinstance(obj, PSObject) and n not in obj.methods:
        items = obj if isinstance(obj, list) else [obj]
        return _intrinsic_collection_method(interp, items, n, args)
    if isinstance(obj, PSObject):
        m = obj.methods.get(n)
        if m is not None:
            return m(interp, args)
        if n == "tostring":
            return C.to_str(obj)
        if n == "equals" and len(args) == 1:
            return obj is args[0]
        if n == "gethashcode":
            return id(obj) & 0x7FFFFFFF
        raise _method_not_found(obj, name)
    if isinstance(obj, str):
        return _string_method(obj, n, name, args)
    if isinstance(obj, PSHashtable):
        return _hashtable_method(obj, n, name, args)
    if isinstance(obj, (list, bytes, bytearray)):
        r = _list_method(interp, obj, n, name, args)
        if r is not _NO:
            return r
        # method enumeration: call on each element
        out = []
        for item in obj:
            v = call_method(interp, item, name, args)
            if v is not None:
                out.append(v)
        return out[0] if len(out) == 1 else out
    if isinstance(obj, PSDateTime):
        return _date_method(obj, n, name, args)
    if isinstance(obj, PSTimeSpan):
        if n == "tostring":
            return str(obj)
        if n in ("add", "subtract") and len(args) == 1:
            other = C.convert_to(args[0], "System.TimeSpan")
            return PSTimeSpan(obj.ticks + other.ticks if n == "add" else obj.ticks - other.ticks)
        raise _method_not_found(obj, name)
    if isinstance(obj, EnumValue):
        if n == "tostring":
            if args and C.to_str(args[0]).upper() == "D":
                return str(obj.value)
            return obj.name
        if n == "hasflag" and len(args) == 1:
            other = obj.etype(args[0]).value
            return obj.value & other == other
        if n == "equals" and len(args) == 1:
            return C.equals(obj, args[0])
        if n == "compareto" and len(args) == 1:
            return C.compare(obj, args[0])
        if n == "gethashcode":
            return obj.value
        raise _method_not_found(obj, name)
    if isinstance(obj, PSGuid):
        if n == "tostring":
            fmt = C.to_str(args[0]).upper() if args else "D"
            raw = obj.value
            return {"N": raw.replace("-", ""), "B": "{%s}" % raw, "P": "(%s)" % raw}.get(fmt, raw)
        if n == "equals" and len(args) == 1:
            return C.equals(obj, args[0])
        raise _method_not_found(obj, name)
    if isinstance(obj, ScriptBlock):
        if n in ("invoke", "invokereturnasis"):
            out = interp.invoke_scriptblock(obj, args=list(args), new_scope=True)
            if n == "invoke":
                return out
            return None if not out else out[0] if len(out) == 1 else out
        if n == "tostring":
            return obj.text
        if n == "getnewclosure":
            return obj
        raise _method_not_found(obj, name)
    if isinstance(obj, (ErrorRecord, PSExceptionObj)):
        if n == "tostring":
            return obj.message
        if n == "getbaseexception" and isinstance(obj, PSExceptionObj):
            e = obj
            while e.inner is not None:
                e = e.inner
            return e
        raise _method_not_found(obj, name)
    if isinstance(obj, PSTypeRef):
        if n == "tostring":
            return obj.full_name
        raise _method_not_found(obj, name)
    if isinstance(obj, (bool, int, float)):
        if n == "tostring":
            if args and isinstance(obj, (int, float)) and not isinstance(obj, bool):
                return format_number(obj, C.to_str(args[0]))
            return C.to_str(obj)
        if n == "equals" and len(args) == 1:
            return C.equals(obj, args[0])
        if n == "compareto" and len(args) == 1:
            return C.compare(obj, args[0])
        raise _method_not_found(obj, name)
    if n == "tostring":
        return C.to_str(obj)
    raise _method_not_found(obj, name)


def _method_not_found(obj, name):
    return runtime_error("Method invocation failed because [%s] does not contain a method named '%s'."
                         % (C.type_name_of(obj), name), "MethodNotFound", "InvalidOperation")


def format_number(x, fmt):
    f = fmt.strip()
    m = re.fullmatch(r"([DdNnFfXxPp])(\d*)", f)
    if m:
        kind, digits = m.group(1).upper(), m.group(2)
        if kind == "D":
            return str(int(x)).zfill(int(digits or 0))
        if kind == "X":
            s = "%X" % int(x) if m.group(1) == "X" else "%x" % int(x)
            return s.zfill(int(digits or 0))
        if kind == "N":
            return "{:,.{}f}".format(x, int(digits) if digits else 2)
        if kind == "F":
            return "{:.{}f}".format(x, int(digits) if digits else 2)
        if kind == "P":
            return "{:.{}f} %".format(x * 100, int(digits) if digits else 2)
    if re.fullmatch(r"0+(\.0+)?", f):
        dec = len(f.split(".")[1]) if "." in f else 0
        return "{:0{}.{}f}".format(x, len(f), dec)
    return C.to_str(x)


def _string_method(s, n, name, args):
    a = [C.to_str(x) for x in args]
    if n == "tostring":
        return s
    if n in ("toupper", "toupperinvariant"):
        return s.upper()
    if n in ("tolower", "tolowerinvariant"):
        return s.lower()
    if n == "trim":
        return s.strip(a[0]) if a else s.strip()
    if n == "trimstart":
        return s.lstrip(a[0]) if a else s.lstrip()
    if n == "trimend":
        return s.rstrip(a[0]) if a else s.rstrip()
    if n == "contains" and len(a) == 1:
        return C.to_str(a[0]) in s
    if n == "startswith" and a:
        return s.lower().startswith(C.to_str(a[0]).lower()) if len(a) > 1 else s.startswith(C.to_str(a[0]))
    if n == "endswith" and a:
        return s.lower().endswith(C.to_str(a[0]).lower()) if len(a) > 1 else s.endswith(C.to_str(a[0]))
    if n == "replace" and len(a) == 2:
        return s.replace(C.to_str(a[0]), C.to_str(a[1]))
    if n == "split":
        if not args:
            return re.split(r"\s", s)
        first = args[0]
        # a string argument binds to the char[] overload: split on each of its characters
        seps = [C.to_str(x) for x in first] if isinstance(first, list) else list(C.to_str(first))
        pattern = "|".join(re.escape(x) for x in seps if x)
        return re.split(pattern, s) if pattern else [s]
    if n == "substring":
        start = C.to_int(args[0])
        if start > len(s):
            raise method_invocation_error(name, len(args), "System.ArgumentOutOfRangeException",
                                          "startIndex cannot be larger than length of string.")
        if len(args) > 1:
            ln = C.to_int(args[1])
            if start + ln > len(s):
                raise method_invocation_error(name, len(args), "System.ArgumentOutOfRangeException",
                                              "Index and length must refer to a location within the string.")
            return s[start:start + ln]
        return s[start:]
    if n == "indexof" and args:
        return s.find(C.to_str(args[0]))
    if n == "lastindexof" and args:
        return s.rfind(C.to_str(args[0]))
    if n == "padleft" and args:
        return s.rjust(C.to_int(args[0]), C.to_str(args[1]) if len(args) > 1 else " ")
    if n == "padright" and args:
        return s.ljust(C.to_int(args[0]), C.to_str(args[1]) if len(args) > 1 else " ")
    if n == "equals" and args:
        return s == C.to_str(args[0])
    if n == "tochararray":
        return list(s)
    if n == "insert" and len(args) == 2:
        i = C.to_int(args[0])
        return s[:i] + C.to_str(args[1]) + s[i:]
    if n == "remove" and args:
        i = C.to_int(args[0])
        return s[:i] + (s[i + C.to_int(args[1]):] if len(args) > 1 else "")
    if n == "compareto" and args:
        return C.compare(s, args[0], case_sensitive=True)
    if n == "gethashcode":
        return hash(s) & 0x7FFFFFFF
    if n == "normalize":
        return s
    raise _method_not_found(s, name)


def _hashtable_method(h, n, name, args):
    if n in ("containskey", "contains") and len(args) == 1:
        return args[0] in h
    if n == "containsvalue" and len(args) == 1:
        return any(C.equals(v, args[0]) for v in h.values())
    if n == "add" and len(args) == 2:
        if args[0] in h:
            raise method_invocation_error(name, 2, "System.ArgumentException",
                                          "Item has already been added. Key in dictionary: '%s'  Key being added: '%s'"
                                          % (C.to_str(h.original_key(args[0])), C.to_str(args[0])))
        h[args[0]] = args[1]
        return VOID
    if n == "remove" and len(args) == 1:
        h.pop(args[0], None)
        return VOID
    if n == "clear":
        h.clear()
        return VOID
    if n == "clone":
        return h.copy()
    if n == "getenumerator":
        return [PSObject(CIDict([("Name", k), ("Key", k), ("Value", v)]),
                         type_names=["System.Collections.DictionaryEntry", "System.Object"]) for k, v in h.items()]
    if n == "tostring":
        return h.type_name
    if n == "get_item" and len(args) == 1:
        return h.get(args[0])
    raise _method_not_found(h, name)


def _list_method(interp, lst, n, name, args):
    if n == "contains" and len(args) == 1:
        return any(C.equals(x, args[0]) for x in lst)
    if n == "indexof" and args:
        for i, x in enumerate(lst):
            if C.equals(x, args[0]):
                return i
        return -1
    if n in ("add", "remove", "insert", "removeat", "addrange", "clear"):
        if not isinstance(lst, PSArrayList):
            raise method_invocation_error(name, len(args), "System.NotSupportedException", "Collection was of a fixed size.")
        if n == "add":
            lst.append(args[0] if args else None)
            return VOID if isinstance(lst, PSGenericList) else len(lst) - 1
        if n == "remove":
            for i, x in enumerate(lst):
                if C.equals(x, args[0]):
                    del lst[i]
                    break
            return VOID
        if n == "insert":
            lst.insert(C.to_int(args[0]), args[1])
            return VOID
        if n == "removeat":
            del lst[C.to_int(args[0])]
            return VOID
        if n == "addrange":
            lst.extend(args[0] if isinstance(args[0], list) else [args[0]])
            return VOID
        lst.clear()
        return VOID
    if n == "toarray":
        return list(lst)
    if n == "clone":
        return type(lst)(lst) if isinstance(lst, list) else lst
    if n == "tostring":
        return C.type_name_of(lst)
    if n == "getenumerator":
        return list(lst)
    if n == "sort" and isinstance(lst, PSArrayList):
        lst.sort(key=lambda x: C.to_str(x).lower())
        return VOID
    if n == "equals" and len(args) == 1:
        return lst is args[0]
    return _NO


def _intrinsic_collection_method(interp, items, n, args):
    if n == "foreach":
        if not args:
            return []
        f = args[0]
        out = []
        for item in items:
            if isinstance(f, ScriptBlock):
                out.extend(interp.invoke_scriptblock(f, dollar_under=item, new_scope=False, args=list(args[1:])))
            else:
                v = get_member(interp, item, C.to_str(f))
                if v is not None:
                    out.append(v)
        return out
    sb = args[0] if args else None
    mode = C.to_str(args[1]).lower() if len(args) > 1 else "default"
    count = C.to_int(args[2]) if len(args) > 2 else 0
    out = []
    for item in items:
        ok = C.is_true(interp.invoke_scriptblock(sb, dollar_under=item, new_scope=False)) if sb else True
        if mode == "first" and ok:
            out.append(item)
            if count and len(out) >= count or not count:
                break
        elif mode in ("default", "last") and ok:
            out.append(item)
    if mode == "last" and out:
        out = out[-(count or 1):]
    return out


def _date_method(d, n, name, args):
    if n == "tostring":
        return C.format_datetime(d, C.to_str(args[0]) if args else None)
    if n == "touniversaltime":
        return d.with_kind("Utc")
    if n == "tolocaltime":
        return d.with_kind("Local")
    units = {"addseconds": 1, "addminutes": 60, "addhours": 3600, "adddays": 86400, "addmilliseconds": 0.001}
    if n in units and len(args) == 1:
        return PSDateTime(d.dt + _dt.timedelta(seconds=C.to_number(args[0]) * units[n]), d.kind)
    if n == "addticks" and len(args) == 1:
        return PSDateTime(d.dt + _dt.timedelta(microseconds=C.to_number(args[0]) / 10), d.kind)
    if n == "addmonths" and len(args) == 1:
        m = d.dt.month - 1 + C.to_int(args[0])
        y, m = d.dt.year + m // 12, m % 12 + 1
        return PSDateTime(d.dt.replace(year=y, month=m, day=min(d.dt.day, 28)), d.kind)
    if n == "add" and len(args) == 1:
        ts = C.convert_to(args[0], "System.TimeSpan")
        return PSDateTime(d.dt + _dt.timedelta(microseconds=ts.ticks / 10), d.kind)
    if n == "subtract" and len(args) == 1:
        other = args[0]
        if isinstance(other, PSDateTime):
            return PSTimeSpan(round((d.dt - other.dt).total_seconds() * TICKS_PER_SECOND))
        ts = C.convert_to(other, "System.TimeSpan")
        return PSDateTime(d.dt - _dt.timedelta(microseconds=ts.ticks / 10), d.kind)
    if n == "tofiletimeutc" or n == "tofiletime":
        return (d.ticks - 504911232000000000)
    if n in ("tostring",):
        return C.to_str(d)
    if n == "compareto" and args:
        return C.compare(d, args[0])
    if n == "equals" and args:
        return C.equals(d, args[0])
    if n == "toshortdatestring":
        return C.format_datetime(d, "M/d/yyyy")
    if n == "tolongdatestring":
        return C.format_datetime(d, "dddd, MMMM d, yyyy")
    if n == "toshorttimestring":
        return C.format_datetime(d, "h:mm tt")
    raise _method_not_found(d, name)
