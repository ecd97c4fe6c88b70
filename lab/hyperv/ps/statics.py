"""Static members and constructors of the .NET types scripts use: [Convert], [Text.Encoding],
[ScriptBlock], [guid], [datetime], [timespan], [string], [math], [Environment], [regex], [Uri],
[IO.Path], [Enum], [Console]::OutputEncoding, ::new()."""
from __future__ import annotations

import base64
import binascii
import datetime as _dt
import ipaddress
import math
import re

from . import convert as C
from .errors import PSExceptionObj, method_invocation_error, runtime_error
from .types import UriHostNameType
from .values import (AutomationNull, CIDict, PSArrayList, PSDateTime, PSGenericList, PSGuid, PSHashtable, PSObject,
                     PSTimeSpan, PSTypeRef, PSVersion, TICKS_PER_SECOND)

VOID = AutomationNull


def _encoding_obj(name, codec):
    def get_string(interp, args):
        data = args[0] if args else b""
        if isinstance(data, list):
            data = bytes(C.to_int(x) & 0xFF for x in data)
        if not isinstance(data, (bytes, bytearray)):
            raise method_invocation_error("GetString", len(args), "System.ArgumentNullException",
                                          "Array cannot be null.\r\nParameter name: bytes")
        return bytes(data).decode(codec, "replace")

    def get_bytes(interp, args):
        return C.to_str(args[0] if args else "").encode(codec)

    return PSObject(CIDict([("EncodingName", name), ("WebName", codec), ("BodyName", codec)]),
                    type_names=["System.Text.%sEncoding" % name.replace("-", ""), "System.Text.Encoding", "System.Object"],
                    methods={"getstring": get_string, "getbytes": get_bytes}, to_string=lambda: "System.Text.Encoding")


def get_static(interp, tref, name):
    n = name.lower()
    full = tref.full_name
    if tref.kind == "enum":
        try:
            return tref.payload(name)
        except ValueError:
            return None
    if full == "System.Text.Encoding":
        codecs = {"utf8": ("Unicode (UTF-8)", "utf-8"), "unicode": ("Unicode", "utf-16-le"),
                  "ascii": ("US-ASCII", "ascii"), "default": ("Western European (Windows)", "cp1252"),
                  "bigendianunicode": ("Unicode (Big-Endian)", "utf-16-be"), "utf32": ("Unicode (UTF-32)", "utf-32-le")}
        if n in codecs:
            return _encoding_obj(*codecs[n])
    if full == "System.Int32":
        return {"maxvalue": C.INT32_MAX, "minvalue": C.INT32_MIN}.get(n)
    if full == "System.Int64":
        return {"maxvalue": C.INT64_MAX, "minvalue": C.INT64_MIN}.get(n)
    if full == "System.String" and n == "empty":
        return ""
    if full == "System.Guid" and n == "empty":
        return PSGuid("00000000-0000-0000-0000-000000000000")
    if full == "System.DateTime":
        now = interp.host.now()
        if n == "utcnow":
            return now.with_kind("Utc")
        if n == "now":
            return now
        if n == "today":
            return PSDateTime(_dt.datetime(now.dt.year, now.dt.month, now.dt.day), "Local")
        if n == "minvalue":
            return PSDateTime(_dt.datetime(1, 1, 1), "Unspecified")
        if n == "maxvalue":
            return PSDateTime(_dt.datetime(9999, 12, 31, 23, 59, 59, 999999), "Unspecified")
    if full == "System.TimeSpan":
        if n == "zero":
            return PSTimeSpan(0)
    if full == "System.Environment":
        env = interp.host.env
        if n == "machinename":
            return env.get("COMPUTERNAME")
        if n == "newline":
            return "\r\n"
        if n == "username":
            return env.get("USERNAME")
        if n == "userdomainname":
            return env.get("USERDOMAIN")
        if n == "osversion":
            return PSObject(CIDict([("Platform", "Win32NT"), ("Version", PSVersion(10, 0, 17763, 0)),
                                    ("VersionString", "Microsoft Windows NT 10.0.17763.0")]),
                            to_string=lambda: "Microsoft Windows NT 10.0.17763.0")
        if n == "is64bitprocess" or n == "is64bitoperatingsystem":
            return True
    if full == "System.Math":
        return {"pi": math.pi, "e": math.e}.get(n)
    if full == "System.Console" and n == "outputencoding":
        return _encoding_obj(*_ENCODINGS.get(interp.host.output_codec, ("OEM United States", "cp437")))
    return None


_ENCODINGS = {"utf-8": ("Unicode (UTF-8)", "utf-8"), "utf-16-le": ("Unicode", "utf-16-le"),
              "ascii": ("US-ASCII", "ascii"), "cp1252": ("Western European (Windows)", "cp1252"),
              "cp437": ("OEM United States", "cp437"), "cp850": ("Western European (DOS)", "cp850")}


