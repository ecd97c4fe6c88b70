# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one time parser of the collection: user input, site records, host clocks and evidence all go through it.

Accepted: ISO 8601 extended form, date and time separated by ``T`` or a space, minutes or seconds precision,
up to 7 fractional digits (.NET's round-trip format), ``Z``, ``+HH:MM``/``+HHMM`` offsets or no zone (UTC), and
Windows PowerShell 5.1's ``/Date(<ms>)/`` JSON form. Compact forms such as ``20261121T101500Z`` are not times here:
they are the vSphere copy engine's recovery point ids.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import calendar
import datetime
import re

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError

UTC = datetime.timezone.utc
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|z|[+-]\d{2}:?\d{2})?$")
_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
LOOKS_LIKE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]|$)")


def parse(text):
    """An aware UTC datetime, or None when ``text`` is not a time in an accepted form (or not a real date)."""
    if isinstance(text, datetime.datetime):
        return text.replace(tzinfo=UTC) if text.tzinfo is None else text.astimezone(UTC)
    if not isinstance(text, str):
        return None
    text = text.strip()
    ms_date = _MS_DATE.match(text.replace("\\/", "/"))
    if ms_date:
        return datetime.datetime(1970, 1, 1, tzinfo=UTC) + datetime.timedelta(milliseconds=int(ms_date.group(1)))
    match = _ISO.match(text)
    if not match:
        return None
    year, month, day, hour, minute = (int(g) for g in match.groups()[:5])
    second = int(match.group(6) or 0)
    micro = int((match.group(7)[1:] + "000000")[:6]) if match.group(7) else 0
    try:
        moment = datetime.datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)
    except ValueError:
        return None
    zone = match.group(8)
    if zone and zone not in "Zz":
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:])
        if hours > 23 or minutes > 59:
            return None
        offset = datetime.timedelta(hours=hours, minutes=minutes)
        moment = moment - offset if zone[0] == "+" else moment + offset
    return moment


def parse_naive(text):
    """As ``parse``, as a naive UTC datetime (the form the vSphere records are compared in)."""
    moment = parse(text)
    return None if moment is None else moment.replace(tzinfo=None)


def require(text, option, vm=None, site=None, step="validate input"):
    """``parse`` for user input: an InputError naming the option when ``text`` is not an accepted time."""
    moment = parse(text)
    if moment is None:
        raise InputError("%s '%s' is not a valid time" % (option, text), vm=vm, site=site, step=step,
                         hint="Write an ISO 8601 time such as 2026-11-21T10:20:00Z or 2026-11-21T11:20+01:00 "
                              "(UTC when no offset is given)")
    return moment


def iso(moment):
    """'YYYY-MM-DDTHH:MM:SSZ' in UTC; naive datetimes are taken as UTC."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(text):
    """Seconds since the epoch (float), or None."""
    moment = parse(text)
    if moment is None:
        return None
    return calendar.timegm(moment.utctimetuple()) + moment.microsecond / 1e6


def seconds_between(earlier, later):
    """Whole seconds from ``earlier`` to ``later`` (each a time string or datetime), None when either is unknown."""
    first, second = parse(earlier), parse(later)
    if first is None or second is None:
        return None
    return int((second - first).total_seconds())
