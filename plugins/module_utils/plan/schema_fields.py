# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Field types of the recovery plan schema, and the walk that checks a loaded plan against them.

Types are strict: the roles read the plan as loaded, so ``priority: "2"`` is refused here rather than
converted (a converted copy would never reach the roles). A problem is located by ``Loc``: the path of
the mapping or list item that holds it (``vms[0]``), the key it is about, and the VM it belongs to.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import difflib
import math

from ansible_collections.vmdr.replication.plugins.module_utils.plan import secrets


class Loc(object):
    def __init__(self, path="", key=None, vm=None):
        self.path = path
        self.key = key
        self.vm = vm

    def full(self):
        if self.key is None:
            return self.path
        return "%s.%s" % (self.path, self.key) if self.path else str(self.key)

    def child(self, key):
        return Loc(self.full(), key, self.vm)

    def item(self, index, vm=None):
        return Loc("%s[%d]" % (self.full(), index), None, vm if vm is not None else self.vm)

    def inside(self):
        """The location of the value itself, for problems about its content."""
        return Loc(self.full(), None, self.vm)


class Report(object):
    """Collects problems as {check, vm, path, message}; ``message`` says what is wrong, ``path`` where."""

    def __init__(self):
        self.problems = []

    def add(self, loc, text, check="schema"):
        message = "%s %s" % (loc.key, text) if loc.key is not None else text
        self.problems.append({"check": check, "vm": loc.vm, "path": loc.path, "message": message})


def line(problem):
    """One problem as a line: where (path and VM), then what; problems of the site checks have no path."""
    path, vm, message = problem.get("path"), problem.get("vm"), problem.get("message")
    if path is None:
        return "%s: %s" % (vm, message) if vm else message
    where = path or "top level"
    if vm:
        where = "%s '%s'" % (where, vm)
    return "%s: %s" % (where, message)


def describe(value):
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "%s (true/false)" % str(value).lower()
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return "'%s' (a string)" % text
    if isinstance(value, int):
        return "%d (an integer)" % value
    if isinstance(value, float):
        return "%s (a number)" % value
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "a %s" % type(value).__name__


def suggestion(word, known):
    """The known word nearest to ``word`` (difflib), else the one known word it abbreviates (rto: rto_seconds)."""
    known = [str(k) for k in known]
    close = difflib.get_close_matches(str(word), known, n=1, cutoff=0.6)
    if close:
        return close[0]
    longer = [k for k in known if str(word) and k.startswith(str(word))]
    return longer[0] if len(longer) == 1 else None


def did_you_mean(word, known):
    close = suggestion(word, known)
    return ", did you mean '%s'?" % close if close else ""


class Field(object):
    what = "a value"

    def accepts(self, value):
        return True

    def check(self, value, loc, report):
        if not self.accepts(value):
            report.add(loc, "must be %s, got %s" % (self.what, describe(value)))
            return False
        return True


class Str(Field):
    what = "a string"

    def __init__(self, empty=False, what=None):
        self.empty = empty
        self.what = what or self.what

    def accepts(self, value):
        return isinstance(value, str)

    def check(self, value, loc, report):
        if not Field.check(self, value, loc, report):
            return False
        if not self.empty and not value.strip():
            report.add(loc, "is empty; give %s or leave the key out" % self.what)
            return False
        if secrets.holds_private_key(value):
            report.add(loc, secrets.private_key_text(), check="secret")
            return False
        return True


class Number(Field):
    """An int or float (never a boolean), finite, within ``minimum``/``maximum``; ``positive`` excludes 0."""

    def __init__(self, minimum=None, maximum=None, positive=False, integer=False):
        self.minimum, self.maximum, self.positive, self.integer = minimum, maximum, positive, integer
        kind = "an integer" if integer else "a number"
        if positive:
            self.what = "a positive %s" % kind[kind.index(" ") + 1:]
        elif minimum is not None and maximum is not None:
            self.what = "%s from %s to %s" % (kind, minimum, maximum)
        elif minimum is not None:
            self.what = "%s of %s or more" % (kind, minimum)
        else:
            self.what = kind

    def accepts(self, value):
        if isinstance(value, bool):
            return False
        if self.integer:
            return isinstance(value, int)
        return isinstance(value, (int, float)) and not math.isnan(value) and not math.isinf(value)

    def check(self, value, loc, report):
        if not Field.check(self, value, loc, report):
            return False
        if (self.positive and value <= 0) or (self.minimum is not None and value < self.minimum) or \
                (self.maximum is not None and value > self.maximum):
            report.add(loc, "must be %s, got %s" % (self.what, value))
            return False
        return True


def Int(minimum=None, maximum=None, positive=False):
    return Number(minimum, maximum, positive, integer=True)


