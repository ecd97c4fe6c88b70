# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""replica_info on vSphere: relationship, last sync, RPO compliance (plan.rpo) and recovery points of every pair,
from one bulk read per site."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError, VmdrError
from ansible_collections.vmdr.replication.plugins.module_utils.plan import unreadable_site
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import metadata
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere.inventory import INFO_PATHS
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere.sync import gen_view, rpo_status


def point_view(gen):
    """A recovery point as replica_info shows it, with what it holds at the recovery site and what its copy moved."""
    stored = sum(d.get("bytes") or 0 for d in gen.get("disks") or []) or None
    return dict(gen_view(gen), stored_bytes=stored, transfer=gen.get("transfer"))


def _attempt(call, *args, **kwargs):
    """(value, None), or (None, the VmdrError of a site that could not be read). Input errors still raise."""
    try:
        return call(*args, **kwargs), None
    except InputError:
        raise
    except VmdrError as exc:
        return None, exc


def _read_sites(p):
    """([source site, target site], [source VMs, target VMs], site clock, [Unread]); a site not given is None, a
    site that could not be opened or read is Unread and has no VMs."""
    unread, sites = [], []
    for role in ("source", "target"):
        site, error = _attempt(p.site, role, required=False)
        if error is not None:
            unread.append(unreadable_site.Unread(role, error.site, error))
        sites.append(site)
    if sites == [None, None]:
        if unread:
            raise unreadable_site.nothing_read(unread)
        raise InputError("replica_info needs the source site, the target site, or both", step="connect")
    # the two sites are read at once: each read is one bulk call whose wait overlaps the other's parsing
    invs = [p.inventory(site) if site else None for site in sites]
    clock_role = "target" if sites[1] else "source"  # ages on the clock of the site holding the points
    with ThreadPoolExecutor(max_workers=3) as pool:
        clock = pool.submit(_attempt, (invs[1] or invs[0]).now)
        reads = list(pool.map(lambda inv: _attempt(inv.vms, identity=INFO_PATHS) if inv else ([], None), invs))
        now, clock_error = clock.result()
    vms = []
    for role, site, (rows, error) in zip(("source", "target"), sites, reads):
        if error is None and role == clock_role:
            error = clock_error
        if error is not None:
            unread.append(unreadable_site.Unread(role, site.name, error))
        vms.append(rows if error is None else [])
    unread_roles = [u.role for u in unread]
    if not [role for role, site in zip(("source", "target"), sites) if site is not None and role not in unread_roles]:
        raise unreadable_site.nothing_read(unread)
    return sites, vms, now, unread


def info(p, refs):
    """Relationship, last sync, RPO compliance and recovery points of every VM asked (or every replicated VM).
    A site given that cannot be read fails the call through the rule of every provider (plan/unreadable_site.py)."""
    dummy, (src_vms, tgt_vms), now, unread = _read_sites(p)
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
                     "recovery_points": [point_view(g) for g in reversed(gens)],
                     "last_transfer": gens[-1].get("transfer") if gens else None,
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
        if missing and unread:
            rows = [by_id.get(r.label) or unknown_row(r.label) for r in refs]
            return unreadable_site.check(rows, unread)
        if missing:
            raise InputError("not replicated (no replication record at either site): %s" % ", ".join(missing),
                             vm=missing[0], step="read replication status",
                             hint="Check the name, or enable replication with replica_enable")
        rows = [by_id[r.label] for r in refs]
    return unreadable_site.check(sorted(rows, key=lambda r: r["name"]) if not refs else rows, unread)


def unknown_row(label):
    """The row of a VM asked for that the sites read hold no record of (another site could not be read)."""
    return {"name": label, "pair": None, "state": "unknown", "health": unreadable_site.UNKNOWN, "source": None,
            "replica": None, "policy": None, "last_sync": None, "recovery_points": [], "rpo_seconds": None,
            "age_seconds": None, "rpo_compliant": None, "test_vms": [], "failover": None}
