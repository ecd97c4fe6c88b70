"""Core cmdlets of Windows PowerShell 5.1 that scripts around Hyper-V calls commonly use."""
from __future__ import annotations

import time

from . import convert as C
from . import json51
from .commands import Command, Param
from .errors import ErrorCategory, ErrorRecord, PSError, PSExceptionObj
from .formatting import format_objects
from .members import get_member
from .values import CIDict, PSDateTime, PSHashtable, PSObject, PSVersion, ScriptBlock

UTILITY = "Microsoft.PowerShell.Commands"


def _under(interp, sb, item, args=None):
    return interp.invoke_scriptblock(sb, dollar_under=item, new_scope=False, args=args)


class WriteOutput(Command):
    name = "Write-Output"
    params = [Param("InputObject", "object", position=0, pipeline=True, remaining=True),
              Param("NoEnumerate", "switch")]
    takes_all_input = True

    def process(self, ctx, b):
        if ctx.input is not None:
            ctx.out.extend(ctx.input)
            return
        values = b.get("InputObject")
        if values is None:
            return
        if len(values) == 1:
            v = values[0]
            if b.get("NoEnumerate"):
                ctx.out.append(v)
            else:
                ctx.out.extend(ctx.interp.enumerate(v))
        else:
            ctx.out.extend(values)


class WriteHost(Command):
    name = "Write-Host"
    params = [Param("Object", "object", position=0, pipeline=True, remaining=True), Param("NoNewline", "switch"),
              Param("Separator", "object"), Param("ForegroundColor", "string"), Param("BackgroundColor", "string")]
    takes_all_input = True

    def process(self, ctx, b):
        values = list(ctx.input) if ctx.input is not None else (b.get("Object") or [])
        sep = C.to_str(b.get("Separator")) if b.get("Separator") is not None else " "
        flat = []
        for v in values:
            flat.extend(v if isinstance(v, list) else [v])
        ctx.interp.host.write_host(sep.join(C.to_str(x) for x in flat))


class WriteError(Command):
    name = "Write-Error"
    params = [Param("Message", "string", position=0, pipeline=True, aliases=("Msg",)),
              Param("Exception", "object"), Param("ErrorRecord", "object"), Param("Category", ErrorCategory),
              Param("ErrorId", "string"), Param("TargetObject", "object"), Param("RecommendedAction", "string"),
              Param("CategoryActivity", "string"), Param("CategoryReason", "string"),
              Param("CategoryTargetName", "string"), Param("CategoryTargetType", "string")]

    def process(self, ctx, b):
        rec = b.get("ErrorRecord")
        if not isinstance(rec, ErrorRecord):
            exc = b.get("Exception")
            if not isinstance(exc, PSExceptionObj):
                exc = PSExceptionObj("Microsoft.PowerShell.Commands.WriteErrorException",
                                     b.get("Message") or (C.to_str(exc) if exc is not None else ""))
            rec = ErrorRecord(exc, b.get("ErrorId") or "Microsoft.PowerShell.Commands.WriteErrorException",
                              b.get("Category") or "NotSpecified", target=b.get("TargetObject"),
                              invocation=ctx.call.invocation, activity=b.get("CategoryActivity") or "Write-Error")
        ctx.write_error(rec)


class WriteWarning(Command):
    name = "Write-Warning"
    params = [Param("Message", "string", position=0, pipeline=True, mandatory=True, aliases=("Msg",))]

    def process(self, ctx, b):
        ctx.warn(b["Message"])


class WriteVerbose(Command):
    name = "Write-Verbose"
    params = [Param("Message", "string", position=0, pipeline=True, mandatory=True, aliases=("Msg",))]

    def process(self, ctx, b):
        ctx.verbose(b["Message"])


class WriteDebug(Command):
    name = "Write-Debug"
    params = [Param("Message", "string", position=0, pipeline=True, mandatory=True, aliases=("Msg",))]

    def process(self, ctx, b):
        if b.get("Debug") or ctx.interp.preference("DebugPreference") == "Continue":
            ctx.interp.host.write_stream("debug", b["Message"])


