"""Runtime values of the PowerShell subset.

Python scalars stand for themselves (None, bool, int, float, str, bytes); a plain list is a
fixed-size object[]; everything with .NET identity (enums, DateTime, Guid, objects) has a class here.
"""
from __future__ import annotations

import datetime as _dt
import uuid

EPOCH = _dt.datetime(1970, 1, 1)
TICKS_PER_SECOND = 10_000_000
_DOTNET_EPOCH_TICKS = 621355968000000000  # DateTime(1970-01-01).Ticks


class CIDict:
    """Case-insensitive, insertion-ordered mapping (PowerShell hashtables and property bags)."""

    __slots__ = ("_d",)

    def __init__(self, items=None):
        self._d = {}
        if items:
            for k, v in (items.items() if hasattr(items, "items") else items):
                self[k] = v

    @staticmethod
    def _norm(key):
        return key.lower() if isinstance(key, str) else key

    def __getitem__(self, key):
        return self._d[self._norm(key)][1]

    def __setitem__(self, key, value):
        n = self._norm(key)
        if n in self._d:
            self._d[n][1] = value
        else:
            self._d[n] = [key, value]

    def __delitem__(self, key):
        del self._d[self._norm(key)]

    def __contains__(self, key):
        try:
            return self._norm(key) in self._d
        except TypeError:
            return False

    def get(self, key, default=None):
        e = self._d.get(self._norm(key))
        return default if e is None else e[1]

    def original_key(self, key):
        return self._d[self._norm(key)][0]

    def pop(self, key, *default):
        n = self._norm(key)
        if n in self._d:
            return self._d.pop(n)[1]
        if default:
            return default[0]
        raise KeyError(key)

    def keys(self):
        return [e[0] for e in self._d.values()]

    def values(self):
        return [e[1] for e in self._d.values()]

    def items(self):
        return [(e[0], e[1]) for e in self._d.values()]

    def clear(self):
        self._d.clear()

    def __len__(self):
        return len(self._d)

    def __iter__(self):
        return iter(self.keys())

    def __repr__(self):
        return "CIDict(%r)" % (self.items(),)


class PSHashtable(CIDict):
    """@{} (System.Collections.Hashtable) or [ordered]@{} (OrderedDictionary)."""

    __slots__ = ("ordered",)

    def __init__(self, items=None, ordered=False):
        super().__init__(items)
        self.ordered = ordered

    @property
    def type_name(self):
        return ("System.Collections.Specialized.OrderedDictionary" if self.ordered
                else "System.Collections.Hashtable")

    def copy(self):
        return PSHashtable(self.items(), self.ordered)


class PSArrayList(list):
    """System.Collections.ArrayList / List[object]: a growable list (plain lists are fixed size)."""

    type_name = "System.Collections.ArrayList"


class PSGenericList(PSArrayList):
    """System.Collections.Generic.List[T]: like ArrayList, but Add() returns nothing."""

    type_name = "System.Collections.Generic.List`1[[System.Object]]"


class EnumType:
    def __init__(self, full_name, members, flags=False):
        self.full_name = full_name
        self.name = full_name.rsplit(".", 1)[-1]
        self.members = dict(members)  # name -> int, declaration order
        self._by_lower = {k.lower(): k for k in self.members}
        self._by_value = {}
        for k, v in self.members.items():
            self._by_value.setdefault(v, k)
        self.flags = flags

    def __call__(self, value):
        """Convert a name or number to an EnumValue; raises ValueError like [Enum]::Parse would."""
        if isinstance(value, EnumValue):
            if value.etype is self:
                return value
            value = value.value
        if isinstance(value, bool):
            raise ValueError("bool")
        if isinstance(value, int):
            return EnumValue(self, value)
        if isinstance(value, float) and value.is_integer():
            return EnumValue(self, int(value))
        if isinstance(value, str):
            s = value.strip()
            if s.lstrip("-").isdigit():
                return EnumValue(self, int(s))
            key = self._by_lower.get(s.lower())
            if key is not None:
                return EnumValue(self, self.members[key])
        raise ValueError(
            'Unable to match the identifier name %s to a valid enumerator name. Specify one of the '
            'following enumerator names and try again:\n%s' % (value, ", ".join(self.members)))

    def name_of(self, value):
        return self._by_value.get(value)

    def __repr__(self):
        return "<enum %s>" % self.full_name


class EnumValue:
    __slots__ = ("etype", "value")

    def __init__(self, etype, value):
        self.etype = etype
        self.value = int(value)

    @property
    def name(self):
        n = self.etype.name_of(self.value)
        return n if n is not None else str(self.value)

    def __str__(self):
        return self.name

    def __repr__(self):
        return "%s.%s(%d)" % (self.etype.name, self.name, self.value)

    def __eq__(self, other):
        if isinstance(other, EnumValue):
            return self.value == other.value
        if isinstance(other, int) and not isinstance(other, bool):
            return self.value == other
        if isinstance(other, str):
            try:
                return self.etype(other).value == self.value
            except ValueError:
                return False
        return NotImplemented

    def __hash__(self):
        return hash(self.value)


