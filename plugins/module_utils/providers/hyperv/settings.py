# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hyper-V settings: replica_enable's initial and extended replication options, the replication record the modules
report, and the constants of the Hyper-V provider. Parsing only; nothing here talks to a host."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import re

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.plan import timeparse
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import sites

DEFAULT_OPTIONS = {"timeout": 1800, "poll_interval": 5, "operation_timeout": 20}
TEST_SUFFIX = " - Test"
PAUSED = ("Suspended", "ResynchronizeSuspended")
FAILED_OVER = ("FailedOverWaitingCompletion", "FailedOver")
INITIAL_METHODS = ("now", "defer", "scheduled", "export", "import", "seed")
DEFAULT_FREQUENCY = 300
_WINDOWS_PATH = re.compile(r"^([A-Za-z]:\\|\\\\[^\\]+\\[^\\]+)")


def vm_entry(index, ref):
    """A VM as the host scripts take it: its index in the call, name, VM Id and label."""
    return {"i": index, "name": ref.name, "id": ref.uuid, "label": ref.label}


def initial_settings(value):
    """replica_enable's Hyper-V settings: ``initial_replication`` as a method name, or a dict with ``method``,
    ``start`` (scheduled), ``media_path`` (export/import) and ``configure_replica_server`` (site roles)."""
    settings = dict(value) if isinstance(value, dict) else {"method": value}
    method = settings.get("method") or "now"
    step = "validate initial replication"
    if method not in INITIAL_METHODS:
        raise InputError("initial_replication=%s is not supported by the hyperv provider" % method, step=step,
                         hint="Use one of %s" % ", ".join(INITIAL_METHODS))
    start = (settings.get("start") or "").strip()
    if method == "scheduled":
        if not start:
            raise InputError("initial_replication=scheduled needs initial_replication_start as an ISO 8601 time",
                             step=step, hint="Set initial_replication_start, e.g. 2026-11-22T22:00:00Z (at most "
                                             "7 days ahead of the host's clock)")
        settings["start"] = timeparse.iso(timeparse.require(start, "initial_replication_start", step=step))
    elif start:
        raise InputError("initial_replication_start applies only to initial_replication=scheduled", step=step)
    path = settings.get("media_path") or ""
    if method in ("export", "import"):
        if not _WINDOWS_PATH.match(path):
            raise InputError("initial_replication=%s needs media_path, an absolute Windows path (E:\\IR or "
                             "\\\\server\\share), not '%s'" % (method, path), step=step,
                             hint="Set media_path; Hyper-V puts each VM's copy in a folder <VM name>_<VM Id> under it")
    elif path:
        raise InputError("media_path applies only to initial_replication=export or import", step=step)
    settings["method"] = method
    settings["configure_replica_server"] = list(settings.get("configure_replica_server") or [])
    settings["extended"] = extended_settings(settings.get("extended"))
    return settings


def extended_settings(value):
    """extended_replica {hostname, port, rpo}: the third server the replica host forwards to, or None."""
    if not value or not value.get("hostname"):
        return None
    hostname = value["hostname"]
    step = "validate extended replication"
    sites.check_host_name(hostname, "extended_replica.hostname")
    rpo = value.get("rpo") or 5
    if rpo not in (5, 15):
        raise InputError("extended_replica.rpo must be 5 or 15 (minutes): extended replication runs every 5 or 15 "
                         "minutes, not every 30 s", step=step, hint="Set extended_replica.rpo to 5 or 15")
    return {"server": hostname, "port": int(value.get("port") or 80), "frequency_sec": int(rpo * 60)}


def frequency(repl):
    """Replication frequency in seconds of a relationship as READ returns it; Hyper-V's RPO is this frequency."""
    return (repl or {}).get("frequency_sec") or DEFAULT_FREQUENCY


def policy_of(repl):
    freq = frequency(repl)
    return {"rpo": freq / 60.0 if freq < 60 else freq // 60, "recovery_points": repl.get("recovery_history"),
            "quiesce": bool(repl.get("vss_hours"))}


def record(repl):
    """The replication record replica_enable reports (before/after) for a relationship, or None."""
    if not repl:
        return None
    return {"role": {"Primary": "source", "Replica": "replica"}.get(repl.get("mode"), repl.get("mode")),
            "state": "paused" if repl.get("state") in PAUSED else "enabled",
            "replication_state": repl.get("state"), "replica_server": repl.get("replica_server"),
            "policy": policy_of(repl)}


def netmask(prefix):
    return str(ipaddress.IPv4Network(u"0.0.0.0/%d" % int(prefix)).netmask)