class WriteInformation(Command):
    name = "Write-Information"
    params = [Param("MessageData", "object", position=0, mandatory=True, aliases=("Msg", "Message")),
              Param("Tags", "string[]", position=1)]

    def process(self, ctx, b):
        pref = b["InformationAction"].name if "InformationAction" in b else ctx.interp.preference("InformationPreference")
        if pref == "Continue":
            ctx.interp.host.write_host(C.to_str(b["MessageData"]))


class WriteProgress(Command):
    name = "Write-Progress"
    params = [Param("Activity", "string", position=0), Param("Status", "string", position=1),
              Param("Id", "int", position=2), Param("PercentComplete", "int"), Param("SecondsRemaining", "int"),
              Param("CurrentOperation", "string"), Param("ParentId", "int"), Param("Completed", "switch"),
              Param("SourceId", "int")]

    def process(self, ctx, b):
        if ctx.interp.preference("ProgressPreference") != "SilentlyContinue":
            ctx.interp.host.write_progress(b.get("Activity") or "", b.get("Status") or " ", bool(b.get("Completed")))


class ForEachObject(Command):
    name = "ForEach-Object"
    params = [Param("Process", "object", position=0, remaining=True), Param("Begin", "scriptblock"),
              Param("End", "scriptblock"), Param("MemberName", "string"), Param("ArgumentList", "object[]"),
              Param("InputObject", "object", pipeline=True), Param("RemainingScripts", "scriptblock[]")]
    takes_all_input = True

    def process(self, ctx, b):
        interp = ctx.interp
        proc = b.get("Process") or []
        if not isinstance(proc, list):
            proc = [proc]
        begin, end = b.get("Begin"), b.get("End")
        member = b.get("MemberName")
        if proc and not isinstance(proc[0], ScriptBlock):
            member, proc = C.to_str(proc[0]), []
        sbs = [p for p in proc if isinstance(p, ScriptBlock)]
        if len(sbs) >= 2 and begin is None:
            begin = sbs[0]
            sbs = sbs[1:]
        if len(sbs) >= 2 and end is None:
            end = sbs[-1]
            sbs = sbs[:-1]
        items = ctx.input if ctx.input is not None else (
            [b["InputObject"]] if "InputObject" in b else [None])
        if begin is not None:
            ctx.out.extend(_under(interp, begin, None))
        for item in items:
            if member:
                v = get_member(interp, item, member)
                if v is not None:
                    ctx.out.extend(interp.enumerate(v))
                continue
            for sb in sbs:
                from .errors import FlowReturn
                try:
                    ctx.out.extend(_under(interp, sb, item, args=b.get("ArgumentList")))
                except FlowReturn as r:
                    ctx.out.extend(r.args[0] if r.args else [])
        if end is not None:
            ctx.out.extend(_under(interp, end, None))


_WHERE_OPS = ["EQ", "NE", "GT", "GE", "LT", "LE", "Like", "NotLike", "Match", "NotMatch", "Contains",
              "NotContains", "In", "NotIn", "Is", "IsNot", "CEQ", "CNE", "CGT", "CGE", "CLT", "CLE", "CLike",
              "CNotLike", "CMatch", "CNotMatch", "CContains", "CNotContains", "CIn", "CNotIn"]


class WhereObject(Command):
    name = "Where-Object"
    params = [Param("FilterScript", "object", position=0), Param("Value", "object", position=1),
              Param("InputObject", "object", pipeline=True)] + [Param(op, "switch") for op in _WHERE_OPS]
    takes_all_input = True

    def process(self, ctx, b):
        from .operators import comparison
        interp = ctx.interp
        filt = b.get("FilterScript")
        items = ctx.input if ctx.input is not None else ([b["InputObject"]] if "InputObject" in b else [])
        op = next((o for o in _WHERE_OPS if b.get(o)), None)
        for item in items:
            if isinstance(filt, ScriptBlock):
                ok = C.is_true(_under(interp, filt, item))
            elif filt is not None:
                left = get_member(interp, item, C.to_str(filt))
                if op is None:
                    ok = C.is_true(left)
                else:
                    ok = C.is_true(comparison(interp, op.lower(), left, b.get("Value")))
            else:
                ok = True
            if ok:
                ctx.out.append(item)


