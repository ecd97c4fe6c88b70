# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""replica_info with a site that cannot be read: the shared rule (plan/unreadable_site.py) fails the call by default
and, with unreadable_site: report, reports every VM with health unknown and rpo_compliant null."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import copy

import pytest

from ansible_collections.vmdr.replication.plugins.module_utils.errors import VmdrError
from ansible_collections.vmdr.replication.plugins.module_utils.plan import unreadable_site
from ansible_collections.vmdr.replication.plugins.modules.replica_info import report

ROW = {"name": "app-db-01", "state": "enabled", "health": "ok", "rpo_seconds": 900, "age_seconds": 30,
       "rpo_compliant": True, "source": {"name": "app-db-01"}, "replica": None, "recovery_points": [], "test_vms": []}
LOGIN = VmdrError("cannot log in to vcenter-b:443: Login failure", site="site-b", step="connect",
                  hint="Check the username and password for this site", fault="InvalidLogin")


class Provider(object):
    """A provider whose target site could not be read: its adapter hands its rows to the shared rule."""

    def __init__(self, unread):
        self.unread = unread
        self.warnings = []

    def info(self, refs):
        return unreadable_site.check([copy.deepcopy(ROW)], self.unread)

    def warn(self, text):
        self.warnings.append(text)


def test_every_site_read_returns_the_rows_unchanged():
    assert unreadable_site.check([ROW], []) == [ROW]


def test_an_unreadable_site_fails_by_default_naming_site_step_and_what_to_do():
    provider = Provider([unreadable_site.Unread("target", "site-b", LOGIN)])
    with pytest.raises(VmdrError) as caught:
        report(provider, [], recovery_site=False)
    error = caught.value
    assert error.site == "site-b" and error.step == "connect" and error.fault == "InvalidLogin"
    assert "health and RPO compliance of the VMs are unknown" in error.message and "Login failure" in error.message
    assert error.hint.startswith("Check the username and password") and "unreadable_site: report" in error.hint
    assert provider.warnings == []


def test_report_gives_health_unknown_and_rpo_compliant_null_with_a_warning_per_site():
    down = VmdrError("WinRM request failed: connection refused", site="hv-a1", step="read replication")
    provider = Provider([unreadable_site.Unread("target", "site-b", LOGIN), unreadable_site.Unread("source", "hv-a1",
                                                                                                   down)])
    rows = report(provider, [], recovery_site=False, unreadable="report")["replications"]
    assert [(r["health"], r["rpo_compliant"], r["unread_sites"]) for r in rows] == [
        ("unknown", None, ["site-b", "hv-a1"])]
    assert rows[0]["age_seconds"] == 30  # what was read stays
    assert len(provider.warnings) == 2 and "site-b" in provider.warnings[0] and "hv-a1" in provider.warnings[1]
    assert all("health unknown" in w for w in provider.warnings)


def test_two_unreadable_sites_are_both_named_in_the_failure():
    down = VmdrError("connection refused", site="site-a", step="connect")
    failure = unreadable_site.UnreadableSites([], [unreadable_site.Unread("target", "site-b", LOGIN),
                                                   unreadable_site.Unread("source", "site-a", down)])
    assert "Login failure" in failure.message and "the source site 'site-a' could not be read" in failure.message


def test_nothing_read_is_a_plain_failure_that_report_does_not_take():
    error = unreadable_site.nothing_read([unreadable_site.Unread("target", "site-b", LOGIN)])
    assert not isinstance(error, unreadable_site.UnreadableSites)
    assert error.site == "site-b" and "no site could be read" in error.message


def test_choices_and_default():
    assert unreadable_site.CHOICES == ("fail", "report") and unreadable_site.DEFAULT == "fail"
