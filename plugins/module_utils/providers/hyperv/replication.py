# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""replica_enable on Hyper-V: enable, update, pause, resume and remove replication (Enable-/Set-/Suspend-/Resume-/
Remove-VMReplication), the initial copy (network, scheduled, export/import, from a restored backup), the replica's
networks, and extended replication from the replica host to a third server."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.common.results import Batch
from ansible_collections.vmdr.replication.plugins.module_utils.engine.refusal import Problems
from ansible_collections.vmdr.replication.plugins.module_utils.plan.network_map import NetworkMap
from ansible_collections.vmdr.replication.plugins.module_utils.plan.policy import ReplicationPolicy
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import (
    inventory, networks, scripts, servers, settings)


def enable(p, refs, state, policy, placement, initial_replication, network_map, delete_replica):
    batch = Batch([r.label for r in refs])
    if placement and any(placement.values()):
        p.warn("placement is ignored by the hyperv provider: replicas go to the replica server's storage "
               "location for the source host")
    initial = settings.initial_settings(initial_replication)
    if state == "absent":
        if initial["extended"] and p.host("target", required=False) is not None:
            extend(p, batch, refs, state, initial["extended"], None, set(r.label for r in refs))
        return remove(p, batch, refs, delete_replica)
    pol = ReplicationPolicy.from_params(policy, "hyperv")
    configure = initial["configure_replica_server"]
    nmap = NetworkMap.from_params(network_map)
    src_site, tgt_site = p.site("source"), p.site("target")
    todo = inventory.place(p, batch, "source", inventory.entries(p, batch, refs))
    # the replica host: where a replica (or a restored copy) already is, else the target host paired with the
    # source host (first with first, second with second, ... round robin)
    inventory.place(p, batch, "target", todo, missing="skip")
    for entry in todo:
        if entry["label"] not in tgt_site.where:
            index = src_site.hosts.index(src_site.where[entry["label"]])
            tgt_site.where[entry["label"]] = tgt_site.hosts[index % len(tgt_site.hosts)]
    # networks are checked before any host is configured: bad input changes nothing, and is refused at once
    setup = {}
    if network_map:
        problems = Problems()
        read, dummy = inventory.read(p, batch, refs, "source", nics=True)
        for label, data in read.items():
            switches, site_name = inventory.switches(p, "target", label), p.host_of("target", label).name
            live = problems.check(networks.switch_plan, label, data.get("nics"), nmap, "live", switches, site_name,
                                  True)
            test = problems.check(networks.switch_plan, label, data.get("nics"), nmap, "test", switches,
                                  site_name) if nmap.test else []
            if live is not None and test is not None:
                setup[label] = {"live": live, "test": test}
        problems.refuse()
    todo = [e for e in todo if not batch[e["label"]].failed]
    labels = [e["label"] for e in todo]
    facts = servers.ensure_servers(p, "target", servers.pairs(p, labels, "target", "source"), "check replica server",
                                   "target" in configure)
    reverse = servers.ensure_servers(p, "source", servers.pairs(p, labels, "source", "target"),
                                     "prepare reverse replication", True) if "source" in configure else {}
    for entry in todo:
        replica = p.host_of("target", entry["label"])
        primary = p.host_of("source", entry["label"])
        # a host configured for this VM's replication (or its reverse) changes the VM's protection
        batch[entry["label"]].changed = facts[replica.hostname.lower()]["changed"] or \
            (reverse.get(primary.hostname.lower()) or {}).get("changed", False)
        auth, port = servers.auth(facts[replica.hostname.lower()], replica.name)
        entry.update(replica_server=replica.hostname, replica_port=port, auth=auth, peer=primary.hostname)
    todo = [e for e in todo if not batch[e["label"]].failed]
    if initial["method"] == "seed":
        seeded, dummy = inventory.run_grouped(p, batch, refs, "target", "adopt restored copy", scripts.SEED_REPLICA, {},
                                              todo)
        for label, data in seeded.items():
            batch[label].changed = batch[label].changed or bool(data.get("changed"))
        todo = [e for e in todo if not batch[e["label"]].failed]
    payload = {"state": state, "initial": initial["method"], "start": initial.get("start"),
               "media_path": initial.get("media_path"),
               "policy": {"frequency_sec": int(pol.rpo * 60), "recovery_history": pol.recovery_points,
                          "vss_hours": 1 if pol.quiesce else 0}}
    results, dummy = inventory.run_grouped(p, batch, refs, "source", "enable replication", scripts.ENABLE, payload,
                                           todo)
    for label, data in results.items():
        item = batch[label]
        item.changed = item.changed or bool(data.get("changed"))
        item.before = settings.record(data.get("before"))
        item.after = settings.record(data.get("after")) if not p.check_mode else \
            dict(settings.record(data.get("before")) or {}, state="paused" if state == "paused" else "enabled",
                 policy=pol.as_dict())
    if initial["extended"]:
        extend(p, batch, refs, state, initial["extended"], pol, set(results))
    if initial["method"] == "import" and state != "absent":
        imported, dummy = inventory.run_each(p, batch, refs, "target", "import initial copy", scripts.IMPORT_REPLICA,
                                             {"media_path": initial["media_path"]}, labels=set(results))
        for label, data in imported.items():
            if data.get("changed"):
                batch[label].changed = True
                if not p.check_mode:
                    batch[label].after = dict(batch[label].after or {},
                                              replication_state=(data.get("replication") or {}).get("state"))
    if setup and not p.check_mode:
        mapped = inventory.entries(p, batch, refs, set(setup))
        for entry in mapped:
            entry.update(setup[entry["label"]])
        done, dummy = inventory.run_grouped(p, batch, refs, "target", "map replica networks", scripts.REPLICA_SETUP,
                                            {"state": state, "check": False}, mapped)
        for label, got in done.items():
            if got.get("changed"):
                batch[label].changed = True
    return batch


