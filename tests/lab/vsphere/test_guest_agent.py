"""The launcher's guest agent: tools status and guest IPs from the disk header."""
import time

import pytest
import requests
from pyVmomi import vim

PROPS = ["runtime.powerState", "guest.toolsRunningStatus", "guest.toolsStatus", "guest.ipAddress",
         "guest.hostName", "guest.net", "guestHeartbeatStatus", "summary.quickStats.guestHeartbeatStatus",
         "summary.guest.toolsStatus"]


@pytest.fixture
def guest(vconnect):
    def read(si, vm):
        return vconnect.properties(si, vm, PROPS)
    return read


@pytest.fixture
def wait_tools(guest, wait_for):
    def wait(si, vm, status, ip=None):
        def ready():
            g = guest(si, vm)
            ok = g.get("guest.toolsRunningStatus") == status and (ip is None or g.get("guest.ipAddress") == ip)
            return g if ok else None
        return wait_for(ready, what="%s %s %s" % (vm, status, ip or ""))
    return wait


def _nic_ips(g):
    return [list(n.ipAddress) for n in g.get("guest.net", [])]


def test_power_cycle_reports_tools_state_and_ips_from_disk(site_si, find_vm, vconnect, wait_tools):
    si = site_si("site-a")
    vm = find_vm(si, "app-mq-01")
    vconnect.wait_task(si, vm.PowerOffVM_Task())
    off = wait_tools(si, vm, "guestToolsNotRunning")
    assert off["guest.toolsStatus"] == "toolsNotRunning"
    assert off["guestHeartbeatStatus"] == "gray" == off["summary.quickStats.guestHeartbeatStatus"]
    assert not off.get("guest.ipAddress") and _nic_ips(off) == [[], []]

    started = time.monotonic()
    vconnect.wait_task(si, vm.PowerOnVM_Task())
    on = wait_tools(si, vm, "guestToolsRunning")
    assert time.monotonic() - started >= 0.3  # -guest-boot-ms 300: tools never before the guest booted
    assert on["guest.toolsStatus"] == "toolsOk" == on["summary.guest.toolsStatus"]
    assert on["guestHeartbeatStatus"] == "green" == on["summary.quickStats.guestHeartbeatStatus"]
    assert on["guest.ipAddress"] == "10.10.1.31" and on["guest.hostName"] == "app-mq-01"
    assert _nic_ips(on) == [["10.10.1.31"], ["10.10.2.31"]]
    assert [n.network for n in on["guest.net"]] == ["prod-web", "prod-db"]
    assert [a.prefixLength for n in on["guest.net"] for a in n.ipConfig.ipAddress] == [24, 24]


@pytest.fixture
def scratch_vm(vsphere_lab, lab_module, site_si, vconnect):
    """add(name, ip) -> a new powered-on guest on prod-web; destroyed afterwards."""
    seed = lab_module("vsphere.seed")
    seeder = seed.SiteSeeder("site-a", vsphere_lab["sites"]["site-a"], vsphere_lab["ca_file"])
    created = []

    def add(name, ip):
        vm = seeder.add_guest({"name": name, "guest_id": "otherLinux64Guest",
                               "nics": [{"network": "prod-web", "ip": ip, "prefix": 24, "gateway": "10.10.1.1"}]})
        created.append(vm)
        return vm

    yield add
    si = site_si("site-a")
    for vm in created:
        if vconnect.properties(si, vm, ["runtime.powerState"])["runtime.powerState"] == "poweredOn":
            vconnect.wait_task(si, vm.PowerOffVM_Task())
        vconnect.wait_task(si, vm.Destroy_Task())
    seeder.close()


def _power_cycle(si, vm, vconnect, wait_tools, ip):
    vconnect.wait_task(si, vm.PowerOffVM_Task())
    wait_tools(si, vm, "guestToolsNotRunning")
    vconnect.wait_task(si, vm.PowerOnVM_Task())
    return wait_tools(si, vm, "guestToolsRunning", ip)


def _customization(hostname, ip, mask, gateway):
    return vim.vm.customization.Specification(
        identity=vim.vm.customization.LinuxPrep(hostName=vim.vm.customization.FixedName(name=hostname),
                                                domain="dr.example"),
        globalIPSettings=vim.vm.customization.GlobalIPSettings(),
        nicSettingMap=[vim.vm.customization.AdapterMapping(adapter=vim.vm.customization.IPSettings(
            ip=vim.vm.customization.FixedIp(ipAddress=ip), subnetMask=mask, gateway=[gateway]))])


def _flat_header(vsphere_lab, name):
    site = vsphere_lab["sites"]["site-a"]
    r = requests.get("https://%s:%d/folder/%s/%s-flat.vmdk" % (site["hostname"], site["port"], name, name),
                     params={"dcPath": site["datacenter_path"], "dsName": site["datastore"]},
                     headers={"Range": "bytes=0-4095"}, auth=(site["username"], site["password"]),
                     verify=vsphere_lab["ca_file"], timeout=10)
    assert r.status_code == 206
    return r.content


def test_customized_ip_is_applied_and_persists(vsphere_lab, site_si, vconnect, scratch_vm, wait_tools, lab_module):
    si = site_si("site-a")
    vm = scratch_vm("lab-cust-01", "10.10.1.91")
    wait_tools(si, vm, "guestToolsRunning", "10.10.1.91")
    vconnect.wait_task(si, vm.PowerOffVM_Task())
    vconnect.wait_task(si, vm.CustomizeVM_Task(_customization("cust-dr-01", "10.20.1.91", "255.255.255.0",
                                                              "10.20.1.1")))
    vconnect.wait_task(si, vm.PowerOnVM_Task())
    on = wait_tools(si, vm, "guestToolsRunning", "10.20.1.91")
    assert on["guest.hostName"] == "cust-dr-01"

    again = _power_cycle(si, vm, vconnect, wait_tools, "10.20.1.91")
    assert again["guest.hostName"] == "cust-dr-01"
    guestdisk = lab_module("vsphere.guestdisk")
    assert guestdisk.parse_header(_flat_header(vsphere_lab, "lab-cust-01")) == {
        "hostname": "cust-dr-01", "nics": [{"ip": "10.20.1.91", "prefix": 24, "gateway": "10.20.1.1"}]}


def test_copied_disk_boots_with_the_source_identity(vsphere_lab, site_si, vconnect, scratch_vm, wait_tools):
    """A replica booted without re-IP comes up with the source IP, as in reality."""
    si, site = site_si("site-a"), vsphere_lab["sites"]["site-a"]
    vm = scratch_vm("lab-copy-01", "10.10.1.92")
    vconnect.wait_task(si, vm.PowerOffVM_Task())
    base = "https://%s:%d/folder/" % (site["hostname"], site["port"])
    params = {"dcPath": site["datacenter_path"], "dsName": site["datastore"]}
    kw = dict(params=params, auth=(site["username"], site["password"]), verify=vsphere_lab["ca_file"], timeout=10)
    source = requests.get(base + "app-web-01/app-web-01-flat.vmdk", **kw)
    assert source.status_code == 200
    requests.put(base + "lab-copy-01/lab-copy-01-flat.vmdk", data=source.content, **kw).raise_for_status()
    vconnect.wait_task(si, vm.PowerOnVM_Task())
    on = wait_tools(si, vm, "guestToolsRunning", "10.10.1.11")
    assert on["guest.hostName"] == "app-web-01"
