# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""network_map on vSphere: live maps move replica NICs now; test maps are checked for isolation and
staged on the replica record for the next test failover."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.common.results import Batch
from ansible_collections.vmdr.replication.plugins.module_utils.engine.refusal import Problems
from ansible_collections.vmdr.replication.plugins.module_utils.plan.network_map import NetworkMap
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import metadata, recovery


def map_networks(p, refs, network_map, mode):
    target = p.site("target")
    inv = p.inventory(target)
    nmap = NetworkMap.from_params(network_map)
    problems = Problems()
    found, _records = recovery.find_replicas(inv, refs, problems, roles=(metadata.ROLE_REPLICA,
                                                                         metadata.ROLE_PROMOTED))
    batch = Batch([r.label for r in refs])
    if mode == "test":
        problems.check(nmap.check_test_apart_from_live, site=target.name)
        problems.check(inv.check_isolated, nmap.test_networks(), site=target.name)
    jobs = []
    for ref in refs:
        if ref.label not in found:
            continue
        label, rec = ref.label, found[ref.label]
        targets = problems.check(recovery.nic_targets, label, rec.record, nmap, mode, inv, vm=label,
                                 site=target.name)
        if targets is None:
            continue
        mapping = [{"index": n["index"], "source_network": n["network"], "target_network": targets[n["index"]][0]}
                   for n in rec.record.get("nics") or []]
        result = batch[label]
        result.details["nics"] = mapping
        if mode == "live":
            changes, report = recovery.nic_edits(rec.props.get("config.hardware.device"), targets, inv)
            current = dict((r["index"], r) for r in report)
            result.before = {"networks": [(current.get(m["index"]) or {}).get("current") for m in mapping]}
            result.after = {"networks": [m["target_network"] for m in mapping]}
            result.changed = bool(changes)
            if changes:
                jobs.append((label, recovery.reconfig_job(rec.obj, recovery.extra_spec({}, changes))))
        else:
            staged = nmap.test
            result.before = {"test_network": rec.record.get("test_network")}
            result.after = {"test_network": staged}
            result.changed = rec.record.get("test_network") != staged
            if result.changed:
                new_record = dict(rec.record, test_network=staged)
                jobs.append((label, recovery.reconfig_job(
                    rec.obj, recovery.extra_spec({metadata.REPLICATION_KEY: new_record}))))
    problems.refuse()
    if p.check_mode:
        return batch
    for label, outcome in p.runner(target).run(jobs).items():
        if not outcome.ok:
            batch.fail(label, recovery.task_error(outcome, target.name, "map networks"))
    return batch
