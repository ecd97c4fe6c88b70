# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""replica_info on vSphere: relationship, last sync, RPO compliance (plan.rpo) and recovery points of every pair,
from one bulk read per site."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import metadata
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere.inventory import INFO_PATHS
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere.sync import gen_view, rpo_status


def info(p, refs):
    """Relationship, last sync, RPO compliance and recovery points of every VM asked (or every replicated VM)."""
    source = p.site("source", required=False)
    target = p.site("target", required=False)
    if source is None and target is None:
        raise InputError("replica_info needs the source site, the target site, or both", step="connect")
    # the two sites are read at once: each read is one bulk call whose wait overlaps the other's parsing
    invs = [p.inventory(site) if site else None for site in (source, target)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        clock = pool.submit((invs[1] or invs[0]).now)  # ages on the clock of the site holding the points
        src_vms, tgt_vms = pool.map(lambda inv: inv.vms(identity=INFO_PATHS) if inv is not None else [], invs)
        now = clock.result()
    pairs = {}
    for rec in src_vms + tgt_vms:
        if rec.record and rec.record.get("pair"):
            side = "source" if rec.record.get("role") in (metadata.ROLE_SOURCE, metadata.ROLE_FAILED_OVER) \
                else "replica"
            pairs.setdefault(rec.record["pair"], {})[side] = rec
    tests = {}
    for rec in tgt_vms:
        if rec.test:
            tests.setdefault(rec.test.get("pair"), []).append(rec.summary())
    rows = []
    for pair, sides in pairs.items():
        src, rep = sides.get("source"), sides.get("replica")
        name = src.name if src else rep.record.get("peer_name") or rep.name
        status = rpo_status(src.record if src else None, rep.record if rep else None, now)
        state = (src.record.get("state") if src else None) or "unknown"
        role_state = (rep.record.get("role") if rep else None)
        health = "ok"
        if rep is None or not status["rpo_compliant"]:
            health = "critical"
        if state == "paused":
            health = "warning"
        if role_state == metadata.ROLE_PROMOTED:
            health = "failed_over"
        gens = (rep.record.get("generations") if rep else None) or []
        rows.append({"name": name, "pair": pair, "state": state, "health": health,
                     "source": dict(src.summary(), role=src.record.get("role")) if src else None,
                     "replica": dict(rep.summary(), role=rep.record.get("role")) if rep else None,
                     "policy": (src.record if src else rep.record).get("policy"),
                     "last_sync": rep.record.get("last_sync") if rep else None,
                     "recovery_points": [gen_view(g) for g in reversed(gens)],
                     "rpo_seconds": status["rpo_seconds"], "age_seconds": status["age_seconds"],
                     "rpo_compliant": status["rpo_compliant"], "test_vms": tests.get(pair, []),
                     "failover": rep.record.get("failover") if rep else None})
    if refs:
        wanted = set(r.label for r in refs)
        by_id = {}
        for row in rows:
            for key in (row["name"], (row["source"] or {}).get("moid"), (row["source"] or {}).get("instance_uuid")):
                if key:
                    by_id[key] = row
        missing = sorted(w for w in wanted if w not in by_id)
        if missing:
            raise InputError("not replicated (no replication record at either site): %s" % ", ".join(missing),
                             vm=missing[0], step="read replication status",
                             hint="Check the name, or enable replication with replica_enable")
        rows = [by_id[r.label] for r in refs]
    return sorted(rows, key=lambda r: r["name"]) if not refs else rows
