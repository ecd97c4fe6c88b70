# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vSphere provider: sessions, inventories and task runners per site, and the wiring of every operation.

Planned and unplanned failover are the provider-independent engine's (engine/failover.py): this class is its adapter,
and each adapter operation lives in the module named after it (validate, describe, power, sync, fence, promote)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.clients.vsphere_session import VsphereSite
from ansible_collections.vmdr.replication.plugins.module_utils.clients.vsphere_tasks import TaskRunner
from ansible_collections.vmdr.replication.plugins.module_utils.common.results import Batch
from ansible_collections.vmdr.replication.plugins.module_utils.engine import failover as engine_failover
from ansible_collections.vmdr.replication.plugins.module_utils.providers.base import ReplicationProvider
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere.inventory import SiteInventory
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import (
    capacity, describe, fence, info, networks, power, promote, reip, replication, reverse, sync, test_copy,
    validate)

DEFAULT_OPTIONS = {"max_concurrent_tasks": 16, "max_concurrent_transfers": 4, "timeout": 1800,
                   "transfer_timeout": 300, "connect_timeout": 60}


class VsphereProvider(ReplicationProvider):
    name = "vsphere"
    default_options = DEFAULT_OPTIONS
    supports_waves = True

    def __init__(self, *args, **kwargs):
        super(VsphereProvider, self).__init__(*args, **kwargs)
        self._inventories = {}

    def open_site(self, role, params):
        """The connected vCenter of ``role``."""
        port = params.get("port") or 443
        default_name = params["hostname"] if port == 443 else "%s:%s" % (params["hostname"], port)
        site = VsphereSite(params.get("name") or default_name, params["hostname"], params.get("username"),
                           params.get("password"), port=params.get("port") or 443,
                           validate_certs=params.get("validate_certs", True), ca_path=params.get("ca_path"),
                           datacenter=params.get("datacenter"), timeout=self.options["connect_timeout"],
                           pool_size=int(self.options["max_concurrent_tasks"]) + 4)
        return site.connect()

    def check_distinct(self, source, target):
        if source.instance_uuid == target.instance_uuid and source.datacenter_name == target.datacenter_name:
            raise InputError("source and target are the same vCenter datacenter", step="connect",
                             hint="Point target at the recovery site")

    def inventory(self, site):
        if id(site) not in self._inventories:
            self._inventories[id(site)] = SiteInventory(site)
        return self._inventories[id(site)]

    def runner(self, site):
        return TaskRunner(site.si, max_concurrent=self.options["max_concurrent_tasks"],
                          timeout=self.options["timeout"])

    # ---- operations

    def info(self, refs):
        return info.info(self, refs)

    def recovery_site(self, refs):
        return capacity.recovery_site(self, refs)

    def enable(self, refs, state, policy, placement, initial_replication, network_map, delete_replica):
        return replication.enable(self, refs, state, policy, placement, initial_replication, network_map,
                                  delete_replica)

    def sync(self, refs, when, wait_within_rpo):
        return sync.sync(self, refs, when, wait_within_rpo)

    def map_networks(self, refs, network_map, mode):
        return networks.map_networks(self, refs, network_map, mode)

    def reip(self, refs, planner):
        return reip.reip(self, refs, planner)

    def failover(self, refs, mode, settings):
        if mode in ("planned", "unplanned"):
            return engine_failover.run(self, Batch([r.label for r in refs]), refs, mode, settings, self.check_mode)
        if mode == "test":
            return test_copy.test(self, refs, settings)
        if mode == "cleanup_test":
            return test_copy.cleanup_test(self, refs, settings)
        return reverse.reverse(self, refs, settings)

    # ---- the engine's failover operations (providers/base.py), each in its own module

    def failover_context(self, batch, refs, mode, settings):
        return validate.failover_context(self, batch, refs, mode, settings)

    def failover_problems(self, ctx, problems):
        return validate.failover_problems(self, ctx, problems)

    def describe(self, ctx, batch):
        return describe.describe(self, ctx, batch)

    def finish(self, ctx, batch):
        return describe.finish(self, ctx, batch)

    def stop_sources(self, ctx, labels):
        return power.stop_sources(self, ctx, labels)

    def start_sources(self, ctx, labels):
        return power.start_sources(self, ctx, labels)

    def confirm_sources_off(self, ctx, labels):
        return power.confirm_sources_off(self, ctx, labels)

    def start_replicas(self, ctx, labels):
        return power.start_replicas(self, ctx, labels)

    def poll_ready(self, ctx, labels):
        return power.poll_ready(self, ctx, labels)

    def final_sync(self, ctx, labels):
        return sync.final_sync(self, ctx, labels)

    def undo_final_sync(self, ctx, labels):
        return sync.undo_final_sync(self, ctx, labels)

    def fence_sources(self, ctx, labels):
        return fence.fence_sources(self, ctx, labels)

    def unfence_sources(self, ctx, labels):
        return fence.unfence_sources(self, ctx, labels)

    def promote_replicas(self, ctx, labels):
        return promote.promote_replicas(self, ctx, labels)

    def demote_replicas(self, ctx, labels):
        return promote.demote_replicas(self, ctx, labels)

    def close(self):
        for site in self._sites.values():
            site.close()
        self._sites = {}
