"""pyvmomi access to a lab site with TLS verified against the lab CA only."""
import ssl
import time

from pyVim.connect import Disconnect, SmartConnect
from pyVmomi import vim, vmodl


def ssl_context(ca_file):
    """Trusts the lab CA and nothing else; hostname checking stays on."""
    return ssl.create_default_context(cafile=ca_file)


def connect(site, ca_file, user=None, pwd=None):
    return SmartConnect(host=site["hostname"], port=site["port"],
                        user=user or site["username"], pwd=pwd or site["password"],
                        sslContext=ssl_context(ca_file))


def disconnect(si):
    Disconnect(si)


def retrieve(si, obj_type, props, root=None):
    """[(moref, {prop: value})] for every obj_type under root, read with the
    PropertyCollector (per-object accessors on unset properties can crash vcsim)."""
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(root or content.rootFolder, [obj_type], True)
    try:
        traversal = vmodl.query.PropertyCollector.TraversalSpec(
            name="view", path="view", skip=False, type=vim.view.ContainerView)
        spec = vmodl.query.PropertyCollector.FilterSpec(
            objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=view, skip=True, selectSet=[traversal])],
            propSet=[vmodl.query.PropertyCollector.PropertySpec(type=obj_type, pathSet=list(props))])
        return _collect(content.propertyCollector, spec)
    finally:
        view.DestroyView()


def properties(si, obj, props):
    """{prop: value} of one managed object, via the PropertyCollector."""
    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=obj)],
        propSet=[vmodl.query.PropertyCollector.PropertySpec(type=type(obj), pathSet=list(props))])
    found = _collect(si.RetrieveContent().propertyCollector, spec)
    return found[0][1] if found else {}


def _collect(pc, spec):
    out = []
    result = pc.RetrievePropertiesEx([spec], vmodl.query.PropertyCollector.RetrieveOptions())
    while result:
        for oc in result.objects:
            out.append((oc.obj, {p.name: p.val for p in oc.propSet}))
        result = pc.ContinueRetrievePropertiesEx(result.token) if result.token else None
    return out


def find_by_name(si, obj_type, name, root=None):
    for obj, props in retrieve(si, obj_type, ["name"], root):
        if props.get("name") == name:
            return obj
    return None


def wait_task(si, task, timeout=60, result=False):
    """Wait for a task through info.state/info.error (pyvmomi 9 cannot decode
    every TaskInfo, e.g. snapshot tasks); raises the task's fault on error."""
    deadline = time.monotonic() + timeout
    while True:
        props = properties(si, task, ["info.state", "info.error"] + (["info.result"] if result else []))
        state = props.get("info.state")
        if state == "success":
            return props.get("info.result")
        if state == "error":
            raise props.get("info.error") or RuntimeError("task failed")
        if time.monotonic() > deadline:
            raise TimeoutError("task %s still %s" % (task, state))
        time.sleep(0.05)
