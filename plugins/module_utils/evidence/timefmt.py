# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""UTC timestamps of the evidence: epoch seconds inside, ISO 8601 with milliseconds outside."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.vmdr.replication.plugins.module_utils.plan import timeparse


def iso(epoch):
    if epoch is None:
        return None
    whole = int(epoch)
    millis = int(round((epoch - whole) * 1000))
    if millis == 1000:
        whole, millis = whole + 1, 0
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + ".%03dZ" % millis


def parse(text):
    """ISO 8601 (Z, offset or naive UTC) -> epoch seconds; None when it is not a time (plan/timeparse.py)."""
    if not isinstance(text, str):
        return None
    return timeparse.epoch(text)


def seconds(value):
    return None if value is None else round(value, 3)
