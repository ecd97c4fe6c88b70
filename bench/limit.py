"""The "limit" reference: the vCenter calls of a test failover issued directly with pyvmomi and many threads.

No Ansible, no checks beyond what the calls need: per VM MakeDirectory, CopyVirtualDisk_Task, CreateVM_Task
(plus one read of its result), CustomizeVM_Task, PowerOnVM_Task, then bulk readiness polls; cleanup is
PowerOffVM_Task, Destroy_Task and DeleteDatastoreFile_Task per VM. It works on the replicas at the
recovery site (site-b) of the lab, named like the product's test copies but with the suffix -limit.

Usage: python bench/limit.py --lab-json DIR/lab.json --vms N [--threads 64] [--step test|cleanup|info]
Prints one JSON line: {"step", "vms", "seconds", "ok"}.
"""
import argparse
import json
import ssl
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from pyVim.connect import SmartConnect, Disconnect
from pyVmomi import vim, vmodl

PC = vmodl.query.PropertyCollector


def connect(state, name, pool=5):
    """``pool``: HTTPS connections kept open; as many as threads, or each further call pays a TLS handshake."""
    site = state["sites"][name]
    si = SmartConnect(host=site["hostname"], port=site["port"], user=site["username"], pwd=site["password"],
                      sslContext=ssl.create_default_context(cafile=state["ca_file"]))
    si._stub.poolSize = max(si._stub.poolSize, pool)
    return si, si.RetrieveContent()


def collect(content, objs_or_view, obj_type, paths):
    pc = content.propertyCollector
    if isinstance(objs_or_view, vim.view.ContainerView):
        trav = PC.TraversalSpec(name="v", path="view", skip=False, type=vim.view.ContainerView)
        objects = [PC.ObjectSpec(obj=objs_or_view, skip=True, selectSet=[trav])]
    else:
        objects = [PC.ObjectSpec(obj=o, skip=False) for o in objs_or_view]
    spec = PC.FilterSpec(objectSet=objects, propSet=[PC.PropertySpec(type=obj_type, pathSet=paths, all=False)])
    result = pc.RetrievePropertiesEx([spec], PC.RetrieveOptions(maxObjects=1000))
    rows = []
    while result is not None:
        rows.extend((o.obj, dict((p.name, p.val) for p in o.propSet or [])) for o in result.objects or [])
        result = pc.ContinueRetrievePropertiesEx(result.token) if result.token else None
    return rows


def view_rows(content, root, obj_type, paths):
    view = content.viewManager.CreateContainerView(root, [obj_type], True)
    try:
        return collect(content, view, obj_type, paths)
    finally:
        view.DestroyView()


def datacenter(content, name):
    return [o for o, p in view_rows(content, content.rootFolder, vim.Datacenter, ["name"]) if p["name"] == name][0]


def wait_tasks(content, tasks):
    """One bulk read of every task per round until all are done; returns {task moid: (state, result)}."""
    done = {}
    while len(done) < len(tasks):
        for task, props in collect(content, [t for t in tasks if t._moId not in done], vim.Task,
                                   ["info.state", "info.result"]):
            if props.get("info.state") in ("success", "error"):
                done[task._moId] = (props["info.state"], props.get("info.result"))
        if len(done) < len(tasks):
            time.sleep(0.05)
    return done


def customization(ip, name):
    return vim.vm.customization.Specification(
        identity=vim.vm.customization.LinuxPrep(hostName=vim.vm.customization.FixedName(name=name),
                                                domain="localdomain"),
        nicSettingMap=[vim.vm.customization.AdapterMapping(adapter=vim.vm.customization.IPSettings(
            ip=vim.vm.customization.FixedIp(ipAddress=ip), subnetMask="255.255.0.0"))],
        globalIPSettings=vim.vm.customization.GlobalIPSettings())


def reip(ip):
    parts = ip.split(".")
    parts[1] = str(int(parts[1]) + 100)  # 10.110.x.y -> 10.210.x.y, 10.120 -> 10.220, like the bench rules
    return ".".join(parts)