class PSDateTime:
    """System.DateTime with a Kind. Simulated hosts run in UTC, so Local and Utc share the clock."""

    __slots__ = ("dt", "kind", "display_hint")

    def __init__(self, dt, kind="Local", display_hint=None):
        if dt.tzinfo is not None:
            dt = dt.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        self.dt = dt
        self.kind = kind  # Utc | Local | Unspecified
        self.display_hint = display_hint  # set by Get-Date only (5.1 JSON quirk)

    @classmethod
    def from_epoch(cls, seconds, kind="Local"):
        return cls(EPOCH + _dt.timedelta(seconds=seconds), kind)

    @property
    def epoch(self):
        return (self.dt - EPOCH).total_seconds()

    @property
    def epoch_ms(self):
        delta = self.dt - EPOCH
        return (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000

    @property
    def ticks(self):
        delta = self.dt - EPOCH
        return _DOTNET_EPOCH_TICKS + (delta.days * 86400 + delta.seconds) * TICKS_PER_SECOND + delta.microseconds * 10

    def with_kind(self, kind):
        return PSDateTime(self.dt, kind)

    def __eq__(self, other):
        return isinstance(other, PSDateTime) and self.dt == other.dt

    def __lt__(self, other):
        return self.dt < other.dt

    def __hash__(self):
        return hash(self.dt)

    def __repr__(self):
        return "PSDateTime(%s, %s)" % (self.dt.isoformat(), self.kind)


class PSTimeSpan:
    __slots__ = ("ticks",)

    def __init__(self, ticks=0):
        self.ticks = int(ticks)

    @classmethod
    def from_seconds(cls, seconds):
        return cls(round(seconds * TICKS_PER_SECOND))

    @property
    def total_seconds(self):
        return self.ticks / TICKS_PER_SECOND

    def parts(self):
        t = abs(self.ticks)
        days, rem = divmod(t, 86400 * TICKS_PER_SECOND)
        hours, rem = divmod(rem, 3600 * TICKS_PER_SECOND)
        minutes, rem = divmod(rem, 60 * TICKS_PER_SECOND)
        seconds, frac = divmod(rem, TICKS_PER_SECOND)
        sign = -1 if self.ticks < 0 else 1
        return sign * days, sign * hours, sign * minutes, sign * seconds, sign * frac

    def __str__(self):
        d, h, m, s, f = (abs(x) for x in self.parts())
        out = "-" if self.ticks < 0 else ""
        if d:
            out += "%d." % d
        out += "%02d:%02d:%02d" % (h, m, s)
        if f:
            out += ".%07d" % f
        return out

    def __eq__(self, other):
        return isinstance(other, PSTimeSpan) and self.ticks == other.ticks

    def __lt__(self, other):
        return self.ticks < other.ticks

    def __hash__(self):
        return hash(self.ticks)


class PSGuid:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = str(uuid.UUID(str(value).strip("{}() ")))

    @classmethod
    def new(cls):
        return cls(uuid.uuid4())

    def __str__(self):
        return self.value

    def __repr__(self):
        return "PSGuid(%s)" % self.value

    def __eq__(self, other):
        if isinstance(other, PSGuid):
            return self.value == other.value
        if isinstance(other, str):
            try:
                return PSGuid(other).value == self.value
            except ValueError:
                return False
        return NotImplemented

    def __hash__(self):
        return hash(self.value)


class PSVersion:
    def __init__(self, major, minor, build=-1, revision=-1):
        self.major, self.minor, self.build, self.revision = major, minor, build, revision

    def __str__(self):
        parts = [self.major, self.minor] + [p for p in (self.build, self.revision) if p >= 0]
        return ".".join(str(p) for p in parts)


class PSTypeRef:
    """The value of a type literal such as [int] or [Microsoft.HyperV.PowerShell.VMState]."""

    def __init__(self, full_name, kind, payload=None):
        self.full_name = full_name
        self.kind = kind  # 'scalar' | 'enum' | 'static' | 'exception' | 'array' | 'other'
        self.payload = payload

    @property
    def name(self):
        return self.full_name.rsplit(".", 1)[-1]

    def __str__(self):
        return self.full_name

    def __repr__(self):
        return "[%s]" % self.full_name


class PSObject:
    """A PSCustomObject or a projected .NET object (Hyper-V types): ordered case-insensitive properties.

    `hidden` carries model references (host, VM id) that cmdlets use to resolve `-VM $vm` arguments.
    """

    def __init__(self, props=None, type_names=None, to_string=None, hidden=None, methods=None):
        self.props = props if isinstance(props, CIDict) else CIDict(props or {})
        self.type_names = list(type_names or ["System.Management.Automation.PSCustomObject", "System.Object"])
        self.to_string = to_string
        self.hidden = hidden or {}
        self.methods = methods or {}

    @property
    def type_name(self):
        return self.type_names[0]

    @property
    def is_custom(self):
        return self.type_names[0] == "System.Management.Automation.PSCustomObject"

    def __repr__(self):
        return "PSObject(%s, %r)" % (self.type_names[0], self.props.items())


class ScriptBlock:
    """A parsed script block: `node` is the tree-sitter node of its body, `unit` the parsed source."""

    def __init__(self, unit, node, text):
        self.unit = unit
        self.node = node
        self.text = text

    def __str__(self):
        return self.text


class AutomationNull:
    """The 'nothing' produced by a command with no output ($x = $(); @() differs from $null)."""


def new_custom_object(pairs):
    return PSObject(CIDict(pairs))
