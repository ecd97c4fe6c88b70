# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bulk PropertyCollector reads: paging by token, the specs sent, container views, extraConfig."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import types
import pytest
from pyVmomi import vim, vmodl

from ansible_collections.vmdr.replication.plugins.module_utils.clients import vsphere_props
from ansible_collections.vmdr.replication.plugins.module_utils.clients.vsphere_props import (
    extra_config, retrieve_objects, retrieve_view)

PC = vmodl.query.PropertyCollector


@pytest.fixture(autouse=True)
def fresh_content_cache(monkeypatch):
    """vsphere_props may cache ServiceContent per connection; every FakeSi here is a new connection."""
    monkeypatch.setattr(vsphere_props, "_CONTENT", {}, raising=False)


def content_of(obj, **props):
    return PC.ObjectContent(obj=obj, propSet=[vmodl.DynamicProperty(name=k, val=v) for k, v in sorted(props.items())])


class BareResult(object):
    def __init__(self, objects, token):
        self.objects = objects
        self.token = token


class PagingCollector(object):
    """Serves ``pages`` (lists of ObjectContent) one per call, chained by tokens."""

    def __init__(self, pages):
        self.pages = pages
        self.specs = []
        self.options = []
        self.tokens = []

    def _page(self, index):
        token = "token-%d" % (index + 1) if index + 1 < len(self.pages) else None
        if self.pages[index] is None:
            return None
        if not self.pages[index]:
            # pyVmomi refuses an empty RetrieveResult; a bare result stands in for a page with no objects
            return BareResult(None, token)
        return PC.RetrieveResult(objects=self.pages[index], token=token)

    def RetrievePropertiesEx(self, specs, options):
        self.specs.append(specs)
        self.options.append(options)
        return self._page(0)

    def ContinueRetrievePropertiesEx(self, token):
        self.tokens.append(token)
        return self._page(int(token.split("-")[1]))


class FakeContent(object):
    def __init__(self, collector, view=None):
        self.propertyCollector = collector
        self.viewManager = self
        self.view = view
        self.created = []

    def CreateContainerView(self, root, types, recursive):
        self.created.append((root, list(types), recursive))
        return self.view


class FakeSi(object):
    def __init__(self, content):
        self.content = content
        self.retrieved = 0
        self._stub = types.SimpleNamespace()

    def RetrieveContent(self):
        self.retrieved += 1
        return self.content


class FakeView(vim.view.ContainerView):
    destroyed = []

    def DestroyView(self):
        FakeView.destroyed.append(self._moId)


def test_retrieve_objects_follows_tokens_across_three_pages():
    vms = [vim.VirtualMachine("vm-%d" % i) for i in range(5)]
    pages = [[content_of(vms[0], name="a"), content_of(vms[1], name="b")],
             [content_of(vms[2], name="c")],
             [content_of(vms[3], name="d"), content_of(vms[4], name="e")]]
    collector = PagingCollector(pages)
    rows = retrieve_objects(FakeSi(FakeContent(collector)), vms, ["name", "runtime.powerState"])

    assert [(o._moId, p) for o, p in rows] == [("vm-0", {"name": "a"}), ("vm-1", {"name": "b"}), ("vm-2", {"name": "c"}),
                                               ("vm-3", {"name": "d"}), ("vm-4", {"name": "e"})]
    assert collector.tokens == ["token-1", "token-2"]
    assert len(collector.specs) == 1
    assert collector.options[0].maxObjects == vsphere_props.PAGE_SIZE


def test_retrieve_objects_sends_one_spec_for_all_objects():
    vms = [vim.VirtualMachine("vm-1"), vim.VirtualMachine("vm-2")]
    collector = PagingCollector([None])
    retrieve_objects(FakeSi(FakeContent(collector)), iter(vms), ("name", "config.extraConfig"))

    specs = collector.specs[0]
    assert len(specs) == 1
    spec = specs[0]
    assert [o.obj._moId for o in spec.objectSet] == ["vm-1", "vm-2"]
    assert not any(o.skip for o in spec.objectSet)
    assert len(spec.propSet) == 1
    # the type defaults to the type of the first object
    assert spec.propSet[0].type is vim.VirtualMachine
    assert list(spec.propSet[0].pathSet) == ["name", "config.extraConfig"]
    assert spec.propSet[0].all is False


def test_retrieve_objects_explicit_type_and_missing_prop_sets():
    tasks = [vim.Task("task-1"), vim.Task("task-2")]
    page = [PC.ObjectContent(obj=tasks[0]), content_of(tasks[1], **{"info.state": "success"})]
    collector = PagingCollector([page])
    rows = retrieve_objects(FakeSi(FakeContent(collector)), tasks, ["info.state"], obj_type=vim.Task)
    assert collector.specs[0][0].propSet[0].type is vim.Task
    assert [p for _o, p in rows] == [{}, {"info.state": "success"}]


def test_retrieve_objects_handles_a_page_without_objects():
    vms = [vim.VirtualMachine("vm-1")]
    collector = PagingCollector([[], [content_of(vms[0], name="only")]])
    rows = retrieve_objects(FakeSi(FakeContent(collector)), vms, ["name"])
    assert [p for _o, p in rows] == [{"name": "only"}]
    assert collector.tokens == ["token-1"]


