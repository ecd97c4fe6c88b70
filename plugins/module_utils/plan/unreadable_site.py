# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What replica_info reports when a site it was given cannot be read, the same on every provider.

A VM read at one site only has no known health: its replica (or its source) may be gone, paused or failed over, and
the other site may hold an older newest recovery point than the readable one shows. So the adapters build the rows
from what they read and hand them here with the sites they could not read (``check``): that fails the call, naming
the site, the step and what to do. Only the module's explicit ``unreadable_site: report`` takes the rows instead
(``report_unknown``): every VM with ``health: unknown`` and ``rpo_compliant: null`` (never true), the sites that
were not read in ``unread_sites``, and a warning per site. A call that could read no site at all fails either way.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.errors import VmdrError

CHOICES = ("fail", "report")
DEFAULT = "fail"
UNKNOWN = "unknown"
STEP = "read replication status"


class Unread(object):
    """A site of the call that could not be read: its role, its name in messages and the error of the read."""

    def __init__(self, role, name, error):
        self.role = role
        self.name = name or role
        self.error = error

    def text(self):
        return "the %s site '%s' could not be read (step '%s': %s)" % (
            self.role, self.name, self.error.step or STEP, self.error.message)


class UnreadableSites(VmdrError):
    """The call's failure when a site could not be read; ``rows`` holds what was read, for ``report_unknown``."""

    def __init__(self, rows, unread):
        first = unread[0]
        others = "".join("; %s" % site.text() for site in unread[1:])
        hint = (first.error.hint or "Check the site's address, port and credentials").rstrip(".")
        super(UnreadableSites, self).__init__(
            "the %s site could not be read, so the health and RPO compliance of the VMs are unknown: %s%s"
            % (first.role, first.error.message, others), site=first.name, step=first.error.step or STEP,
            hint="%s; or set unreadable_site: report to get every VM with health unknown" % hint,
            fault=first.error.fault)
        self.rows = rows
        self.unread = unread


def nothing_read(unread):
    """The error of a call that could read none of its sites (nothing to report, whatever the option says)."""
    first = unread[0]
    return VmdrError("no site could be read, so nothing is known about the VMs: %s"
                     % "; ".join(site.text() for site in unread), site=first.name, step=first.error.step or STEP,
                     hint=first.error.hint, fault=first.error.fault)


def check(rows, unread):
    """``rows`` when every site given was read; else raises UnreadableSites (the call fails by default)."""
    if unread:
        raise UnreadableSites(rows, list(unread))
    return rows


def report_unknown(failure, warn):
    """The rows of an UnreadableSites ``failure`` as ``unreadable_site: report`` returns them: health unknown,
    RPO compliance unknown (null), the sites not read named per VM, and one warning per site."""
    names = [site.name for site in failure.unread]
    for site in failure.unread:
        warn("%s; every VM is reported with health unknown and rpo_compliant null" % site.text())
    for row in failure.rows:
        row["health"] = UNKNOWN
        row["rpo_compliant"] = None
        row["unread_sites"] = list(names)
    return failure.rows
