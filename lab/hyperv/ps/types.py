"""Type literals: [int], [Text.Encoding], [Microsoft.HyperV.PowerShell.VMState], exception types ..."""
from __future__ import annotations

import re

from .convert import SCALAR_TYPES
from .errors import EXCEPTION_BASES, ErrorCategory, runtime_error
from .values import EnumType, PSTypeRef

ActionPreference = EnumType("System.Management.Automation.ActionPreference", [
    ("SilentlyContinue", 0), ("Stop", 1), ("Continue", 2), ("Inquire", 3), ("Ignore", 4), ("Suspend", 5)])
ConfirmImpact = EnumType("System.Management.Automation.ConfirmImpact", [
    ("None", 0), ("Low", 1), ("Medium", 2), ("High", 3)])
DateTimeKind = EnumType("System.DateTimeKind", [("Unspecified", 0), ("Utc", 1), ("Local", 2)])
DayOfWeek = EnumType("System.DayOfWeek", [("Sunday", 0), ("Monday", 1), ("Tuesday", 2), ("Wednesday", 3),
                                          ("Thursday", 4), ("Friday", 5), ("Saturday", 6)])
UriHostNameType = EnumType("System.UriHostNameType", [("Unknown", 0), ("Basic", 1), ("Dns", 2), ("IPv4", 3),
                                                      ("IPv6", 4)])

_ENUMS = {}
STATIC_CLASSES = {
    "system.text.encoding": "System.Text.Encoding", "system.convert": "System.Convert",
    "system.math": "System.Math", "system.environment": "System.Environment",
    "system.text.regularexpressions.regex": "System.Text.RegularExpressions.Regex",
    "regex": "System.Text.RegularExpressions.Regex", "system.uri": "System.Uri",
    "system.io.path": "System.IO.Path", "system.enum": "System.Enum",
    "system.net.dns": "System.Net.Dns", "system.threading.thread": "System.Threading.Thread",
    "system.console": "System.Console",
    "system.management.automation.language.parser": "System.Management.Automation.Language.Parser",
}


def register_enum(etype):
    _ENUMS[etype.full_name.lower()] = etype
    _ENUMS.setdefault(etype.name.lower(), etype)


for _e in (ActionPreference, ConfirmImpact, DateTimeKind, DayOfWeek, UriHostNameType, ErrorCategory):
    register_enum(_e)


def _candidates(name):
    low = name.strip().lower().replace(" ", "")
    yield low
    if not low.startswith("system."):
        yield "system." + low
    else:
        yield low[len("system."):]


def resolve_type(name):
    """Resolve a type literal's text; raises PSError TypeNotFound like PowerShell."""
    raw = name.strip()
    if raw.endswith("[]"):
        elem = resolve_type(raw[:-2])
        return PSTypeRef(elem.full_name + "[]", "array", elem)
    m = re.match(r"(?i)^(system\.)?collections\.generic\.(list|dictionary)\[.*\]$", raw)
    if m:
        return PSTypeRef("System.Collections.Generic.%s" % m.group(2).capitalize(), "static", "generic-" + m.group(2).lower())
    for cand in _candidates(raw):
        if cand in SCALAR_TYPES:
            return PSTypeRef(SCALAR_TYPES[cand], "scalar", SCALAR_TYPES[cand])
        if cand in _ENUMS:
            e = _ENUMS[cand]
            return PSTypeRef(e.full_name, "enum", e)
        if cand in STATIC_CLASSES:
            return PSTypeRef(STATIC_CLASSES[cand], "static", STATIC_CLASSES[cand])
    for full in EXCEPTION_BASES:
        low = full.lower()
        for cand in _candidates(raw):
            if cand == low or cand == low.rsplit(".", 1)[-1]:
                return PSTypeRef(full, "exception", full)
    if raw.lower() in ("text.encoding",):
        return PSTypeRef("System.Text.Encoding", "static", "System.Text.Encoding")
    raise runtime_error("Unable to find type [%s]." % raw, "TypeNotFound", "InvalidOperation", target=raw)
