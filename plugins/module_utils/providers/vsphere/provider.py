# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vSphere provider: sessions, inventories and task runners per site, and the operations on them."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.clients.vsphere_session import VsphereSite
from ansible_collections.vmdr.replication.plugins.module_utils.clients.vsphere_tasks import TaskRunner
from ansible_collections.vmdr.replication.plugins.module_utils.providers.base import ReplicationProvider
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere.inventory import SiteInventory
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import (
    replication, networking, reip_apply, failover_test, failover_live, capacity)

DEFAULT_OPTIONS = {"max_concurrent_tasks": 16, "max_concurrent_transfers": 4, "timeout": 1800,
                   "transfer_timeout": 300, "connect_timeout": 60}


class VsphereProvider(ReplicationProvider):
    name = "vsphere"
    default_options = DEFAULT_OPTIONS

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

    def info(self, refs):
        return replication.info(self, refs)

    def recovery_site(self, refs):
        return capacity.recovery_site(self, refs)

    def enable(self, refs, state, policy, placement, initial_replication, network_map, delete_replica):
        return replication.enable(self, refs, state, policy, placement, initial_replication, network_map,
                                  delete_replica)

    def sync(self, refs, when, wait_within_rpo):
        return replication.sync(self, refs, when, wait_within_rpo)

    def map_networks(self, refs, network_map, mode):
        return networking.map_networks(self, refs, network_map, mode)

    def reip(self, refs, planner):
        return reip_apply.reip(self, refs, planner)

    def failover(self, refs, mode, settings):
        if mode in ("test", "cleanup_test"):
            return getattr(failover_test, mode)(self, refs, settings)
        return getattr(failover_live, mode)(self, refs, settings)

    def close(self):
        for site in self._sites.values():
            site.close()
        self._sites = {}
