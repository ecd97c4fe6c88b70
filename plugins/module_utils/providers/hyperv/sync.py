# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""replica_sync on Hyper-V. Hyper-V Replica sends changes on its own schedule, so a sync resumes what stopped
(Resume-VMReplication, -Resynchronize, a pending initial copy) and reports the newest recovery point against the RPO
with the rule of every provider (plan/rpo.py), measured on the primary host's clock."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.vmdr.replication.plugins.module_utils.errors import VmdrError
from ansible_collections.vmdr.replication.plugins.module_utils.common.results import Batch
from ansible_collections.vmdr.replication.plugins.module_utils.plan import rpo, timeparse
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import inventory, scripts, settings


def sync(p, refs, when, wait_within_rpo):
    batch = Batch([r.label for r in refs])
    if when == "always":
        p.warn("Hyper-V Replica sends changes on its own schedule (every 30 s, 5 min or 15 min); force only "
               "restarts stopped relationships")
    results, now = inventory.run_each(p, batch, refs, "source", "sync", scripts.SYNC, {"resume": True})
    for label, data in results.items():
        batch[label].changed = bool(data.get("changed"))
        batch[label].before = sync_state(data.get("before"), now)
        batch[label].after = sync_state(data.get("after"), now)
    if p.check_mode:
        return batch
    pending = [label for label in results if not (batch[label].after or {}).get("rpo_compliant")]
    limit = max([2 * settings.frequency((results[label].get("after") or {})) for label in pending] or [0])
    deadline = min(time.time() + p.options["timeout"], time.time() + limit)
    while pending and wait_within_rpo and time.time() < deadline:
        time.sleep(p.options["poll_interval"])
        read, now = inventory.run_each(p, batch, refs, "source", "wait within RPO", scripts.SYNC, {"resume": False},
                                       labels=set(pending))
        for label, data in read.items():
            batch[label].after = sync_state(data.get("after"), now)
        pending = [label for label in pending if not (batch[label].after or {}).get("rpo_compliant")
                   and not batch[label].failed]
    for label in pending:
        after = batch[label].after or {}
        if wait_within_rpo:
            batch.fail(label, VmdrError("still outside its RPO (replication state %s, newest replication %s)"
                                        % (after.get("replication_state"), after.get("latest_recovery_point")),
                                        vm=label, site=p.host_of("source", label).name, step="wait within RPO",
                                        hint="Check the replication health with replica_info and the network "
                                             "between the hosts"))
    return batch


def sync_state(repl, now):
    """The state replica_sync reports: newest recovery point (the last replication), its age on the host's clock
    ``now``, RPO compliance (plan/rpo.status), and the replication frequency on its own."""
    if not repl:
        return None
    last = repl.get("last_replication")
    freq = settings.frequency(repl)
    status = rpo.status(freq, last, now, paused=repl.get("state") in settings.PAUSED)
    stamp = timeparse.parse(last)
    return {"latest_recovery_point": {"id": "latest", "time": timeparse.iso(stamp)} if stamp else None,
            "age_seconds": status["age_seconds"], "rpo_seconds": freq, "rpo_compliant": status["rpo_compliant"],
            "replication_frequency_seconds": freq, "replication_state": repl.get("state")}
