# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reverse replication after a failover, and cancelling a failover that is not committed (Hyper-V only).

reverse   after an unplanned failover: on the old primary Set-VMReplication -AsReplica (row 17, after turning it
          off); on the recovered VM Complete-VMFailover if needed, Set-VMReplication -Reverse towards the old primary
          (row 16) and Start-VMInitialReplication. A planned failover reversed already: nothing to do.
cancel    Stop-VMFailover on the replica (row 13: turned off, replicates again) and on a primary left prepared by an
          interrupted planned failover (row 14), which is started again with power_on."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.common.results import Batch
from ansible_collections.vmdr.replication.plugins.module_utils.engine.refusal import Problems
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import inventory, scripts, servers
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv.settings import FAILED_OVER

STEP = "plan reverse replication"


def reverse(p, refs):
    batch = Batch([r.label for r in refs])
    problems = Problems()
    todo = inventory.entries(p, batch, refs)
    read = inventory.read_checked(p, "target", todo, problems, nics=False)
    repl = dict((label, data.get("replication") or {}) for label, data in read.items())
    for label in sorted(repl):
        if repl[label].get("mode") not in ("Replica", "Primary"):
            problems.add(InputError("the VM has no replication here (mode %s)" % repl[label].get("mode"), vm=label,
                                    site=p.host_of("target", label).name, step=STEP,
                                    hint="Name a VM that was failed over to this site"))
    problems.refuse()
    replicas = [label for label, r in repl.items() if r.get("mode") == "Replica"]
    to_old_primary = [label for label in replicas if repl[label].get("state") in FAILED_OVER]
    waiting = [label for label in replicas if repl[label].get("state") not in FAILED_OVER]
    home = running_home(p, batch, refs, waiting)
    for label in sorted(set(waiting) - home):
        problems.add(InputError("the replica is not failed over (state %s)" % repl[label].get("state"), vm=label,
                                site=p.host_of("target", label).name, step="check failover state",
                                hint="Run an unplanned or planned failover first"))
    problems.refuse()
    placed = inventory.place(p, batch, "source", inventory.entries(p, batch, refs, set(read) - home))
    facts = servers.ensure_servers(p, "source", servers.pairs(p, [e["label"] for e in placed], "source", "target"),
                                   "prepare reverse replication")
    for entry in placed:
        old_primary = p.host_of("source", entry["label"])
        auth, port = servers.auth(facts[old_primary.hostname.lower()], old_primary.name)
        entry.update(peer=p.host_of("target", entry["label"]).hostname, replica_server=old_primary.hostname,
                     replica_port=port, auth=auth)
    old, dummy = inventory.run_grouped(p, batch, refs, "source", "make old primary a replica",
                                       scripts.REVERSE_OLD_PRIMARY, {},
                                       [e for e in placed if e["label"] in to_old_primary])
    for label, data in old.items():
        batch[label].changed = bool(data.get("changed"))
    results, dummy = inventory.run_grouped(p, batch, refs, "target", "reverse replication", scripts.REVERSE_REPLICA,
                                           {}, [e for e in placed if not batch[e["label"]].failed])
    for label, data in results.items():
        item = batch[label]
        item.changed = item.changed or bool(data.get("changed"))
        item.before = data.get("before")
        item.after = data.get("after")
    return batch


def running_home(p, batch, refs, labels):
    """Of ``labels`` (replicas at the target that are not failed over), those running as primaries at the source
    site already: failed back by an earlier, interrupted run. They are done (changed=false)."""
    if not labels:
        return set()
    read, dummy = inventory.read(p, batch, refs, "source", labels=set(labels))
    home = set()
    for label, data in read.items():
        r, vm = data.get("replication") or {}, data.get("vm") or {}
        if r.get("mode") == "Primary" and vm.get("power_state") == "Running":
            home.add(label)
            batch[label].before = batch[label].after = {"mode": "Primary", "state": r.get("state")}
            batch[label].details["skipped"] = "the VM runs at site '%s' already" % p.host_of("source", label).name
    return home


def cancel(p, refs, settings):
    """Stop-VMFailover: the replica (failed over, not committed) is turned off and replicates again; a primary
    left prepared by an interrupted planned failover replicates again and is started (power_on)."""
    batch = Batch([r.label for r in refs])
    problems = Problems()
    placed = inventory.locate_checked(p, "target", inventory.entries(p, batch, refs), problems)
    problems.refuse()
    results, dummy = inventory.run_grouped(p, batch, refs, "target", "cancel failover", scripts.CANCEL_REPLICA, {},
                                           placed)
    for label, data in results.items():
        item = batch[label]
        item.changed = bool(data.get("changed"))
        item.before = data.get("before")
        if p.check_mode:
            item.after = dict(data.get("before") or {}, state="Replicating", power_state="Off") if item.changed \
                else data.get("before")
        else:
            item.after = data.get("after")
    todo = inventory.entries(p, batch, refs)
    if not todo or p.host("source", required=False) is None:
        return batch
    data, dummy = inventory.optional_run(p, "source", "cancel prepared failover", scripts.CANCEL_PRIMARY,
                                         {"vms": todo, "check": p.check_mode,
                                          "power_on": bool(settings.get("power_on", True))})
    if data is not None:
        for label, got in inventory.collect(batch, refs, p.host("source"), "cancel prepared failover",
                                            inventory.items_of(data)).items():
            batch[label].changed = batch[label].changed or bool(got.get("changed"))
    return batch
