"""Read what the sites hold, independently of the product's own code paths where that matters."""
import json
import time

import requests
from pyVmomi import vim, vmodl


def vms(si, paths=("name", "runtime.powerState", "config.extraConfig", "network", "guest.ipAddress", "guest.net")):
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    try:
        spec = vmodl.query.PropertyCollector.FilterSpec(
            objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=view, skip=True, selectSet=[
                vmodl.query.PropertyCollector.TraversalSpec(name="v", path="view", skip=False,
                                                            type=vim.view.ContainerView)])],
            propSet=[vmodl.query.PropertyCollector.PropertySpec(type=vim.VirtualMachine,
                                                                pathSet=list(paths))])
        out = {}
        for obj in content.propertyCollector.RetrieveContents([spec]):
            props = dict((p.name, p.val) for p in obj.propSet)
            props["obj"] = obj.obj
            props["extra"] = dict((o.key, o.value) for o in props.get("config.extraConfig") or [])
            out.setdefault(props["name"], []).append(props)
        return out
    finally:
        view.DestroyView()


def one(si, name, **kw):
    found = vms(si, **kw).get(name) or []
    assert len(found) == 1, "expected one VM named %s, found %d" % (name, len(found))
    return found[0]


def record(props, key="vmdr.replication"):
    raw = props["extra"].get(key)
    return json.loads(raw) if raw else None


def network_names(props):
    return sorted(n.name for n in props.get("network") or [])


def wait_task(task, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if task.info.state in ("success", "error"):
            return task.info.state
        time.sleep(0.1)
    raise AssertionError("task did not finish")


def read_file(lab_site, ca_file, si, ds_path, datacenter=None):
    """GET a datastore file; dcPath is the datacenter's inventory path (site-a keeps its datacenter in a folder)."""
    datastore, path = ds_path[1:].split("] ", 1)
    cookie = si._stub.cookie.split(";", 1)[0]
    base = "https://%s:%s" % (lab_site["hostname"], lab_site["port"])
    if datacenter in (None, lab_site.get("datacenter")):
        datacenter = lab_site.get("datacenter_path") or lab_site["datacenter"]
    response = requests.get("%s/folder/%s" % (base, path), params={"dcPath": datacenter, "dsName": datastore},
                            headers={"Cookie": cookie}, verify=ca_file, timeout=120)
    return response.status_code, response.content
