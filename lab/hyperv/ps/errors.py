"""Error records, .NET-like exception objects and the Python exceptions used for control flow."""
from __future__ import annotations

from .values import EnumType, EnumValue

ErrorCategory = EnumType("System.Management.Automation.ErrorCategory", [
    ("NotSpecified", 0), ("OpenError", 1), ("CloseError", 2), ("DeviceError", 3),
    ("DeadlockDetected", 4), ("InvalidArgument", 5), ("InvalidData", 6), ("InvalidOperation", 7),
    ("InvalidResult", 8), ("InvalidType", 9), ("MetadataError", 10), ("NotImplemented", 11),
    ("NotInstalled", 12), ("ObjectNotFound", 13), ("OperationStopped", 14), ("OperationTimeout", 15),
    ("SyntaxError", 16), ("ParserError", 17), ("PermissionDenied", 18), ("ResourceBusy", 19),
    ("ResourceExists", 20), ("ResourceUnavailable", 21), ("ReadError", 22), ("WriteError", 23),
    ("FromStdErr", 24), ("SecurityError", 25), ("ProtocolError", 26), ("ConnectionError", 27),
    ("AuthenticationError", 28), ("LimitsExceeded", 29), ("QuotaExceeded", 30), ("NotEnabled", 31),
])

# Exception type -> base types, most derived first (used by `catch [Type]` and -is).
EXCEPTION_BASES = {
    "System.Exception": [],
    "System.SystemException": ["System.Exception"],
    "System.ArgumentException": ["System.SystemException", "System.Exception"],
    "System.FormatException": ["System.SystemException", "System.Exception"],
    "System.InvalidOperationException": ["System.SystemException", "System.Exception"],
    "System.InvalidCastException": ["System.SystemException", "System.Exception"],
    "System.NotSupportedException": ["System.SystemException", "System.Exception"],
    "System.Management.Automation.RuntimeException": ["System.SystemException", "System.Exception"],
    "System.Management.Automation.ParseException": [
        "System.Management.Automation.RuntimeException", "System.SystemException", "System.Exception"],
    "System.Management.Automation.ParameterBindingException": [
        "System.Management.Automation.RuntimeException", "System.SystemException", "System.Exception"],
    "System.Management.Automation.ParameterBindingValidationException": [
        "System.Management.Automation.ParameterBindingException",
        "System.Management.Automation.RuntimeException", "System.SystemException", "System.Exception"],
    "System.Management.Automation.CommandNotFoundException": [
        "System.Management.Automation.RuntimeException", "System.SystemException", "System.Exception"],
    "System.Management.Automation.MethodInvocationException": [
        "System.Management.Automation.MethodException",
        "System.Management.Automation.RuntimeException", "System.SystemException", "System.Exception"],
    "System.Management.Automation.ActionPreferenceStopException": [
        "System.Management.Automation.RuntimeException", "System.SystemException", "System.Exception"],
    "System.Management.Automation.PSInvalidOperationException": [
        "System.InvalidOperationException", "System.SystemException", "System.Exception"],
    "System.Management.Automation.PSArgumentException": [
        "System.ArgumentException", "System.SystemException", "System.Exception"],
    "System.Management.Automation.PSInvalidCastException": [
        "System.InvalidCastException", "System.SystemException", "System.Exception"],
    "System.Management.Automation.PSNotSupportedException": [
        "System.NotSupportedException", "System.SystemException", "System.Exception"],
    "System.Management.Automation.ItemNotFoundException": [
        "System.Management.Automation.SessionStateException",
        "System.Management.Automation.RuntimeException", "System.SystemException", "System.Exception"],
    "System.Management.Automation.Host.HostException": [
        "System.Management.Automation.RuntimeException", "System.SystemException", "System.Exception"],
    "Microsoft.HyperV.PowerShell.VirtualizationException": ["System.Exception"],
}


class PSExceptionObj:
    """What `$_.Exception` returns."""

    def __init__(self, type_name, message, inner=None):
        self.type_name = type_name
        self.message = message
        self.inner = inner
        self.error_record = None

    def type_chain(self):
        return [self.type_name] + EXCEPTION_BASES.get(self.type_name, ["System.Exception"])

    @property
    def short_name(self):
        return self.type_name.rsplit(".", 1)[-1]


class InvocationInfo:
    def __init__(self, command_name="", line=0, column=0, line_text="", extent_len=0, script_name=""):
        self.command_name = command_name
        self.line = line
        self.column = column
        self.line_text = line_text
        self.extent_len = extent_len
        self.script_name = script_name

    def position_message(self):
        if not self.line:
            return ""
        under = " " * (self.column - 1) + "~" * max(1, self.extent_len)
        return "At line:%d char:%d\r\n+ %s\r\n+ %s" % (self.line, self.column, self.line_text, under)


class ErrorRecord:
    def __init__(self, exception, fqid, category, target=None, activity=None, invocation=None,
                 target_name=None, target_type=None):
        self.exception = exception
        exception.error_record = self
        self.fqid = fqid
        self.category = category if isinstance(category, EnumValue) else ErrorCategory(category)
        self.target = target
        self.activity = activity
        self.invocation = invocation
        self._target_name = target_name
        self._target_type = target_type

    @property
    def message(self):
        return self.exception.message

    @property
    def target_name(self):
        if self._target_name is not None:
            return self._target_name
        return "" if self.target is None else _plain_str(self.target)

    @property
    def target_type(self):
        if self._target_type is not None:
            return self._target_type
        return "" if self.target is None else _type_short(self.target)

    def __str__(self):
        return self.message


def _plain_str(v):
    from .convert import to_str
    return to_str(v)


def _type_short(v):
    from .convert import type_name_of
    return type_name_of(v).rsplit(".", 1)[-1]


# ---------------------------------------------------------------- control flow


class PSError(Exception):
    """A terminating error travelling up the interpreter.

    kind 'statement': ends the current statement only, unless a try/catch is active up the stack
    or $ErrorActionPreference is Stop. kind 'script': ends the script unless caught.
    """

    def __init__(self, record, kind="statement"):
        super().__init__(record.message)
        self.record = record
        self.kind = kind


class FlowBreak(Exception):
    def __init__(self, label=None):
        super().__init__(label)
        self.label = label


class FlowContinue(Exception):
    def __init__(self, label=None):
        super().__init__(label)
        self.label = label


class FlowReturn(Exception):
    pass


class FlowExit(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


class NotModeled(Exception):
    """A construct the simulator does not implement (reported as an error, never silently ignored)."""


# ---------------------------------------------------------------- constructors


def runtime_error(message, fqid, category="InvalidOperation", target=None,
                  exc_type="System.Management.Automation.RuntimeException", kind="statement"):
    rec = ErrorRecord(PSExceptionObj(exc_type, message), fqid, category, target=target)
    return PSError(rec, kind)


def method_invocation_error(method, argc, inner_type, inner_message):
    inner = PSExceptionObj(inner_type, inner_message)
    msg = 'Exception calling "%s" with "%d" argument(s): "%s"' % (method, argc, inner_message)
    exc = PSExceptionObj("System.Management.Automation.MethodInvocationException", msg, inner)
    return PSError(ErrorRecord(exc, inner_type.rsplit(".", 1)[-1], "NotSpecified"))