def extend(p, batch, refs, state, extended, pol, labels):
    """Extended replication (replica host -> third server): enabled once the replica has its initial copy, so
    a later run finishes what an early one reports as pending."""
    if state != "absent" and extended["frequency_sec"] < int(pol.rpo * 60):
        for label in labels:
            batch.fail(label, InputError("extended_replica.rpo is below the policy rpo", vm=label,
                                         step="validate extended replication",
                                         hint="Set extended_replica.rpo to at least policy.rpo"))
        return
    results, dummy = inventory.run_each(p, batch, refs, "target", "extended replication", scripts.EXTEND,
                                        dict(extended, state=state), labels=labels,
                                        missing="skip" if state == "absent" else "fail")
    for label, data in results.items():
        item = batch[label]
        item.changed = item.changed or bool(data.get("changed"))
        ext = data.get("extended")
        item.details["extended"] = {"replica_server": (ext or {}).get("replica_server") or extended["server"],
                                    "replication_state": (ext or {}).get("state"),
                                    "pending": bool(data.get("pending"))}
        if data.get("pending"):
            p.warn("extended replication of '%s' starts once its replica on '%s' has the initial copy; run "
                   "again then" % (label, p.host_of("target", label).hostname))


def remove(p, batch, refs, delete_replica):
    results, dummy = inventory.run_each(p, batch, refs, "source", "remove replication", scripts.ENABLE,
                                        {"state": "absent", "policy": {}})
    for label, data in results.items():
        batch[label].changed = batch[label].changed or bool(data.get("changed"))
        batch[label].before = settings.record(data.get("before"))
        batch[label].after = None
    if p.host("target", required=False) is not None:
        replica, dummy = inventory.run_each(p, batch, refs, "target", "remove replication on the replica",
                                            scripts.REPLICA_SETUP, {"state": "absent",
                                                                    "delete_replica": bool(delete_replica)},
                                            missing="skip")
        for label, data in replica.items():
            if data.get("changed"):
                batch[label].changed = True
            if data.get("deleted_files"):
                batch[label].details["deleted_files"] = list(data["deleted_files"])
    return batch