def set_static(interp, tref, name, value):
    """Static property assignment; only [Console]::OutputEncoding matters to remote scripts."""
    if tref.full_name == "System.Console" and name.lower() == "outputencoding" and isinstance(value, PSObject):
        interp.host.output_codec = value.props.get("WebName") or "utf-8"
        return
    raise runtime_error("'%s' is a ReadOnly property." % name, "PropertyAssignmentException", "InvalidOperation")


def call_static(interp, tref, name, args):
    n = name.lower()
    full = tref.full_name
    argc = len(args)
    if n == "new":
        return _construct(interp, tref, args)
    if full == "System.Convert":
        if n == "frombase64string" and argc == 1:
            s = C.to_str(args[0])
            cleaned = re.sub(r"\s", "", s)
            try:
                if len(cleaned) % 4:
                    raise binascii.Error()
                return base64.b64decode(cleaned, validate=True)
            except (binascii.Error, ValueError):
                raise method_invocation_error(name, argc, "System.FormatException",
                                              "The input is not a valid Base-64 string as it contains a non-base 64 "
                                              "character, more than two padding characters, or an illegal character "
                                              "among the padding characters. ")
        if n == "tobase64string" and argc >= 1:
            data = args[0]
            if isinstance(data, list):
                data = bytes(C.to_int(x) & 0xFF for x in data)
            return base64.b64encode(bytes(data)).decode("ascii")
        if n == "toint32" and argc >= 1:
            if argc == 2:
                return int(C.to_str(args[0]), C.to_int(args[1]))
            return C.to_int(args[0])
        if n == "toint64":
            return C.to_int(args[0], 64)
        if n == "tostring" and argc >= 1:
            return C.to_str(args[0])
        if n == "toboolean":
            return C.is_true(args[0])
        if n == "todatetime":
            return C.convert_to(args[0], "System.DateTime")
    if full == "System.Management.Automation.ScriptBlock" and n == "create" and argc == 1:
        return interp.create_scriptblock(C.to_str(args[0]))
    if full == "System.String":
        if n == "isnullorempty":
            return args[0] is None or C.to_str(args[0]) == ""
        if n == "isnullorwhitespace":
            return args[0] is None or C.to_str(args[0]).strip() == ""
        if n == "join" and argc >= 2:
            items = args[1] if argc == 2 and isinstance(args[1], list) else list(args[1:])
            return C.to_str(args[0]).join(C.to_str(x) for x in items)
        if n == "format" and argc >= 1:
            from .operators import format_operator
            return format_operator(interp, C.to_str(args[0]), list(args[1:]))
        if n == "concat":
            return "".join(C.to_str(x) for x in args)
        if n == "equals" and argc >= 2:
            return C.to_str(args[0]) == C.to_str(args[1])
    if full == "System.Guid":
        if n == "newguid":
            return PSGuid.new()
        if n == "parse" and argc == 1:
            try:
                return PSGuid(C.to_str(args[0]))
            except ValueError:
                raise method_invocation_error(name, argc, "System.FormatException",
                                              "Guid should contain 32 digits with 4 dashes (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx).")
        if n == "tryparse":
            try:
                PSGuid(C.to_str(args[0]))
                return True
            except ValueError:
                return False
    if full == "System.DateTime":
        if n == "parse" and argc >= 1:
            try:
                return C.parse_datetime(C.to_str(args[0]))
            except ValueError as e:
                raise method_invocation_error(name, argc, "System.FormatException", str(e))
        if n == "specifykind" and argc == 2:
            return PSDateTime(args[0].dt, C.to_str(args[1]))
        if n == "fromfiletimeutc":
            return PSDateTime(_dt.datetime(1601, 1, 1) + _dt.timedelta(microseconds=C.to_number(args[0]) / 10), "Utc")
    if full == "System.TimeSpan":
        units = {"fromseconds": 1, "fromminutes": 60, "fromhours": 3600, "fromdays": 86400, "frommilliseconds": 0.001}
        if n in units and argc == 1:
            return PSTimeSpan.from_seconds(C.to_number(args[0]) * units[n])
        if n == "fromticks":
            return PSTimeSpan(C.to_int(args[0], 64))
        if n == "parse":
            return C.convert_to(C.to_str(args[0]), "System.TimeSpan")
    if full == "System.Math":
        vals = [C.to_number(a) for a in args]
        if n == "round":
            if len(vals) == 2:
                return round(vals[0], int(vals[1]))
            r = round(vals[0])
            return float(r) if isinstance(vals[0], float) else r
        fn = {"floor": math.floor, "ceiling": math.ceil, "abs": abs, "sqrt": math.sqrt}.get(n)
        if fn and len(vals) == 1:
            r = fn(vals[0])
            return float(r) if isinstance(vals[0], float) and n != "abs" else r
        if n == "max" and len(vals) == 2:
            return max(vals)
        if n == "min" and len(vals) == 2:
            return min(vals)
        if n == "pow" and len(vals) == 2:
            return float(vals[0] ** vals[1])
        if n == "truncate":
            return float(math.trunc(vals[0]))
    if full == "System.Environment":
        if n == "getenvironmentvariable" and argc >= 1:
            return interp.host.env.get(C.to_str(args[0]))
        if n == "setenvironmentvariable" and argc >= 2:
            interp.host.env[C.to_str(args[0])] = C.to_str(args[1])
            return VOID
        if n == "getenvironmentvariables":
            return PSHashtable(interp.host.env.items())
    if full == "System.Text.RegularExpressions.Regex":
        if n == "escape":
            return re.escape(C.to_str(args[0]))
        if n == "ismatch" and argc >= 2:
            return re.search(C.to_str(args[1]), C.to_str(args[0])) is not None
        if n == "replace" and argc >= 3:
            from .operators import dotnet_replacement
            return re.sub(C.to_str(args[1]), dotnet_replacement(C.to_str(args[2])), C.to_str(args[0]))
    if full == "System.Uri" and n == "checkhostname" and argc == 1:
        return UriHostNameType(check_host_name(C.to_str(args[0])))
    if full == "System.IO.Path":
        if n == "combine":
            parts = [C.to_str(a) for a in args]
            out = parts[0]
            for p in parts[1:]:
                out = p if re.match(r"^[A-Za-z]:|^\\", p) else out.rstrip("\\") + "\\" + p
            return out
        if n == "getfilename":
            return C.to_str(args[0]).replace("/", "\\").rsplit("\\", 1)[-1]
    if full == "System.Net.Dns" and n == "gethostname":
        return interp.host.env.get("COMPUTERNAME")
    if full == "System.Enum":
        if n == "getnames" and argc == 1 and isinstance(args[0], PSTypeRef) and args[0].kind == "enum":
            return list(args[0].payload.members)
        if n == "getvalues" and argc == 1 and isinstance(args[0], PSTypeRef) and args[0].kind == "enum":
            e = args[0].payload
            return [e(v) for v in e.members.values()]
        if n == "parse" and argc >= 2 and isinstance(args[0], PSTypeRef) and args[0].kind == "enum":
            return args[0].payload(C.to_str(args[1]))
    if tref.kind == "enum" and n == "parse":
        return tref.payload(C.to_str(args[-1]))
    if full in ("System.Int32", "System.Int64") and n == "parse":
        return C.to_int(C.to_str(args[0]), 32 if full == "System.Int32" else 64)
    if full == "System.Threading.Thread" and n == "sleep":
        return VOID
    if full == "System.Management.Automation.Language.Parser":
        raise runtime_error("The PowerShell parser API is not modeled by the simulator.", "NotModeledBySimulator")
    raise runtime_error("Method invocation failed because [%s] does not contain a method named '%s'." % (full, name),
                        "MethodNotFound", "InvalidOperation")