class Bool(Field):
    what = "true or false"

    def accepts(self, value):
        return isinstance(value, bool)


class Choice(Field):
    def __init__(self, values):
        self.values = tuple(values)
        self.what = "one of %s" % ", ".join(self.values)

    def check(self, value, loc, report):
        if value in self.values and isinstance(value, str):
            return True
        hint = did_you_mean(value, self.values) if isinstance(value, str) else ""
        report.add(loc, "must be %s, got %s%s" % (self.what, describe(value), hint))
        return False


class ListOf(Field):
    """A list of ``item``; ``vm_key`` names the key of an item that names its VM (for the problem's ``vm``)."""

    what = "a list"

    def __init__(self, item, min_items=0, empty=None, vm_key=None):
        self.item, self.min_items, self.empty, self.vm_key = item, min_items, empty, vm_key

    def accepts(self, value):
        return isinstance(value, list)

    def check(self, value, loc, report):
        if not Field.check(self, value, loc, report):
            return False
        if len(value) < self.min_items:
            report.add(loc, self.empty or "must list at least %d item(s)" % self.min_items)
        ok = True
        for index, entry in enumerate(value):
            vm = entry.get(self.vm_key) if self.vm_key and isinstance(entry, dict) else None
            ok = self.item.check(entry, loc.item(index, vm if isinstance(vm, str) else None), report) and ok
        return ok


class Keys(Field):
    """A mapping with known keys: ``fields`` maps each key to its Field; ``required`` keys must be there.

    A key that looks like a secret is refused as a secret (its value is never echoed), any other unknown key
    is refused with the nearest known key. ``site`` gives, from the location, the site whose entry this is."""

    what = "a mapping"

    def __init__(self, fields, required=(), site=None):
        self.fields, self.required, self.site = fields, tuple(required), site

    def accepts(self, value):
        return isinstance(value, dict)

    def check(self, value, loc, report):
        if not Field.check(self, value, loc, report):
            return False
        inside = loc.inside()
        ok = True
        for key in value:
            if secrets.is_secret_key(key):
                report.add(inside, secrets.secret_key_text(key, self.site and self.site(loc)), check="secret")
                ok = False
                continue
            if key in self.fields:
                ok = self.fields[key].check(value[key], inside.child(key), report) and ok
                continue
            known = sorted(self.fields)
            hint = did_you_mean(key, known) or " (known keys: %s)" % ", ".join(known)
            report.add(inside, "unknown key '%s'%s" % (key, hint))
            for path, text in secrets.secrets_within(value[key], inside.child(key).full()):
                report.add(Loc(path, None, loc.vm), text, check="secret")
            ok = False
        for key in self.required:
            if key not in value:
                report.add(inside, "missing key '%s'" % key)
                ok = False
        return ok


class MapOf(Field):
    """A mapping whose keys are names the plan chooses (sites, networks, VMs): each value is ``value``.

    ``key_problem(name)`` says what is wrong with a key, or None."""

    def __init__(self, value, key_problem=None, what="a mapping"):
        self.value, self.key_problem, self.what = value, key_problem, what

    def accepts(self, value):
        return isinstance(value, dict)

    def check(self, value, loc, report):
        if not Field.check(self, value, loc, report):
            return False
        inside = loc.inside()
        ok = True
        for name, entry in value.items():
            problem = self.key_problem(name) if self.key_problem else None
            if problem:
                report.add(inside, problem)
                ok = False
                continue
            ok = self.value.check(entry, inside.child(name), report) and ok
        return ok


class Either(Field):
    """The first of ``fields`` that accepts the value's type checks it (a network name or a network map)."""

    def __init__(self, what, *fields):
        self.what, self.fields = what, fields

    def check(self, value, loc, report):
        for field in self.fields:
            if field.accepts(value):
                return field.check(value, loc, report)
        report.add(loc, "must be %s, got %s" % (self.what, describe(value)))
        return False


class Tagged(Field):
    """A mapping whose ``tag`` key (``type``) chooses which Keys it must match."""

    what = "a mapping"

    def __init__(self, tag, variants):
        self.tag, self.variants = tag, variants

    def check(self, value, loc, report):
        if not isinstance(value, dict):
            kinds = " or ".join(self.variants)
            report.add(loc, "must be a mapping with %s %s, got %s" % (self.tag, kinds, describe(value)))
            return False
        kind = value.get(self.tag)
        if kind not in self.variants or not isinstance(kind, str):
            if self.tag not in value:
                report.add(loc.inside(), "missing key '%s' (%s)" % (self.tag, ", ".join(self.variants)))
            else:
                Choice(self.variants).check(kind, loc.inside().child(self.tag), report)
            return False
        return self.variants[kind].check(value, loc, report)