def _calc_props(interp, specs):
    out = []
    for s in specs:
        if isinstance(s, PSHashtable):
            name = s.get("Name", s.get("N", s.get("Label", s.get("L"))))
            expr = s.get("Expression", s.get("E"))
            if isinstance(expr, ScriptBlock):
                out.append((C.to_str(name) if name is not None else expr.text.strip(),
                            lambda o, e=expr: interp.collect(_under(interp, e, o))))
            else:
                out.append((C.to_str(name if name is not None else expr),
                            lambda o, e=expr: get_member(interp, o, C.to_str(e))))
        elif isinstance(s, ScriptBlock):
            out.append((s.text.strip(), lambda o, e=s: interp.collect(_under(interp, e, o))))
        else:
            out.append((C.to_str(s), None))
    return out


def _prop_names(obj):
    if isinstance(obj, PSObject):
        return obj.props.keys()
    if isinstance(obj, PSHashtable):
        return ["IsReadOnly", "IsFixedSize", "IsSynchronized", "Keys", "Values", "SyncRoot", "Count"]
    return []


class SelectObject(Command):
    name = "Select-Object"
    params = [Param("Property", "object[]", position=0), Param("ExcludeProperty", "string[]"),
              Param("ExpandProperty", "string"), Param("Unique", "switch"), Param("Last", "int"),
              Param("First", "int"), Param("Skip", "int"), Param("SkipLast", "int"), Param("Index", "int[]"),
              Param("InputObject", "object", pipeline=True), Param("Wait", "switch")]
    takes_all_input = True

    def process(self, ctx, b):
        interp = ctx.interp
        items = list(ctx.input) if ctx.input is not None else ([b["InputObject"]] if "InputObject" in b else [])
        if "Skip" in b:
            items = items[b["Skip"]:]
        if "SkipLast" in b and b["SkipLast"]:
            items = items[:-b["SkipLast"]]
        if "Index" in b:
            items = [items[i] for i in b["Index"] if -len(items) <= i < len(items)]
        if "First" in b:
            items = items[:b["First"]]
        if "Last" in b:
            items = items[-b["Last"]:] if b["Last"] else []
        props = _calc_props(interp, b.get("Property") or [])
        result = []
        for item in items:
            if props:
                obj = PSObject(CIDict(), type_names=["Selected." + C.type_name_of(item),
                                                     "System.Management.Automation.PSCustomObject", "System.Object"])
                for name, getter in props:
                    if getter is None:
                        names = [n for n in _prop_names(item) if C.wildcard_match(name, n)] if C.has_wildcard(name) \
                            else [name]
                        for n in names:
                            obj.props[n] = get_member(interp, item, n)
                    else:
                        obj.props[name] = getter(item)
                for ex in b.get("ExcludeProperty") or []:
                    for n in list(obj.props.keys()):
                        if C.wildcard_match(ex, n):
                            obj.props.pop(n)
                item = obj
            if "ExpandProperty" in b:
                v = get_member(interp, item, b["ExpandProperty"])
                if v is None and not (isinstance(item, PSObject) and b["ExpandProperty"] in item.props):
                    ctx.error("Property \"%s\" cannot be found." % b["ExpandProperty"],
                              "ExpandPropertyNotFound", "InvalidArgument", target=item,
                              exc_type="System.Management.Automation.PSArgumentException")
                    continue
                result.extend(interp.enumerate(v) if isinstance(v, list) else [v])
            else:
                result.append(item)
        if b.get("Unique"):
            uniq = []
            for r in result:
                if not any(C.equals(r, u) if not isinstance(r, PSObject) else C.to_str(r) == C.to_str(u) for u in uniq):
                    uniq.append(r)
            result = uniq
        ctx.out.extend(result)


