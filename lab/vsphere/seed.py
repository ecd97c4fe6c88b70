"""Idempotent seeding of the two vSphere lab sites over pyvmomi (TLS verified)."""
import ipaddress
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import requests
from pyVmomi import vim

from . import guestdisk
from .connect import connect, disconnect, find_by_name, properties, retrieve, wait_task

GIB_KB = 1024 * 1024
APP_DISK_BYTES = 1024 * 1024
BULK_DISK_BYTES = 64 * 1024

SITES = {
    "site-a": {
        "role": "protected", "datacenter": "dc-a",
        # vCenter's datastore /folder wants the datacenter's inventory path as dcPath: one site keeps its
        # datacenter in a folder, so a client that sends the bare name fails in the lab as it would there
        "datacenter_folder": "region-a",
        "standard": {"prod-web": "vSwitch0"},
        "distributed": ["prod-db"],
        "isolated_vswitches": [],
        "folders": {"folder": "protected"},
    },
    "site-b": {
        "role": "recovery", "datacenter": "dc-b",
        "standard": {"dr-web": "vSwitch0", "dr-test": "vSwitch-drtest", "dr-test-bridged": "vSwitch0"},
        "distributed": ["dr-db"],
        "isolated_vswitches": ["vSwitch-drtest"],
        "folders": {"replica_folder": "vmdr-replicas", "test_folder": "vmdr-tests"},
    },
}


def _nic(network, ip, gateway=None, prefix=24):
    return {"network": network, "ip": ip, "prefix": prefix, "gateway": gateway}


PROTECTED_VMS = [
    {"name": "app-web-01", "guest_id": "otherLinux64Guest",
     "nics": [_nic("prod-web", "10.10.1.11", "10.10.1.1")]},
    {"name": "app-web-02", "guest_id": "otherLinux64Guest",
     "nics": [_nic("prod-web", "10.10.1.12", "10.10.1.1")]},
    {"name": "app-db-01", "guest_id": "windows9Server64Guest",
     "nics": [_nic("prod-db", "10.10.2.21", "10.10.2.1")]},
    {"name": "app-mq-01", "guest_id": "otherLinux64Guest",
     "nics": [_nic("prod-web", "10.10.1.31", "10.10.1.1"), _nic("prod-db", "10.10.2.31")]},
]

# Bulk VMs get their own /16 per network so any count fits.
BULK_SUBNETS = {"prod-web": ipaddress.ip_network("10.110.0.0/16"), "prod-db": ipaddress.ip_network("10.120.0.0/16")}


def bulk_vms(count):
    out = []
    for i in range(1, count + 1):
        network = "prod-web" if i % 2 else "prod-db"
        net = BULK_SUBNETS[network]
        ip = str(net.network_address + 9 + i)
        out.append({"name": "bulk-%04d" % i, "guest_id": "otherLinux64Guest", "bulk": True,
                    "nics": [_nic(network, ip, str(net.network_address + 1), net.prefixlen)]})
    return out


def vm_entries(site_name, specs):
    """The lab.json "vms" entries for seeded VMs."""
    return [{"name": s["name"], "site": site_name,
             "nics": [{k: v for k, v in n.items() if v is not None} for n in s["nics"]]} for s in specs]


