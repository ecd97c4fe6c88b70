# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ranges of the numeric options, checked for every module before a site is contacted."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import math

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError

DAY = 86400
# option path -> (minimum, maximum). Waits need a deadline of at least one second; a day is the longest any step
# of this collection may take. Concurrency is bounded so one call cannot flood a vCenter or a Hyper-V host.
RANGES = {
    "timeout": (1, DAY),
    "max_concurrent_tasks": (1, 256),
    "ready_timeout": (1, DAY),
    "shutdown_timeout": (1, DAY),
    "policy.rpo": (0.5, 1440),
    "policy.recovery_points": (1, 24),
    "extended_replica.port": (1, 65535),
    "extended_replica.rpo": (5, 15),
    "source.port": (1, 65535),
    "target.port": (1, 65535),
}


def _lookup(params, path):
    value = params
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def problems(params, ranges=None):
    """InputErrors for every option of ``params`` outside its range, or not a finite number."""
    out = []
    for path, (low, high) in sorted((ranges or RANGES).items()):
        value = _lookup(params, path)
        if value is None or isinstance(value, bool):
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue  # the argument spec reports the type
        if math.isnan(number) or math.isinf(number) or not low <= number <= high:
            out.append(InputError("%s=%s is out of range (%s to %s)" % (path, value, low, high),
                                  step="validate options", hint="Set %s to a number from %s to %s" % (path, low, high)))
    return out
