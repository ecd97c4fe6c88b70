# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reverse replication on vSphere (failover mode=reverse): each promoted VM is synced back into its old primary,
which becomes its replica, and the promoted VM is recorded as the new source. A failback is a reverse, a planned
failover in the other direction, and another reverse."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError, VmdrError
from ansible_collections.vmdr.replication.plugins.module_utils.common.results import Batch
from ansible_collections.vmdr.replication.plugins.module_utils.clients.vsphere_props import retrieve_objects
from ansible_collections.vmdr.replication.plugins.module_utils.engine.refusal import Problems
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import metadata, recovery, vm_spec
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere.copy_engine import CopyEngine
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere.placement import Placement

try:
    from pyVmomi import vim
except ImportError:
    pass

SOURCE_PATHS = vm_spec.HARDWARE_PATHS + ["resourcePool", "parent", "datastore"]


def reverse(p, refs, settings):
    """Replicate promoted VMs back to the old primaries, which become their replicas."""
    source, target = p.site("source"), p.site("target")
    src_inv, inv = p.inventory(source), p.inventory(target)
    batch = Batch([r.label for r in refs])
    problems = Problems()
    promoted, errors = inv.resolve_each(refs, paths=SOURCE_PATHS)
    problems.extend(errors)
    olds = dict((pair, recs[0]) for pair, recs in src_inv.by_record(src_inv.vms(paths=SOURCE_PATHS)).items())
    items = {}
    for ref in refs:
        if ref.label not in promoted:
            continue
        rep = promoted[ref.label]
        role = (rep.record or {}).get("role")
        old = olds.get((rep.record or {}).get("pair"))
        if role == metadata.ROLE_SOURCE and old is not None and old.record.get("role") == metadata.ROLE_REPLICA:
            batch[ref.label].before = batch[ref.label].after = {"direction": "%s -> %s" % (target.name, source.name)}
            continue
        if role in (metadata.ROLE_FAILED_OVER, metadata.ROLE_REPLICA) and old is not None and old.power_state == \
                "poweredOn" and old.record.get("role") in (metadata.ROLE_PROMOTED, metadata.ROLE_SOURCE):
            # failed back already (a resumed failback): it runs at the old primary's site, nothing to reverse
            batch[ref.label].before = batch[ref.label].after = {"direction": "%s -> %s" % (source.name, target.name)}
            batch[ref.label].details["skipped"] = "the VM runs at site '%s' already" % source.name
            continue
        if role not in (metadata.ROLE_PROMOTED, metadata.ROLE_SOURCE) or old is None:
            problems.add(InputError("the VM was not failed over from site '%s'" % source.name, vm=ref.label,
                                    site=target.name, step="plan reverse replication",
                                    hint="Run a planned or unplanned failover first"))
            continue
        if old.power_state != "poweredOff":
            problems.add(InputError("the old primary is %s" % old.power_state, vm=ref.label, site=source.name,
                                    step="plan reverse replication",
                                    hint="Power it off; it becomes the replica and must stay off"))
            continue
        items[ref.label] = (rep, old)
        batch[ref.label].before = {"direction": "%s -> %s" % (source.name, target.name)}
        batch[ref.label].after = {"direction": "%s -> %s" % (target.name, source.name)}
        batch[ref.label].changed = True
    problems.refuse()
    if p.check_mode or not items:
        return batch
    groups = {}
    for label, (rep, old) in items.items():
        datastore = _datastore_name(p, source, old, batch, label)
        if datastore is not None:
            groups.setdefault(datastore, {})[label] = (rep, old)
    for datastore, group in groups.items():
        records = {}
        for label, (rep, old) in group.items():
            networks = dict((v, k) for k, v in (old.record.get("networks") or {}).items())
            records[label] = {"role": metadata.ROLE_SOURCE, "pair": rep.record["pair"],
                              "peer_site": source.instance_uuid, "peer_name": source.name, "state": "enabled",
                              "policy": rep.record.get("policy") or old.record.get("policy"),
                              "placement": {"datastore": datastore}, "networks": networks}
        first_old = list(group.values())[0][1]
        place = Placement({"datastore": datastore}, first_old.props.get("resourcePool"), None, datastore,
                          first_old.props.get("parent"))
        engine_items = dict((label, (group[label][0], records[label])) for label in group)
        generations = CopyEngine(p, target, source).sync(batch, engine_items, place,
                                                         dict((label, group[label][1]) for label in group))
        jobs = [(label, recovery.reconfig_job(group[label][0].obj, recovery.extra_spec(
            {metadata.REPLICATION_KEY: records[label]}))) for label in generations]
        for label, outcome in p.runner(target).run(jobs).items():
            if not outcome.ok:
                batch.fail(label, recovery.task_error(outcome, target.name, "record reverse replication"))
        for label, gen in generations.items():
            batch[label].details["recovery_point"] = {"id": gen["id"], "time": gen["time"]}
    return batch


def _datastore_name(p, site, rec, batch, label):
    """The datastore of the old primary, where its new recovery points go; a VM without one fails."""
    stores = rec.props.get("datastore") or []
    if not stores:
        batch.fail(label, VmdrError("the old primary has no datastore", site=site.name, step="reverse replication"))
        return None
    return retrieve_objects(site.si, stores[:1], ["name"], obj_type=vim.Datastore)[0][1]["name"]
