# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bulk reads through the PropertyCollector: one call for many objects, only the paths asked for.

Every read here is retried on transient faults by the one retry policy (clients/retry.py), within the site's
request timeout.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.clients import retry
from ansible_collections.vmdr.replication.plugins.module_utils.errors import VmdrError

try:
    from pyVmomi import vmodl, vim
except ImportError:
    pass

PAGE_SIZE = 1000


def _read(si, call):
    """``call()`` under the retry policy; the deadline is the request timeout the session was opened with.

    A read still failing on a transient fault when the policy gives up becomes a VmdrError naming the site (the
    session tags its stub with it), so the module says where and how often it tried."""
    stub = getattr(si, "_stub", None)
    try:
        return retry.POLICY.run(call, deadline=getattr(stub, "_vmdr_timeout", None))
    except VmdrError:
        raise
    except Exception as exc:  # pylint: disable=broad-except
        if not retry.is_transient(exc):
            raise
        raise VmdrError("vCenter did not answer a read: %s: %s%s" % (type(exc).__name__, exc, retry.attempts_note(exc)),
                        site=getattr(stub, "_vmdr_site", None), step="read from vCenter",
                        hint="The site answered before and then stopped; check vCenter's health and rerun: reads are "
                             "retried, and a rerun continues from the state recorded at the sites")


def service_content(si):
    """ServiceContent once per connection (kept on its stub): every RetrieveContent() is a round trip."""
    stub = si._stub
    content = getattr(stub, "_vmdr_service_content", None)
    if content is None:
        content = _read(si, si.RetrieveContent)
        stub._vmdr_service_content = content
    return content


def _collect(si, pc, spec):
    """All pages of one read; a transient fault on any page reads again from the first page."""
    return _read(si, lambda: _pages(pc, spec))


def _pages(pc, spec):
    options = vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=PAGE_SIZE)
    result = pc.RetrievePropertiesEx([spec], options)
    rows = []
    while result is not None:
        for obj in result.objects or []:
            props = dict((p.name, p.val) for p in obj.propSet or [])
            rows.append((obj.obj, props))
        token = result.token
        result = pc.ContinueRetrievePropertiesEx(token) if token else None
    return rows


def retrieve_view(si, root, obj_type, paths):
    """Every object of ``obj_type`` below ``root`` with ``paths``; the view is destroyed afterwards."""
    content = service_content(si)
    view = _read(si, lambda: content.viewManager.CreateContainerView(root, [obj_type], True))
    try:
        traversal = vmodl.query.PropertyCollector.TraversalSpec(
            name="view", path="view", skip=False, type=vim.view.ContainerView)
        spec = vmodl.query.PropertyCollector.FilterSpec(
            objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=view, skip=True, selectSet=[traversal])],
            propSet=[vmodl.query.PropertyCollector.PropertySpec(type=obj_type, pathSet=list(paths), all=False)])
        return _collect(si, content.propertyCollector, spec)
    finally:
        try:
            view.DestroyView()
        except Exception:  # pylint: disable=broad-except
            pass  # best effort, never retried: a view lives only as long as its session


def retrieve_objects(si, objs, paths, obj_type=None):
    """``paths`` of the given objects (all of one type) in one call."""
    objs = list(objs)
    if not objs:
        return []
    obj_type = obj_type or type(objs[0])
    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=o, skip=False) for o in objs],
        propSet=[vmodl.query.PropertyCollector.PropertySpec(type=obj_type, pathSet=list(paths), all=False)])
    return _collect(si, service_content(si).propertyCollector, spec)


def inventory_path(si, obj):
    """The inventory path of ``obj`` below the root folder, for example ``Region-B/dc-b`` for a datacenter in a
    folder: what vCenter's datastore HTTP interface wants as ``dcPath``. One read per level, kept on the stub."""
    stub = si._stub
    cache = getattr(stub, "_vmdr_inventory_paths", None)
    if cache is None:
        cache = stub._vmdr_inventory_paths = {}
    if obj._moId not in cache:
        names, current = [], obj
        while current is not None:
            rows = retrieve_objects(si, [current], ["name", "parent"], obj_type=type(current))
            props = rows[0][1] if rows else {}
            if props.get("parent") is None:  # the root folder is not part of the path
                break
            names.append(props["name"])  # vCenter keeps '/' and '%' in names escaped (%2f, %25)
            current = props["parent"]
        cache[obj._moId] = "/".join(reversed(names))
    return cache[obj._moId]


def extra_config(props, prefix=None):
    """``config.extraConfig`` as a dict; keyed paths are not reliable on every server, so filter here."""
    values = {}
    for opt in props.get("config.extraConfig") or []:
        if prefix is None or opt.key.startswith(prefix):
            values[opt.key] = opt.value
    return values