class SortObject(Command):
    name = "Sort-Object"
    params = [Param("Property", "object[]", position=0), Param("Descending", "switch"), Param("Unique", "switch"),
              Param("CaseSensitive", "switch"), Param("InputObject", "object", pipeline=True)]
    takes_all_input = True

    def process(self, ctx, b):
        import functools
        interp = ctx.interp
        items = list(ctx.input) if ctx.input is not None else []
        props = _calc_props(interp, b.get("Property") or [])

        def key_of(o):
            if not props:
                return [o]
            return [g(o) if g else get_member(interp, o, n) for n, g in props]

        def cmp(a, c):
            for x, y in zip(key_of(a), key_of(c)):
                if x is None and y is None:
                    continue
                try:
                    r = C.compare(x, y, bool(b.get("CaseSensitive")))
                except PSError:
                    r = C.compare(C.to_str(x), C.to_str(y))
                if r:
                    return r
            return 0
        items.sort(key=functools.cmp_to_key(cmp), reverse=bool(b.get("Descending")))
        if b.get("Unique"):
            out = []
            for it in items:
                if not out or cmp(out[-1], it) != 0:
                    out.append(it)
            items = out
        ctx.out.extend(items)


class MeasureObject(Command):
    name = "Measure-Object"
    params = [Param("Property", "string[]", position=0), Param("Sum", "switch"), Param("Average", "switch"),
              Param("Maximum", "switch"), Param("Minimum", "switch"), Param("InputObject", "object", pipeline=True)]
    takes_all_input = True

    def process(self, ctx, b):
        items = list(ctx.input) if ctx.input is not None else []
        prop = (b.get("Property") or [None])[0]
        vals = [get_member(ctx.interp, i, prop) if prop else i for i in items]
        nums = [C.to_number(v) for v in vals if v is not None] if any(b.get(k) for k in
                                                                      ("Sum", "Average", "Maximum", "Minimum")) else []
        obj = PSObject(CIDict([
            ("Count", len(items)), ("Average", (sum(nums) / len(nums)) if b.get("Average") and nums else None),
            ("Sum", sum(nums) if b.get("Sum") else None), ("Maximum", max(nums) if b.get("Maximum") and nums else None),
            ("Minimum", min(nums) if b.get("Minimum") and nums else None), ("Property", prop)]),
            type_names=["Microsoft.PowerShell.Commands.GenericMeasureInfo", "System.Object"])
        ctx.out.append(obj)


class ConvertToJson(Command):
    name = "ConvertTo-Json"
    params = [Param("InputObject", "object", position=0, pipeline=True, mandatory=False),
              Param("Depth", "int", validate=lambda v: None if v >= 1 else
                    "The %d argument is less than the minimum allowed range of 1. Supply an argument that is "
                    "greater than or equal to 1 and then try the command again." % v),
              Param("Compress", "switch")]
    takes_all_input = True

    def process(self, ctx, b):
        if ctx.input is not None:
            items = [x for x in ctx.input if x is not None]
            if not items:
                return
            value = items[0] if len(items) == 1 else list(items)
        else:
            if "InputObject" not in b:
                from .commands import binding_error
                raise binding_error(ctx, "MissingMandatoryParameter",
                                    "Cannot process command because of one or more missing mandatory parameters: "
                                    "InputObject.")
            value = b["InputObject"]
            if value is None:
                return
        try:
            text = json51.to_json(value, depth=b.get("Depth", 2), compress=bool(b.get("Compress")))
        except TypeError:
            ctx.throw("The type 'System.Collections.Hashtable' is not supported for serialization or "
                      "deserialization of a dictionary. Keys must be strings.", "NonStringKeyInDictionary",
                      "InvalidOperation", exc_type="System.InvalidOperationException")
        ctx.out.append(text)


