# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where replicas and test copies go at the recovery site: resource pool, host, datastore, folder."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.clients.vsphere_props import (
    retrieve_view, retrieve_objects)

try:
    from pyVmomi import vim
except ImportError:
    pass

PLACEMENT_KEYS = ("cluster", "host", "resource_pool", "datastore", "folder")


class Placement(object):
    def __init__(self, names, pool, host, datastore, folder):
        self.names = names
        self.pool = pool
        self.host = host
        self.datastore = datastore
        self.folder = folder


def _only(inv, obj_type, what, root=None):
    rows = retrieve_view(inv.site.si, root or inv.site.datacenter, obj_type, ["name"])
    if len(rows) != 1:
        raise InputError("%d %ss in datacenter '%s' (%s) and none was named" % (
            len(rows), what, inv.site.datacenter_name, ", ".join(sorted(p["name"] for _o, p in rows))),
            site=inv.site.name, step="resolve placement", hint="Set placement.%s" % what.replace(" ", "_"))
    return rows[0][1]["name"]


def resolve(inv, names):
    """``names``: dict with any of PLACEMENT_KEYS. Missing ones default when the choice is unambiguous."""
    names = dict((k, v) for k, v in (names or {}).items() if k in PLACEMENT_KEYS and v)
    dc = inv.site.datacenter
    host = None
    if names.get("resource_pool"):
        pool = inv.find_by_name(vim.ResourcePool, names["resource_pool"], what="resource pool")
    elif names.get("cluster"):
        cluster = inv.find_by_name(vim.ClusterComputeResource, names["cluster"], what="cluster")
        pool = retrieve_objects(inv.site.si, [cluster], ["resourcePool"])[0][1]["resourcePool"]
    elif names.get("host"):
        host = inv.find_by_name(vim.HostSystem, names["host"], what="host")
        parent = retrieve_objects(inv.site.si, [host], ["parent"])[0][1]["parent"]
        pool = retrieve_objects(inv.site.si, [parent], ["resourcePool"], obj_type=vim.ComputeResource)[0][1][
            "resourcePool"]
    else:
        names["cluster"] = _only(inv, vim.ClusterComputeResource, "cluster", dc.hostFolder)
        return resolve(inv, names)
    if names.get("host") and host is None:
        host = inv.find_by_name(vim.HostSystem, names["host"], what="host")
    if not names.get("datastore"):
        names["datastore"] = _only(inv, vim.Datastore, "datastore", dc.datastoreFolder)
    inv.find_by_name(vim.Datastore, names["datastore"], root=dc.datastoreFolder, what="datastore")
    folder = dc.vmFolder
    if names.get("folder"):
        folder = inv.find_by_name(vim.Folder, names["folder"], root=dc.vmFolder, what="folder")
    return Placement(names, pool, host, names["datastore"], folder)