def test_retrieve_objects_when_the_collector_finds_nothing():
    collector = PagingCollector([None])
    assert retrieve_objects(FakeSi(FakeContent(collector)), [vim.VirtualMachine("vm-1")], ["name"]) == []
    assert collector.tokens == []


def test_retrieve_objects_of_nothing_makes_no_call():
    si = FakeSi(FakeContent(PagingCollector([None])))
    assert retrieve_objects(si, [], ["name"]) == []
    assert si.retrieved == 0


def test_retrieve_view_traverses_the_view_and_destroys_it():
    del FakeView.destroyed[:]
    view = FakeView("session[1]view-9")
    root = vim.Folder("group-d1")
    dcs = [vim.Datacenter("datacenter-1"), vim.Datacenter("datacenter-2")]
    collector = PagingCollector([[content_of(dcs[0], name="dc-a")], [content_of(dcs[1], name="dc-b")]])
    content = FakeContent(collector, view=view)
    rows = retrieve_view(FakeSi(content), root, vim.Datacenter, ["name"])

    assert [(o._moId, p["name"]) for o, p in rows] == [("datacenter-1", "dc-a"), ("datacenter-2", "dc-b")]
    assert content.created == [(root, [vim.Datacenter], True)]
    spec = collector.specs[0][0]
    assert spec.objectSet[0].obj is view
    assert spec.objectSet[0].skip is True
    assert spec.objectSet[0].selectSet[0].path == "view"
    assert spec.objectSet[0].selectSet[0].type is vim.view.ContainerView
    assert spec.propSet[0].type is vim.Datacenter
    assert FakeView.destroyed == ["session[1]view-9"]


def test_retrieve_view_destroys_the_view_when_the_read_fails():
    del FakeView.destroyed[:]

    class Broken(PagingCollector):
        def RetrievePropertiesEx(self, specs, options):
            raise vmodl.fault.ManagedObjectNotFound(msg="gone")

    content = FakeContent(Broken([]), view=FakeView("session[1]view-3"))
    with pytest.raises(vmodl.fault.ManagedObjectNotFound):
        retrieve_view(FakeSi(content), vim.Folder("group-d1"), vim.VirtualMachine, ["name"])
    assert FakeView.destroyed == ["session[1]view-3"]


def test_extra_config_with_and_without_prefix():
    options = [vim.option.OptionValue(key="vmdr.replication", value='{"role":"replica"}'),
               vim.option.OptionValue(key="vmdr.test", value='{"plan":"x"}'),
               vim.option.OptionValue(key="guestinfo.hostname", value="web-01")]
    props = {"config.extraConfig": options}
    assert extra_config(props) == {"vmdr.replication": '{"role":"replica"}', "vmdr.test": '{"plan":"x"}',
                                   "guestinfo.hostname": "web-01"}
    assert extra_config(props, prefix="vmdr.") == {"vmdr.replication": '{"role":"replica"}', "vmdr.test": '{"plan":"x"}'}
    assert extra_config(props, prefix="nothing.") == {}
    assert extra_config({}) == {}
    assert extra_config({"config.extraConfig": None}, prefix="vmdr.") == {}


HAS_CACHE = hasattr(vsphere_props, "service_content")


@pytest.mark.skipif(not HAS_CACHE, reason="vsphere_props has no ServiceContent cache")
def test_service_content_is_read_once_per_connection():
    vms = [vim.VirtualMachine("vm-1")]
    si = FakeSi(FakeContent(PagingCollector([None])))
    retrieve_objects(si, vms, ["name"])
    retrieve_objects(si, vms, ["config.extraConfig"])
    assert si.retrieved == 1
    other = FakeSi(FakeContent(PagingCollector([None])))
    retrieve_objects(other, vms, ["name"])
    assert other.retrieved == 1


class FakeStub(object):
    """Stands in for a connection's SOAP stub."""


def reconnect_reusing_the_stub_address(first, second):
    """Closes ``first`` (freeing its stub) and gives ``second`` a new stub; True when it landed at the old address."""
    for attempt in range(20):
        first._stub = FakeStub()
        old_id = id(first._stub)
        retrieve_objects(first, [vim.VirtualMachine("vm-%d" % attempt)], ["name"])
        first._stub = None
        second._stub = FakeStub()
        if id(second._stub) == old_id:
            return True
    return False


@pytest.mark.skipif(not HAS_CACHE, reason="vsphere_props has no ServiceContent cache")
def test_service_content_of_a_new_connection_is_its_own():
    old = PagingCollector([[content_of(vim.VirtualMachine("vm-1"), name="from the closed connection")]])
    new = PagingCollector([[content_of(vim.VirtualMachine("vm-1"), name="from the new connection")]])
    first = FakeSi(FakeContent(old))
    second = FakeSi(FakeContent(new))
    if not reconnect_reusing_the_stub_address(first, second):
        pytest.skip("the allocator never reused a freed stub address")
    rows = retrieve_objects(second, [vim.VirtualMachine("vm-1")], ["name"])
    assert rows[0][1] == {"name": "from the new connection"}