class ConvertFromJson(Command):
    name = "ConvertFrom-Json"
    params = [Param("InputObject", "string", position=0, pipeline=True, mandatory=True)]
    takes_all_input = True

    def process(self, ctx, b):
        if ctx.input is not None:
            text = "\n".join(C.to_str(x) for x in ctx.input)
        else:
            text = b["InputObject"]
        try:
            value = json51.from_json(text)
        except json51.JsonError as e:
            ctx.throw(str(e), "System.ArgumentException", "NotSpecified", exc_type="System.ArgumentException")
        # 5.1 writes a JSON array as one object (it does not enumerate it)
        ctx.out.append(value)

    def _checked_process(self, ctx, b):
        if ctx.input is not None and "InputObject" not in b:
            b["InputObject"] = ""
        super()._checked_process(ctx, b)


class GetDate(Command):
    name = "Get-Date"
    params = [Param("Date", "datetime", position=0, pipeline=True, aliases=("LastWriteTime",)),
              Param("Format", "string"), Param("UFormat", "string"), Param("Year", "int"), Param("Month", "int"),
              Param("Day", "int"), Param("Hour", "int"), Param("Minute", "int"), Param("Second", "int"),
              Param("Millisecond", "int"), Param("DisplayHint", "string")]

    def process(self, ctx, b):
        d = b.get("Date") or ctx.interp.host.now()
        dt = d.dt
        repl = {}
        for k in ("Year", "Month", "Day", "Hour", "Minute", "Second"):
            if k in b:
                repl[k.lower()] = b[k]
        if repl:
            dt = dt.replace(**repl)
        if "Millisecond" in b:
            dt = dt.replace(microsecond=b["Millisecond"] * 1000)
        value = PSDateTime(dt, d.kind if "Date" in b else "Local", display_hint=2)
        if "Format" in b:
            ctx.out.append(C.format_datetime(value, b["Format"]))
        elif "UFormat" in b:
            fmt = b["UFormat"].replace("%Z", "+00")
            ctx.out.append(dt.strftime(fmt.replace("%s", str(int(value.epoch)))))
        else:
            ctx.out.append(value)


class OutNull(Command):
    name = "Out-Null"
    params = [Param("InputObject", "object", pipeline=True)]
    takes_all_input = True

    def process(self, ctx, b):
        return


class OutString(Command):
    name = "Out-String"
    params = [Param("InputObject", "object", pipeline=True), Param("Stream", "switch"), Param("Width", "int")]
    takes_all_input = True

    def process(self, ctx, b):
        items = list(ctx.input) if ctx.input is not None else ([b["InputObject"]] if "InputObject" in b else [])
        lines = format_objects(items)
        if b.get("Stream"):
            ctx.out.extend(lines)
        else:
            ctx.out.append("\r\n".join(lines) + "\r\n" if lines else "")


class OutDefault(Command):
    name = "Out-Default"
    params = [Param("InputObject", "object", pipeline=True)]
    takes_all_input = True

    def process(self, ctx, b):
        items = list(ctx.input) if ctx.input is not None else ([b["InputObject"]] if "InputObject" in b else [])
        ctx.interp.host.emit_output(items)


class OutHost(OutDefault):
    name = "Out-Host"


class FormatTable(Command):
    name = "Format-Table"
    params = [Param("Property", "object[]", position=0), Param("AutoSize", "switch"), Param("Wrap", "switch"),
              Param("HideTableHeaders", "switch"), Param("InputObject", "object", pipeline=True)]
    takes_all_input = True

    def process(self, ctx, b):
        items = list(ctx.input) if ctx.input is not None else []
        if b.get("Property"):
            sel = SelectObject()
            from .commands import CommandContext
            sub = CommandContext(ctx.interp, sel, ctx.call)
            sub.input = items
            sel.process(sub, {"Property": b["Property"]})
            items = sub.out
        ctx.out.extend(format_objects(items))


class FormatList(FormatTable):
    name = "Format-List"

    def process(self, ctx, b):
        from .formatting import _list_view
        items = [i for i in (ctx.input or []) if isinstance(i, PSObject)]
        ctx.out.extend(_list_view(items))


