"""powershell.exe as seen through WinRS: runs one script, renders stdout in the shell code page and
the non-output streams as CLIXML on stderr (what pywinrm's run_ps unpacks)."""
from __future__ import annotations

import logging
import traceback
from xml.sax.saxutils import escape

from .errors import ErrorRecord, InvocationInfo, PSExceptionObj
from .formatting import format_objects, render_error
from .interpreter import Interpreter
from .parser import ParseFailure, parse

log = logging.getLogger("lab.hyperv.ps")

_CLIXML_HEAD = '#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'


def clixml_escape(text):
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "_" and text[i:i + 2] == "_x":
            out.append("_x005F_")
        elif ord(ch) < 0x20 or 0xD800 <= ord(ch) <= 0xDFFF:
            out.append("_x%04X_" % ord(ch))
        else:
            out.append(escape(ch))
        i += 1
    return "".join(out)


def _codec(codepage):
    return {65001: "utf-8", 437: "cp437", 850: "cp850", 1252: "cp1252", 1200: "utf-16-le"}.get(int(codepage), "cp437")


class ScriptHost:
    """Everything the interpreter needs from 'outside': environment, clock, commands and output sinks."""

    def __init__(self, env, now, commands, codepage=437, hyperv=None, non_interactive=False):
        self.env = env
        self._now = now
        self.commands = commands
        self.codepage = codepage
        self.hyperv = hyperv
        self.non_interactive = non_interactive
        self.stdout_lines = []
        self.output_codec = _codec(codepage)  # [Console]::OutputEncoding
        self.stderr_items = []  # (kind, payload)
        self.module_loaded = False

    def now(self):
        return self._now()

    def find_command(self, name):
        return self.commands.find(name)

    def list_commands(self):
        return self.commands.names()

    # output
    def emit_output(self, objs):
        if objs:
            self.stdout_lines.extend(format_objects(objs))

    def write_host(self, text):
        self.stdout_lines.append(text)

    def write_error_record(self, record):
        for line in render_error(record):
            self.stderr_items.append(("Error", line))

    def write_stream(self, kind, text):
        self.stderr_items.append((kind, text))

    def write_progress(self, activity, status=" ", completed=True):
        self.stderr_items.append(("progress", (activity, status, completed)))

    # rendering
    def stdout_bytes(self):
        if not self.stdout_lines:
            return b""
        text = "\r\n".join(self.stdout_lines) + "\r\n"
        return text.encode(self.output_codec, "replace")

    def stderr_bytes(self):
        if not self.stderr_items:
            return b""
        parts = [_CLIXML_HEAD]
        ref = 0
        for kind, payload in self.stderr_items:
            if kind == "progress":
                activity, status, done = payload
                parts.append(
                    '<Obj S="progress" RefId="%d"><TN RefId="%d"><T>System.Management.Automation.PSCustomObject</T>'
                    '<T>System.Object</T></TN><MS><I64 N="SourceId">1</I64><PR N="Record"><AV>%s</AV><AI>0</AI>'
                    '<Nil /><PI>-1</PI><PC>-1</PC><T>%s</T><SR>-1</SR><SD>%s</SD></PR></MS></Obj>'
                    % (ref, ref, clixml_escape(activity), "Completed" if done else "Processing",
                       clixml_escape(status)))
                ref += 1
            else:
                parts.append('<S S="%s">%s</S>' % (kind, clixml_escape(payload + "\r\n")))
        parts.append("</Objs>")
        return "".join(parts).encode("utf-8")


def parse_error_record(issue):
    rec = ErrorRecord(PSExceptionObj("System.Management.Automation.ParseException", issue.message), issue.fqid,
                      "ParserError")
    rec.invocation = InvocationInfo("", issue.line, issue.column, issue.line_text, 1)
    return rec


def run_powershell(script, host):
    """Run `script` in a fresh runspace. Returns the exit code (0 ok, 1 failed, or `exit N`)."""
    try:
        unit = parse(script)
    except ParseFailure as pf:
        for issue in pf.issues[:1]:
            host.write_error_record(parse_error_record(issue))
        return 1
    interp = Interpreter(host)
    try:
        return interp.run_unit(unit)
    except RecursionError:
        host.write_error_record(ErrorRecord(PSExceptionObj(
            "System.Management.Automation.ScriptCallDepthException",
            "The script failed due to call depth overflow."), "CallDepthOverflow", "InvalidOperation"))
        return 1
    except Exception as exc:  # a simulator bug: report it loudly instead of pretending PowerShell failed
        log.error("interpreter failure:\n%s", traceback.format_exc())
        host.write_error_record(ErrorRecord(PSExceptionObj(
            "System.Exception", "Hyper-V simulator internal error: %s: %s" % (type(exc).__name__, exc)),
            "SimulatorInternalError", "NotSpecified"))
        return 1


class CommandTable:
    """Case-insensitive command lookup over builtins plus whatever the Hyper-V layer registers."""

    def __init__(self, commands):
        self._by_name = {c.name.lower(): c for c in commands}

    def add(self, commands):
        for c in commands:
            self._by_name[c.name.lower()] = c

    def find(self, name):
        return self._by_name.get(name.lower())

    def names(self):
        return sorted(c.name for c in self._by_name.values())