def test_failover(content, dc, names, threads, state):
    props = ["name", "config.hardware.device", "config.hardware.numCPU", "config.hardware.memoryMB",
             "config.guestId", "resourcePool", "runtime.host", "parent"]
    wanted = set(names)
    replicas = [(o, p) for o, p in view_rows(content, dc, vim.VirtualMachine, props) if p["name"] in wanted]
    nets = dict((p["name"], o) for o, p in view_rows(content, dc.networkFolder, vim.Network, ["name"]))
    test_net = nets["dr-test"]
    ips = dict((vm["name"], vm["nics"][0]["ip"]) for vm in state["vms"] if vm["site"] == "site-a")
    fm, dm = content.fileManager, content.virtualDiskManager
    created, tasks = {}, []

    def chain(row):
        vm, p = row
        name = p["name"] + "-limit"
        disk = [d for d in p["config.hardware.device"] if isinstance(d, vim.vm.device.VirtualDisk)][0]
        source = disk.backing.fileName
        ds = source[1:source.index("]")]
        folder = "[%s] vmdr-limit/%s" % (ds, name)
        try:
            fm.MakeDirectory(name=folder, datacenter=dc, createParentDirectories=True)
        except vim.fault.FileAlreadyExists:
            pass
        dest = "%s/disk0.vmdk" % folder
        copy = dm.CopyVirtualDisk_Task(sourceName=source, sourceDatacenter=dc, destName=dest, destDatacenter=dc,
                                       force=False)
        ctrl = [d for d in p["config.hardware.device"] if isinstance(d, vim.vm.device.VirtualSCSIController)][0]
        changes = [
            vim.vm.device.VirtualDeviceSpec(operation="add", device=type(ctrl)(key=-100, busNumber=0,
                                                                               sharedBus="noSharing")),
            vim.vm.device.VirtualDeviceSpec(operation="add", device=vim.vm.device.VirtualDisk(
                key=-101, controllerKey=-100, unitNumber=0, capacityInKB=disk.capacityInKB,
                backing=vim.vm.device.VirtualDisk.FlatVer2BackingInfo(fileName=dest, diskMode="persistent",
                                                                      thinProvisioned=True))),
            vim.vm.device.VirtualDeviceSpec(operation="add", device=vim.vm.device.VirtualVmxnet3(
                key=-102, addressType="generated", backing=vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(
                    deviceName="dr-test", network=test_net),
                connectable=vim.vm.device.VirtualDevice.ConnectInfo(startConnected=True, connected=True)))]
        spec = vim.vm.ConfigSpec(name=name, numCPUs=p["config.hardware.numCPU"],
                                 memoryMB=p["config.hardware.memoryMB"], guestId=p["config.guestId"],
                                 files=vim.vm.FileInfo(vmPathName="[%s]" % ds), deviceChange=changes)
        create = p["parent"].CreateVM_Task(config=spec, pool=p["resourcePool"], host=p["runtime.host"])
        state_, new_vm = wait_tasks(content, [create])[create._moId]
        if state_ != "success":
            return name, None, [copy, create]
        cust = new_vm.CustomizeVM_Task(spec=customization(reip(ips[p["name"]]), p["name"]))
        power = new_vm.PowerOnVM_Task()
        return name, new_vm, [copy, create, cust, power]

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for name, vm, vm_tasks in pool.map(chain, replicas):
            tasks.extend(vm_tasks)
            if vm is not None:
                created[name] = vm
    outcome = wait_tasks(content, tasks)
    ok = all(s == "success" for s, _r in outcome.values()) and len(created) == len(replicas)
    # readiness: one bulk read per round until every copy is on, runs tools and reports its new address
    pending = dict(created)
    deadline = time.time() + 600
    while pending and time.time() < deadline:
        for vm, p in collect(content, list(pending.values()), vim.VirtualMachine,
                             ["name", "runtime.powerState", "guest.toolsRunningStatus", "guest.ipAddress"]):
            if p.get("runtime.powerState") == "poweredOn" and p.get("guest.toolsRunningStatus") == \
                    "guestToolsRunning" and p.get("guest.ipAddress", "").startswith(("10.21", "10.22")):
                pending.pop(p["name"], None)
        if pending:
            time.sleep(0.25)
    return ok and not pending, len(replicas)


def cleanup(content, dc, threads):
    vms = [(o, p) for o, p in view_rows(content, dc, vim.VirtualMachine, ["name", "runtime.powerState",
                                                                          "config.files.vmPathName"])
           if p["name"].endswith("-limit")]

    def chain(row):
        vm, p = row
        tasks = []
        if p["runtime.powerState"] == "poweredOn":
            tasks.append(vm.PowerOffVM_Task())
        tasks.append(vm.Destroy_Task())
        ds = p["config.files.vmPathName"]
        tasks.append(content.fileManager.DeleteDatastoreFile_Task(
            name="[%s] vmdr-limit/%s" % (ds[1:ds.index("]")], p["name"]), datacenter=dc))
        return tasks

    tasks = []
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for chunk in pool.map(chain, vms):
            tasks.extend(chunk)
    outcome = wait_tasks(content, tasks)
    return all(s == "success" for s, _r in outcome.values()), len(vms)


def info(state, threads):
    count = 0
    for name in ("site-a", "site-b"):
        si, content = connect(state, name)
        dc = datacenter(content, state["sites"][name]["datacenter"])
        rows = view_rows(content, dc, vim.VirtualMachine, ["name", "runtime.powerState", "config.instanceUuid",
                                                           "config.extraConfig"])
        count += sum(1 for _o, p in rows if any(o.key == "vmdr.replication" for o in p.get("config.extraConfig")
                                                or []))
        Disconnect(si)
    return True, count // 2


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab-json", required=True)
    parser.add_argument("--vms", type=int, required=True)
    parser.add_argument("--threads", type=int, default=64)
    parser.add_argument("--step", choices=["test", "cleanup", "info"], default="test")
    args = parser.parse_args()
    with open(args.lab_json) as handle:
        state = json.load(handle)
    start = time.time()
    if args.step == "info":
        ok, count = info(state, args.threads)
    else:
        si, content = connect(state, "site-b", pool=args.threads + 4)
        dc = datacenter(content, state["sites"]["site-b"]["datacenter"])
        if args.step == "test":
            ok, count = test_failover(content, dc, ["bulk-%04d" % i for i in range(1, args.vms + 1)],
                                      args.threads, state)
        else:
            ok, count = cleanup(content, dc, args.threads)
        Disconnect(si)
    print(json.dumps({"step": args.step, "vms": count, "seconds": round(time.time() - start, 3), "ok": ok}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
