# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hyper-V Replica provider: one WinRM runner per Hyper-V host of each site, one command per host per step.

This is the facade: sites and wiring. Each operation lives in its own module (inventory, info, replication, sync,
networks, reip, power, fence, promote, test_copy, reverse, capacity). Planned and unplanned failovers run in the
provider-independent engine (engine/failover.py); this class is its adapter: the engine decides the order of the
steps and their compensations, the adapter operations below map them to Hyper-V's documented sequences."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.common.results import Batch
from ansible_collections.vmdr.replication.plugins.module_utils.engine import failover as engine
from ansible_collections.vmdr.replication.plugins.module_utils.providers.base import ReplicationProvider
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import (
    capacity, describe, fence, info, networks, power, promote, reip, replication, reverse, sites, sync, test_copy,
    validate)
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv.settings import (
    DEFAULT_OPTIONS, INITIAL_METHODS, vm_entry)


class HypervProvider(ReplicationProvider):
    name = "hyperv"
    default_options = DEFAULT_OPTIONS
    initial_methods = INITIAL_METHODS
    initial_options = ("start", "media_path", "configure_replica_server", "extended")
    supports_cancel = True

    def __init__(self, *args, **kwargs):
        super(HypervProvider, self).__init__(*args, **kwargs)
        self.unreachable = {}

    # ---- sites -------------------------------------------------------------------------------------

    def open_site(self, role, params):
        """The hosts of the ``role`` site: ``hostname`` plus ``hosts``."""
        return sites.build_site(role, params, self.options["operation_timeout"])

    def check_distinct(self, source, target):
        shared = set(h.hostname.lower() for h in source.hosts) & set(h.hostname.lower() for h in target.hosts)
        if shared:
            raise InputError("source and target share the Hyper-V host %s" % ", ".join(sorted(shared)),
                             step="connect", hint="Point target at the recovery hosts")

    def host(self, role, required=True):
        """The first host of a site: the one named by its ``hostname``."""
        site = self.site(role, required)
        return site.hosts[0] if site is not None else None

    def host_of(self, role, label):
        """The host of ``role`` holding the VM ``label`` (after a locate), else the site's first host."""
        site = self.site(role)
        return site.where.get(label) or site.hosts[0]

    def close(self):
        for site in self._sites.values():
            for host in site.hosts:
                host.runner.close()
        self._sites = {}

    # ---- operations ----------------------------------------------------------------------------------

    def info(self, refs):
        return info.info(self, refs)

    def recovery_site(self, refs):
        """The recovery hosts' room and the IPv4 addresses in use there, next to what the VMs of ``refs`` need."""
        return capacity.recovery_site(self, refs, [vm_entry(i, r) for i, r in enumerate(refs)])

    def enable(self, refs, state, policy, placement, initial_replication, network_map, delete_replica):
        return replication.enable(self, refs, state, policy, placement, initial_replication, network_map,
                                  delete_replica)

    def sync(self, refs, when, wait_within_rpo):
        return sync.sync(self, refs, when, wait_within_rpo)

    def map_networks(self, refs, network_map, mode):
        return networks.map_networks(self, refs, network_map, mode)

    def reip(self, refs, planner):
        return reip.reip(self, refs, planner)

    def failover(self, refs, mode, settings=None):
        settings = settings or {}
        if mode in ("planned", "unplanned"):
            return engine.run(self, Batch([r.label for r in refs]), refs, mode, settings, self.check_mode)
        if mode == "test":
            return test_copy.test(self, refs, settings)
        if mode == "cleanup_test":
            return test_copy.cleanup_test(self, refs)
        if mode == "reverse":
            return reverse.reverse(self, refs)
        if mode == "cancel":
            return reverse.cancel(self, refs, settings)
        raise InputError("unknown failover mode %r" % mode, step="validate")

    # ---- the engine's failover operations (engine/failover.py) ------------------------------------------

    def failover_context(self, batch, refs, mode, settings):
        return validate.failover_context(self, batch, refs, mode, settings)

    def failover_problems(self, ctx, problems):
        validate.failover_problems(ctx, problems)

    def describe(self, ctx, batch):
        describe.describe(ctx, batch)

    def finish(self, ctx, batch):
        describe.finish(ctx, batch)

    def stop_sources(self, ctx, labels):
        return power.stop_sources(self, ctx, labels)

    def start_sources(self, ctx, labels):
        return power.start_sources(self, ctx, labels)

    def final_sync(self, ctx, labels):
        return fence.final_sync(self, ctx, labels)

    def undo_final_sync(self, ctx, labels):
        return fence.undo_final_sync(self, ctx, labels)

    def confirm_sources_off(self, ctx, labels):
        return power.confirm_sources_off(self, ctx, labels)

    def fence_sources(self, ctx, labels):
        return fence.fence_sources(self, ctx, labels)

    def unfence_sources(self, ctx, labels):
        return fence.unfence_sources(self, ctx, labels)

    def promote_replicas(self, ctx, labels):
        return promote.promote_replicas(self, ctx, labels)

    def demote_replicas(self, ctx, labels):
        return promote.demote_replicas(self, ctx, labels)

    def start_replicas(self, ctx, labels):
        return power.start_replicas(self, ctx, labels)

    def poll_ready(self, ctx, labels):
        return power.poll_ready(self, ctx, labels)
