"""Out-Default text rendering (tables/lists) and the 5.1 NormalView error layout."""
from __future__ import annotations

from . import convert as C
from .errors import ErrorRecord
from .values import PSHashtable, PSObject

# type name -> [(column label, property name or callable(obj))]; Hyper-V types register theirs
TABLE_VIEWS = {}


def register_table(type_name, columns):
    TABLE_VIEWS[type_name] = columns


def _cell(obj, col):
    label, getter = col
    if callable(getter):
        v = getter(obj)
    else:
        v = obj.props.get(getter) if isinstance(obj, PSObject) else None
    if isinstance(v, list):
        return "{" + ", ".join(C.to_str(x) for x in v) + "}"
    return C.to_str(v, culture="current")


def _table(objs, columns):
    rows = [[_cell(o, c) for c in columns] for o in objs]
    labels = [c[0] for c in columns]
    widths = [max([len(labels[i])] + [len(r[i]) for r in rows]) for i in range(len(labels))]
    right = [all(_looks_numeric(r[i]) for r in rows if r[i]) and rows for i in range(len(labels))]

    def line(cells):
        parts = []
        for i, cell in enumerate(cells):
            last = i == len(cells) - 1
            if right[i]:
                parts.append(cell.rjust(widths[i]))
            else:
                parts.append(cell if last else cell.ljust(widths[i]))
        return " ".join(parts).rstrip()
    out = ["", line(labels), line(["-" * len(lb) if not right[i] else ("-" * len(lb)).rjust(widths[i])
                                   for i, lb in enumerate(labels)])]
    out.extend(line(r) for r in rows)
    out.extend(["", ""])
    return out


def _looks_numeric(s):
    try:
        float(s)
        return True
    except ValueError:
        return False


def _list_view(objs):
    out = [""]
    for o in objs:
        items = o.props.items()
        w = max((len(k) for k, _ in items), default=0)
        for k, v in items:
            out.append("%s : %s" % (k.ljust(w), _cell(o, (k, lambda ob, k=k: ob.props.get(k)))))
        out.append("")
    out.append("")
    return out


def format_objects(objs):
    """Render pipeline output the way Out-Default does for a console (approximation)."""
    lines = []
    i = 0
    while i < len(objs):
        o = objs[i]
        if isinstance(o, PSObject) and not o.is_custom and o.type_name in TABLE_VIEWS:
            j = i
            while j < len(objs) and isinstance(objs[j], PSObject) and objs[j].type_name == o.type_name:
                j += 1
            lines.extend(_table(objs[i:j], TABLE_VIEWS[o.type_name]))
            i = j
            continue
        if isinstance(o, PSObject):
            j = i
            keys = [k.lower() for k in o.props.keys()]
            while j < len(objs) and isinstance(objs[j], PSObject) and \
                    [k.lower() for k in objs[j].props.keys()] == keys:
                j += 1
            group = objs[i:j]
            if len(keys) <= 4 and keys:
                lines.extend(_table(group, [(k, k) for k in o.props.keys()]))
            else:
                lines.extend(_list_view(group))
            i = j
            continue
        if isinstance(o, PSHashtable):
            rows = [PSObject(props=[("Name", k), ("Value", v)]) for k, v in o.items()]
            lines.extend(_table(rows, [("Name", "Name"), ("Value", "Value")]))
            i += 1
            continue
        if isinstance(o, ErrorRecord):
            lines.extend(render_error(o))
            i += 1
            continue
        lines.append(C.to_str(o, culture="current"))
        i += 1
    return lines


def render_error(rec):
    """NormalView lines of an ErrorRecord (what powershell.exe writes to the error stream)."""
    inv = rec.invocation
    lines = []
    if rec.category.name == "ParserError":
        if inv is not None and inv.line:
            lines.extend(inv.position_message().split("\r\n"))
        lines.append(rec.message)
        lines.append("    + CategoryInfo          : ParserError: (:) [], %s" % rec.exception.short_name)
        lines.append("    + FullyQualifiedErrorId : %s" % rec.fqid)
        lines.append(" ")
        return lines
    name = inv.command_name if inv is not None else ""
    head = ("%s : %s" % (name, rec.message)) if name else rec.message
    lines.extend(head.split("\r\n") if "\r\n" in head else head.split("\n"))
    if inv is not None and inv.line:
        lines.extend(inv.position_message().split("\r\n"))
    activity = rec.activity if rec.activity is not None else (name or "")
    lines.append("    + CategoryInfo          : %s: (%s:%s) [%s], %s" % (
        rec.category.name, rec.target_name, rec.target_type, activity, rec.exception.short_name))
    lines.append("    + FullyQualifiedErrorId : %s" % rec.fqid)
    lines.append(" ")
    return lines
