# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""replica_info summary: the per-VM lists become counts, every other key stays as it was."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy

from ansible_collections.vmdr.replication.plugins.modules.replica_info import report, summarize

ROW = {"name": "app-db-01", "pair": "p1", "state": "enabled", "health": "ok", "last_sync": "2026-11-21T10:15:00Z",
       "rpo_seconds": 900, "age_seconds": 30, "rpo_compliant": True, "failover": None,
       "source": {"name": "app-db-01"}, "replica": {"name": "app-db-01"}, "policy": {"rpo": 15},
       "recovery_points": [{"id": "a"}, {"id": "b"}, {"id": "c"}], "test_vms": [{"name": "app-db-01-test"}]}


class Provider(object):
    def __init__(self, rows):
        self.rows = rows

    def info(self, refs):
        return copy.deepcopy(self.rows)


def test_summary_replaces_the_lists_by_their_lengths():
    row = summarize([copy.deepcopy(ROW)])[0]
    assert row["recovery_point_count"] == 3 and row["test_vm_count"] == 1
    assert "recovery_points" not in row and "test_vms" not in row
    kept = dict((k, v) for k, v in ROW.items() if k not in ("recovery_points", "test_vms"))
    assert dict((k, row[k]) for k in kept) == kept


def test_summary_of_a_row_without_replica():
    row = summarize([dict(ROW, recovery_points=[], test_vms=[], replica=None)])[0]
    assert row["recovery_point_count"] == 0 and row["test_vm_count"] == 0


def test_default_result_is_complete():
    result = report(Provider([ROW]), [], recovery_site=False)
    assert result == {"changed": False, "replications": [ROW]}
    assert report(Provider([ROW]), [], False, summary=True)["replications"][0]["recovery_point_count"] == 3
