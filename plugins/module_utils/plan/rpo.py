# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RPO compliance, the same on every provider: the newest recovery point is no older than the RPO.

Ages are measured on the clock of the site that holds the points (``now`` comes from the site, not from the
controller), so a controller whose clock is off cannot make a VM look compliant. A paused replication is never
compliant. Hyper-V's replication frequency is reported on its own (``replication_frequency_seconds``); it is not the
compliance rule.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.plan import timeparse


def status(rpo_seconds, newest_point_time, now, paused=False):
    """{rpo_seconds, age_seconds, rpo_compliant} for a replica whose newest point was taken at ``newest_point_time``.

    ``age_seconds`` is None when there is no point or no site time; such a VM is not compliant. A point that looks
    newer than ``now`` (clock skew between hosts) has age 0."""
    age = timeparse.seconds_between(newest_point_time, now)
    if age is not None:
        age = max(0, age)
    compliant = bool(age is not None and rpo_seconds and age <= rpo_seconds and not paused)
    return {"rpo_seconds": rpo_seconds, "age_seconds": age, "rpo_compliant": compliant}


def sync_due(age_seconds, rpo_seconds):
    """replica_sync's rule: a new point is due when the newest is older than half the RPO (or there is none), so
    a run every RPO/2 keeps a VM within its RPO."""
    return age_seconds is None or age_seconds * 2 > rpo_seconds