class GetCommand(Command):
    name = "Get-Command"
    params = [Param("Name", "string[]", position=0), Param("Module", "string[]"), Param("CommandType", "string"),
              Param("ListImported", "switch"), Param("All", "switch")]

    def process(self, ctx, b):
        host = ctx.interp.host
        names = b.get("Name") or ["*"]
        for n in names:
            if C.has_wildcard(n):
                for cname in host.list_commands():
                    if C.wildcard_match(n, cname):
                        ctx.out.append(self.info(host.find_command(cname)))
                continue
            cmd = host.find_command(n)
            if cmd is None or getattr(cmd, "not_modeled", False):
                if cmd is not None:
                    ctx.out.append(self.info(cmd))
                    continue
                ctx.error("The term '%s' is not recognized as the name of a cmdlet, function, script file, or "
                          "operable program. Check the spelling of the name, or if a path was included, verify that "
                          "the path is correct and try again." % n, "CommandNotFoundException", "ObjectNotFound",
                          target=n, exc_type="System.Management.Automation.CommandNotFoundException")
                continue
            ctx.out.append(self.info(cmd))

    @staticmethod
    def info(cmd):
        module = "Hyper-V" if cmd.namespace.startswith("Microsoft.HyperV") else "Microsoft.PowerShell.Utility"
        return PSObject(CIDict([("CommandType", "Cmdlet"), ("Name", cmd.name),
                                ("Version", PSVersion(2, 0, 0, 0) if module == "Hyper-V" else PSVersion(3, 1, 0, 0)),
                                ("Source", module), ("ModuleName", module)]),
                        type_names=["System.Management.Automation.CmdletInfo", "System.Object"],
                        to_string=lambda: cmd.name)


class ImportModule(Command):
    name = "Import-Module"
    params = [Param("Name", "string[]", position=0, mandatory=True), Param("RequiredVersion", "string"),
              Param("MinimumVersion", "string"), Param("MaximumVersion", "string"), Param("Force", "switch"),
              Param("PassThru", "switch"), Param("Global", "switch"), Param("DisableNameChecking", "switch"),
              Param("Prefix", "string")]

    def process(self, ctx, b):
        for n in b["Name"]:
            low = n.lower()
            if low == "hyper-v":
                ver = b.get("RequiredVersion")
                if ver and ver not in ("1.1", "1.1.0.0", "2.0", "2.0.0.0"):
                    ctx.error("The specified module 'Hyper-V' with version '%s' was not loaded because no valid "
                              "module file was found in any module directory." % ver,
                              "Modules_ModuleWithVersionNotFound", "ResourceUnavailable", target="Hyper-V",
                              exc_type="System.IO.FileNotFoundException")
                    continue
                if ctx.interp.host.hyperv is not None:
                    ctx.interp.host.hyperv.module_version = "1.1" if ver and ver.startswith("1.1") else "2.0.0.0"
            elif low.startswith("microsoft.powershell."):
                continue
            else:
                ctx.error("The specified module '%s' was not loaded because no valid module file was found in any "
                          "module directory." % n, "Modules_ModuleNotFound", "ResourceUnavailable", target=n,
                          exc_type="System.IO.FileNotFoundException")


class GetModule(Command):
    name = "Get-Module"
    params = [Param("Name", "string[]", position=0), Param("ListAvailable", "switch"), Param("All", "switch")]

    def process(self, ctx, b):
        hv = ctx.interp.host.hyperv
        ver = getattr(hv, "module_version", "2.0.0.0") if hv else "2.0.0.0"
        mods = [("Hyper-V", ver)]
        for name, v in mods:
            if not b.get("Name") or any(C.wildcard_match(n, name) for n in b["Name"]):
                ctx.out.append(PSObject(CIDict([("ModuleType", "Binary"), ("Version", C.convert_to(v, "System.Version")),
                                                ("Name", name), ("ExportedCommands", None)]),
                                        type_names=["System.Management.Automation.PSModuleInfo", "System.Object"],
                                        to_string=lambda name=name: name))


class SetStrictMode(Command):
    name = "Set-StrictMode"
    params = [Param("Version", "string", aliases=("v",)), Param("Off", "switch")]

    def process(self, ctx, b):
        if b.get("Off"):
            ctx.interp.strict = 0
            return
        v = (b.get("Version") or "1").lower()
        ctx.interp.strict = 3 if v == "latest" else int(float(v))