def check_host_name(name):
    """Uri.CheckHostName: 0 Unknown, 1 Basic, 2 Dns, 3 IPv4, 4 IPv6."""
    if not name:
        return 0
    try:
        ip = ipaddress.ip_address(name.strip("[]"))
        return 3 if ip.version == 4 else 4
    except ValueError:
        pass
    if re.fullmatch(r"(?=.{1,255}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?", name):
        return 2
    return 0


def _construct(interp, tref, args):
    full = tref.full_name
    if full == "System.Collections.ArrayList":
        return PSArrayList(args[0] if args and isinstance(args[0], list) else [])
    if full == "System.Collections.Generic.List":
        return PSGenericList(args[0] if args and isinstance(args[0], list) else [])
    if full == "System.Collections.Hashtable":
        return PSHashtable()
    if full == "System.Collections.Generic.Dictionary":
        return PSHashtable()
    if full == "System.Text.StringBuilder":
        return PSArrayList()
    if tref.kind == "exception":
        msg = C.to_str(args[0]) if args else "Exception of type '%s' was thrown." % full
        return PSExceptionObj(full, msg)
    if full == "System.Guid" and args:
        return PSGuid(C.to_str(args[0]))
    if full == "System.DateTime" and len(args) >= 3:
        vals = [C.to_int(a) for a in args[:6]]
        return PSDateTime(_dt.datetime(*vals), "Unspecified")
    if full == "System.TimeSpan" and args:
        vals = [C.to_int(a) for a in args]
        if len(vals) == 3:
            return PSTimeSpan(((vals[0] * 60 + vals[1]) * 60 + vals[2]) * TICKS_PER_SECOND)
        if len(vals) == 4:
            return PSTimeSpan((((vals[0] * 24 + vals[1]) * 60 + vals[2]) * 60 + vals[3]) * TICKS_PER_SECOND)
        return PSTimeSpan(vals[0])
    raise runtime_error("Cannot find an overload for \"new\" and the argument count: \"%d\"." % len(args),
                        "MethodCountCouldNotFindBest", "NotSpecified")