class SiteSeeder:
    def __init__(self, site_name, site, ca_file, workers=8):
        self.name, self.site, self.ca_file, self.workers = site_name, site, ca_file, workers
        self.layout = SITES[site_name]
        self.si = connect(site, ca_file)
        self._http = threading.local()
        self.changes = []  # what this run created or modified (empty on a re-run)

    def close(self):
        disconnect(self.si)

    # --- inventory -------------------------------------------------------
    def datacenter(self):
        want = self.layout["datacenter"]
        dcs = {p["name"]: dc for dc, p in retrieve(self.si, vim.Datacenter, ["name"])}
        if want in dcs:
            dc = dcs[want]
        else:
            dc = dcs["DC0"]
            wait_task(self.si, dc.Rename_Task(want))
            self.changes.append("rename DC0 -> " + want)
        folder_name = self.layout.get("datacenter_folder")
        root = self.si.RetrieveContent().rootFolder
        if folder_name and properties(self.si, dc, ["parent"])["parent"] == root:
            folder = find_by_name(self.si, vim.Folder, folder_name, root) or root.CreateFolder(folder_name)
            wait_task(self.si, folder.MoveIntoFolder_Task([dc]))
            self.changes.append("datacenter %s into folder %s" % (want, folder_name))
        return dc

    def datacenter_path(self):
        """The inventory path of the datacenter: what /folder wants as dcPath."""
        folder = self.layout.get("datacenter_folder")
        return "%s/%s" % (folder, self.layout["datacenter"]) if folder else self.layout["datacenter"]

    def discover(self):
        self.dc = self.datacenter()
        dc_props = properties(self.si, self.dc, ["vmFolder", "networkFolder", "datastore"])
        self.vm_folder, self.net_folder = dc_props["vmFolder"], dc_props["networkFolder"]
        clusters = retrieve(self.si, vim.ClusterComputeResource, ["name", "host", "resourcePool"], self.dc)
        self.cluster, cprops = sorted(clusters, key=lambda c: c[1]["name"])[0]
        self.cluster_name, self.pool = cprops["name"], cprops["resourcePool"]
        hosts = retrieve(self.si, vim.HostSystem, ["name", "configManager.networkSystem"], self.cluster)
        self.hosts = sorted(hosts, key=lambda h: h[1]["name"])
        self.datastore = properties(self.si, dc_props["datastore"][0], ["name"])["name"]
        self.dvs = retrieve(self.si, vim.DistributedVirtualSwitch, ["uuid"], self.dc)[0]

    def network_info(self, host_props):
        return properties(self.si, host_props["configManager.networkSystem"], ["networkInfo"])["networkInfo"]

    # --- networks --------------------------------------------------------
    def ensure_networks(self):
        first = self.hosts[0][1]
        for vswitch in self.layout["isolated_vswitches"]:
            for _, hp in self.hosts:  # a vSwitch without pnic/bridge = no uplink
                if vswitch not in [v.name for v in self.network_info(hp).vswitch]:
                    hp["configManager.networkSystem"].AddVirtualSwitch(
                        vswitchName=vswitch, spec=vim.host.VirtualSwitch.Specification(numPorts=128))
                    self.changes.append("vswitch %s on %s" % (vswitch, hp["name"]))
        existing = {p["name"] for _, p in retrieve(self.si, vim.Network, ["name"], self.net_folder)}
        for name, vswitch in self.layout["standard"].items():
            if name not in existing:
                # One host only: vcsim refuses a second same-named portgroup per
                # datacenter; the launcher mirrors it to the other cluster hosts.
                first["configManager.networkSystem"].AddPortGroup(portgrp=vim.host.PortGroup.Specification(
                    name=name, vlanId=0, vswitchName=vswitch, policy=vim.host.NetworkPolicy()))
                self.changes.append("portgroup " + name)
        for name in self.layout["distributed"]:
            if name not in existing:
                wait_task(self.si, self.dvs[0].AddDVPortgroup_Task([vim.dvs.DistributedVirtualPortgroup.ConfigSpec(
                    name=name, type="earlyBinding", numPorts=64)]))
                self.changes.append("dvportgroup " + name)
        self.wait_mirrored(list(self.layout["standard"]))

    def wait_mirrored(self, names, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            missing = [(hp["name"], n) for _, hp in self.hosts for n in names
                       if n not in [pg.spec.name for pg in self.network_info(hp).portgroup]]
            if not missing:
                return
            if time.monotonic() > deadline:
                raise TimeoutError("portgroups not on all cluster hosts: %s" % missing)
            time.sleep(0.1)

    def networks(self):
        """name -> standard | distributed | isolated for this site's lab networks."""
        out = {}
        isolated = set(self.layout["isolated_vswitches"])
        for name, vswitch in self.layout["standard"].items():
            out[name] = "isolated" if vswitch in isolated else "standard"
        for name in self.layout["distributed"]:
            out[name] = "distributed"
        return out

    def ensure_folders(self):
        existing = {p["name"]: f for f, p in retrieve(self.si, vim.Folder, ["name"], self.vm_folder)}
        for name in self.layout["folders"].values():
            if name not in existing:
                existing[name] = self.vm_folder.CreateFolder(name)
                self.changes.append("folder " + name)
        return existing

    # --- VMs -------------------------------------------------------------
    def load_backings(self):
        self.backings = {}
        for pg, p in retrieve(self.si, vim.dvs.DistributedVirtualPortgroup, ["name", "key"], self.dc):
            self.backings[p["name"]] = vim.vm.device.VirtualEthernetCard.DistributedVirtualPortBackingInfo(
                port=vim.dvs.PortConnection(switchUuid=self.dvs[1]["uuid"], portgroupKey=p["key"]))
        for net, p in retrieve(self.si, vim.Network, ["name"], self.net_folder):
            if not isinstance(net, vim.dvs.DistributedVirtualPortgroup):
                self.backings[p["name"]] = vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(
                    deviceName=p["name"], network=net)

    def config_spec(self, spec, disk_kb):
        name = spec["name"]
        controller = vim.vm.device.ParaVirtualSCSIController(key=-100, busNumber=0, sharedBus="noSharing")
        disk = vim.vm.device.VirtualDisk(
            key=-101, controllerKey=-100, unitNumber=0, capacityInKB=disk_kb,
            backing=vim.vm.device.VirtualDisk.FlatVer2BackingInfo(
                fileName="[%s] %s/%s.vmdk" % (self.datastore, name, name), diskMode="persistent",
                thinProvisioned=True))
        changes = [vim.vm.device.VirtualDeviceSpec(operation="add", device=controller),
                   vim.vm.device.VirtualDeviceSpec(operation="add", fileOperation="create", device=disk)]
        for i, nic in enumerate(spec["nics"]):
            card = vim.vm.device.VirtualVmxnet3(
                key=-200 - i, addressType="generated", backing=self.backings[nic["network"]],
                connectable=vim.vm.device.VirtualDevice.ConnectInfo(
                    startConnected=True, connected=True, allowGuestControl=True))
            changes.append(vim.vm.device.VirtualDeviceSpec(operation="add", device=card))
        return vim.vm.ConfigSpec(name=name, guestId=spec["guest_id"], numCPUs=2, memoryMB=1024,
                                 files=vim.vm.FileInfo(vmPathName="[%s]" % self.datastore),
                                 deviceChange=changes)

    def http(self):
        if not hasattr(self._http, "session"):
            s = requests.Session()
            s.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment replaces verify
            s.verify, s.auth = self.ca_file, (self.site["username"], self.site["password"])
            self._http.session = s
        return self._http.session

    def folder_url(self, ds_path):
        return "https://%s:%d/folder/%s" % (self.site["hostname"], self.site["port"], quote(ds_path))

    def ensure_guest_disk(self, vm, spec):
        """The VM's disk holds its guest identity and data (-flat) and a descriptor naming that extent."""
        devices = properties(self.si, vm, ["config.hardware.device"])["config.hardware.device"]
        disk = next(d for d in devices if isinstance(d, vim.vm.device.VirtualDisk))
        descriptor_path = disk.backing.fileName.split("] ", 1)[1]
        ds_path = descriptor_path.replace(".vmdk", "-flat.vmdk")
        size = BULK_DISK_BYTES if spec.get("bulk") else APP_DISK_BYTES
        image = guestdisk.disk_image(guestdisk.identity(spec["name"], spec["nics"]), size, "vmdrlab:" + spec["name"])
        params = {"dcPath": self.datacenter_path(), "dsName": self.datastore}
        r = self.http().get(self.folder_url(ds_path), params=params,
                            headers={"Range": "bytes=0-%d" % (guestdisk.HEADER_SIZE - 1)})
        total = r.headers.get("Content-Range", "").rpartition("/")[2]
        if r.status_code == 206 and r.content == image[:guestdisk.HEADER_SIZE] and total == str(len(image)):
            return
        self.http().put(self.folder_url(ds_path), params=params, data=image).raise_for_status()
        self.http().put(self.folder_url(descriptor_path), params=params,
                        data=guestdisk.descriptor(ds_path.rsplit("/", 1)[-1], size)).raise_for_status()
        self.changes.append("guest disk " + spec["name"])

    def ensure_vm(self, spec, folder):
        vm = self.existing_vms.get(spec["name"])
        if vm is None:
            disk_kb = GIB_KB // 16 if spec.get("bulk") else GIB_KB
            vm = wait_task(self.si, folder.CreateVM_Task(config=self.config_spec(spec, disk_kb), pool=self.pool),
                           result=True)
            self.changes.append("vm " + spec["name"])
        self.ensure_guest_disk(vm, spec)
        if properties(self.si, vm, ["runtime.powerState"])["runtime.powerState"] != "poweredOn":
            wait_task(self.si, vm.PowerOnVM_Task())
            self.changes.append("power on " + spec["name"])
        return vm

    def wait_guests(self, specs, timeout=60):
        """Until every seeded guest reports tools running and its primary IP."""
        want = {s["name"]: s["nics"][0]["ip"] for s in specs}
        deadline = time.monotonic() + timeout
        while True:
            seen = {p["name"]: p for _, p in retrieve(
                self.si, vim.VirtualMachine, ["name", "guest.toolsRunningStatus", "guest.ipAddress"], self.dc)}
            pending = [n for n, ip in want.items()
                       if seen.get(n, {}).get("guest.toolsRunningStatus") != "guestToolsRunning"
                       or seen.get(n, {}).get("guest.ipAddress") != ip]
            if not pending:
                return
            if time.monotonic() > deadline:
                raise TimeoutError("guests not up: %s" % pending[:10])
            time.sleep(0.1)

    def add_guest(self, spec):
        """Create (if missing), give an identity to and power on one VM in the
        datacenter's VM folder: a helper for tests (spec as in PROTECTED_VMS)."""
        self.discover()
        self.load_backings()
        self.existing_vms = {p["name"]: vm for vm, p in retrieve(self.si, vim.VirtualMachine, ["name"], self.dc)}
        return self.ensure_vm(spec, self.vm_folder)

    # --- entry point -----------------------------------------------------
    def seed(self, extra_vms=0):
        self.discover()
        self.ensure_networks()
        folders = self.ensure_folders()
        self.load_backings()
        specs = []
        if self.layout["role"] == "protected":
            specs = PROTECTED_VMS + bulk_vms(extra_vms)
            folder = folders[self.layout["folders"]["folder"]]
            self.existing_vms = {p["name"]: vm for vm, p in retrieve(self.si, vim.VirtualMachine, ["name"], self.dc)}
            with ThreadPoolExecutor(max_workers=self.workers) as pool:
                list(pool.map(lambda s: self.ensure_vm(s, folder), specs))
            self.wait_guests(specs)
        facts = {
            "role": self.layout["role"], "datacenter": self.layout["datacenter"],
            "datacenter_path": self.datacenter_path(),
            "cluster": self.cluster_name, "resource_pool": "Resources", "host": self.hosts[0][1]["name"],
            "datastore": self.datastore, "networks": self.networks(),
        }
        facts.update(self.layout["folders"])
        return facts, vm_entries(self.name, specs)


def seed_site(site_name, site, ca_file, extra_vms=0, workers=8):
    """Seed one site; returns (site facts for lab.json, lab.json "vms" entries)."""
    seeder = SiteSeeder(site_name, site, ca_file, workers)
    try:
        return seeder.seed(extra_vms)
    finally:
        seeder.close()