class NewObject(Command):
    name = "New-Object"
    params = [Param("TypeName", "string", position=0), Param("ArgumentList", "object[]", position=1,
                                                               aliases=("Args",)),
              Param("Property", "hashtable"), Param("ComObject", "string")]

    def process(self, ctx, b):
        from .statics import call_static
        from .types import resolve_type
        if "ComObject" in b:
            ctx.throw("COM objects are not modeled by the Hyper-V simulator.", "NotModeledBySimulator",
                      "NotImplemented", exc_type="System.NotSupportedException")
        tname = b.get("TypeName") or ""
        low = tname.lower()
        if low in ("psobject", "pscustomobject", "system.management.automation.psobject",
                   "system.management.automation.pscustomobject"):
            obj = PSObject(CIDict((b.get("Property") or PSHashtable()).items()))
            ctx.out.append(obj)
            return
        tref = resolve_type(tname)
        obj = call_static(ctx.interp, tref, "new", list(b.get("ArgumentList") or []))
        for k, v in (b.get("Property") or PSHashtable()).items():
            from .members import set_member
            set_member(ctx.interp, obj, C.to_str(k), v)
        ctx.out.append(obj)


class AddMember(Command):
    name = "Add-Member"
    params = [Param("MemberType", "string", position=0, aliases=("Type",)), Param("Name", "string", position=1),
              Param("Value", "object", position=2), Param("SecondValue", "object", position=3),
              Param("NotePropertyName", "string"), Param("NotePropertyValue", "object"),
              Param("NotePropertyMembers", "hashtable"), Param("InputObject", "object", pipeline=True),
              Param("PassThru", "switch"), Param("Force", "switch"), Param("TypeName", "string")]

    def process(self, ctx, b):
        obj = ctx.current if ctx.current is not None else b.get("InputObject")
        if not isinstance(obj, PSObject):
            ctx.throw("Add-Member on objects other than PSCustomObject is not modeled by the Hyper-V simulator.",
                      "NotModeledBySimulator", "NotImplemented", exc_type="System.NotSupportedException")
        pairs = []
        if "NotePropertyMembers" in b:
            pairs.extend(b["NotePropertyMembers"].items())
        if "NotePropertyName" in b:
            pairs.append((b["NotePropertyName"], b.get("NotePropertyValue")))
        if "Name" in b:
            mt = (b.get("MemberType") or "NoteProperty").lower()
            if mt not in ("noteproperty", "note"):
                ctx.throw("Add-Member -MemberType %s is not modeled by the Hyper-V simulator." % b.get("MemberType"),
                          "NotModeledBySimulator", "NotImplemented", exc_type="System.NotSupportedException")
            pairs.append((b["Name"], b.get("Value")))
        for k, v in pairs:
            if k in obj.props and not b.get("Force"):
                ctx.error("Cannot add a member with the name \"%s\" because a member with that name already exists. To "
                          "overwrite the member anyway, add the Force parameter to your command." % k,
                          "MemberAlreadyExists,Microsoft.PowerShell.Commands.AddMemberCommand", "InvalidOperation",
                          exc_type="System.InvalidOperationException")
                continue
            obj.props[C.to_str(k)] = v
        if b.get("PassThru"):
            ctx.out.append(obj)


class StartSleep(Command):
    name = "Start-Sleep"
    params = [Param("Seconds", "object", position=0, aliases=("s",)), Param("Milliseconds", "int", aliases=("m",))]
    max_seconds = 30.0

    def process(self, ctx, b):
        secs = C.to_number(b["Seconds"]) if "Seconds" in b else b.get("Milliseconds", 0) / 1000.0
        time.sleep(min(max(0.0, float(secs)), self.max_seconds))


