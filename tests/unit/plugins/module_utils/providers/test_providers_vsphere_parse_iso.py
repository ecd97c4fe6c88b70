# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""parse_iso: the fast path for record times gives exactly what strptime gives, and refuses the same."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest

from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere.copy_engine import parse_iso

FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@pytest.mark.parametrize("text", ["2026-11-21T10:15:00Z", "2026-01-01T00:00:00Z", "2024-02-29T23:59:59Z",
                                  "2026-11-21T9:15:00Z", "2026-1-21T10:15:00Z"])
def test_same_time_as_strptime(text):
    assert parse_iso(text) == datetime.datetime.strptime(text, FORMAT)


@pytest.mark.parametrize("text", ["2026-02-30T10:15:00Z", "2026-11-21 10:15:00Z", "2026-11-21T10:15:00",
                                  "2026-11-21T10:15:00+00:00", "2026-11-21T25:15:00Z", "2026-W47-6T10:15:0Z",
                                  "xxxxxxxxxxxxxxxxxxxx", ""])
def test_refuses_what_strptime_refuses(text):
    with pytest.raises(ValueError):
        datetime.datetime.strptime(text, FORMAT)
    with pytest.raises(ValueError):
        parse_iso(text)
