# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The recovery point grammar every provider accepts, and the one rule that picks a point from a replica's list.

``recovery_point`` is ``latest`` (the default), a time (any form plan.timeparse accepts: the newest point taken at
or before it), or a point id as replica_info lists it. A value that starts like a date but is not a valid time is
refused rather than taken as an id.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError, NotFoundError
from ansible_collections.vmdr.replication.plugins.module_utils.plan import timeparse

STEP = "choose recovery point"


class PointSpec(object):
    """A parsed ``recovery_point``: ``kind`` is 'latest', 'time' or 'id'; ``value`` the UTC time or the id."""

    def __init__(self, kind, value=None):
        self.kind = kind
        self.value = value

    @classmethod
    def parse(cls, text, vm=None):
        text = (text if text is not None else "latest")
        if not isinstance(text, str):
            raise InputError("recovery_point must be a string, not %r" % (text,), vm=vm, step=STEP,
                             hint="Use 'latest', a point id from replica_info, or an ISO 8601 time")
        text = text.strip()
        if text.lower() in ("", "latest"):
            return cls("latest")
        if timeparse.LOOKS_LIKE_TIME.match(text):
            return cls("time", timeparse.require(text, "recovery_point", vm=vm, step=STEP))
        return cls("id", text)

    def as_dict(self):
        return {"kind": self.kind, "value": timeparse.iso(self.value) if self.kind == "time" else self.value}

    def __repr__(self):
        return "PointSpec(%s)" % self.as_dict()


def choose(points, spec, vm=None, site=None):
    """The point of ``points`` (dicts with 'id' and 'time', any order) that ``spec`` names.

    NotFoundError (naming the points there are) when there is none; a runtime problem, since the list is read."""
    ordered = sorted((p for p in points or [] if timeparse.parse(p.get("time")) is not None),
                     key=lambda p: timeparse.parse(p["time"]))
    if not ordered:
        raise NotFoundError("the replica has no recovery point yet", vm=vm, site=site, step=STEP,
                            hint="Run replica_sync first (or wait for the initial replication to finish)")
    if spec.kind == "latest":
        return ordered[-1]
    if spec.kind == "id":
        for point in ordered:
            if point.get("id") == spec.value:
                return point
    else:
        older = [p for p in ordered if timeparse.parse(p["time"]) <= spec.value]
        if older:
            return older[-1]
    raise NotFoundError("no recovery point matches '%s'" % spec.as_dict()["value"], vm=vm, site=site, step=STEP,
                        hint="Available: %s" % ", ".join("%s (%s)" % (p.get("id"), timeparse.iso(
                            timeparse.parse(p["time"]))) for p in ordered))