class InvokeExpression(Command):
    name = "Invoke-Expression"
    params = [Param("Command", "string", position=0, pipeline=True, mandatory=True)]

    def process(self, ctx, b):
        from .parser import ParseFailure, parse
        try:
            unit = parse(b["Command"])
        except ParseFailure as pf:
            issue = pf.issues[0]
            ctx.throw(issue.message, issue.fqid, "ParserError",
                      exc_type="System.Management.Automation.ParseException")
        sb = ScriptBlock(unit, unit.root, b["Command"])
        ctx.out.extend(ctx.interp.invoke_scriptblock(sb, new_scope=False))


class JoinPath(Command):
    name = "Join-Path"
    params = [Param("Path", "string[]", position=0, mandatory=True), Param("ChildPath", "string", position=1),
              Param("Resolve", "switch")]

    def process(self, ctx, b):
        for p in b["Path"]:
            child = b.get("ChildPath") or ""
            ctx.out.append(p.rstrip("\\/") + "\\" + child.lstrip("\\/") if child else p)


class NativeHostname(Command):
    name = "hostname"
    params = [Param("Args", "object", position=0, remaining=True)]

    def process(self, ctx, b):
        ctx.out.append(ctx.interp.host.env.get("COMPUTERNAME"))


class NativeWhoami(Command):
    name = "whoami"
    params = [Param("Args", "object", position=0, remaining=True)]

    def process(self, ctx, b):
        env = ctx.interp.host.env
        ctx.out.append(("%s\\%s" % (env.get("USERDOMAIN"), env.get("USERNAME"))).lower())


class NotModeled(Command):
    """A real cmdlet the simulator does not implement: fails loudly instead of CommandNotFound."""

    not_modeled = True
    params = []

    def __init__(self, name, namespace="Microsoft.PowerShell.Commands"):
        self.name = name
        self.namespace = namespace

    def invoke(self, interp, call):
        rec = ErrorRecord(PSExceptionObj("System.NotSupportedException",
                                         "The cmdlet '%s' exists in Windows PowerShell 5.1 but is not modeled by the "
                                         "Hyper-V simulator." % self.name),
                          "NotModeledBySimulator,%s" % self.fq_class, "NotImplemented",
                          invocation=call.invocation, activity=call.name, target=self.name)
        raise PSError(rec)


NOT_MODELED_CORE = [
    "Test-Path", "Get-Item", "Get-ChildItem", "Get-Content", "Set-Content", "Add-Content", "Out-File", "New-Item",
    "Remove-Item", "Copy-Item", "Move-Item", "Invoke-Command", "New-PSSession", "Enter-PSSession", "Get-Service",
    "Get-Process", "Get-WmiObject", "Get-CimInstance", "Invoke-CimMethod", "Get-Member", "Tee-Object",
    "Group-Object", "Export-Clixml", "Import-Clixml", "Get-Variable", "Set-Variable", "Remove-Variable",
    "New-Variable", "Test-Connection", "Resolve-DnsName", "Test-NetConnection", "Get-NetAdapter",
    "Get-NetIPAddress", "Start-Job", "Receive-Job", "Wait-Job", "Get-Job", "Invoke-WebRequest", "Invoke-RestMethod",
    "Get-Credential", "ConvertTo-SecureString", "Get-Random", "Select-String", "Split-Path", "Resolve-Path",
    "Get-Location", "Set-Location", "Export-Csv", "Import-Csv", "ConvertTo-Csv", "ConvertFrom-Csv", "Compare-Object",
    "Get-Host", "Read-Host", "Get-EventLog", "Get-WinEvent", "Restart-Computer", "Stop-Computer",
]

BUILTINS = [WriteOutput(), WriteHost(), WriteError(), WriteWarning(), WriteVerbose(), WriteDebug(),
            WriteInformation(), WriteProgress(), ForEachObject(), WhereObject(), SelectObject(), SortObject(),
            MeasureObject(), ConvertToJson(), ConvertFromJson(), GetDate(), OutNull(), OutString(), OutDefault(),
            OutHost(), FormatTable(), FormatList(), GetCommand(), ImportModule(), GetModule(), SetStrictMode(),
            NewObject(), AddMember(), StartSleep(), InvokeExpression(), JoinPath(), NativeHostname(),
            NativeWhoami()] + [NotModeled(n) for n in NOT_MODELED_CORE]

