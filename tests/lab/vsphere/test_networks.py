"""Networks: uplinked production/recovery portgroups, the isolated test network."""
from pyVmomi import vim


def _network_info(si, vconnect, cluster):
    """{host name: HostNetworkInfo} for the hosts of the named cluster."""
    clusters = {p["name"]: c for c, p in vconnect.retrieve(si, vim.ClusterComputeResource, ["name"])}
    hosts = vconnect.retrieve(si, vim.HostSystem, ["name", "configManager.networkSystem"], clusters[cluster])
    assert len(hosts) == 3
    return {p["name"]: vconnect.properties(si, p["configManager.networkSystem"], ["networkInfo"])["networkInfo"]
            for _, p in hosts}


def _portgroup_vswitch(info, portgroup):
    vswitch = {pg.spec.name: pg.spec.vswitchName for pg in info.portgroup}[portgroup]
    return {v.name: v for v in info.vswitch}[vswitch]


def test_recovery_test_network_is_isolated_and_bridged_one_is_not(vsphere_lab, site_si, vconnect):
    site = vsphere_lab["sites"]["site-b"]
    for host, info in _network_info(site_si("site-b"), vconnect, site["cluster"]).items():
        isolated = _portgroup_vswitch(info, "dr-test")
        assert isolated.name == "vSwitch-drtest" and not isolated.pnic, host
        for name in ("dr-web", "dr-test-bridged"):
            uplinked = _portgroup_vswitch(info, name)
            assert uplinked.name == "vSwitch0" and list(uplinked.pnic) == ["key-vim.host.PhysicalNic-vmnic0"], host


def test_production_network_is_uplinked(vsphere_lab, site_si, vconnect):
    site = vsphere_lab["sites"]["site-a"]
    for host, info in _network_info(site_si("site-a"), vconnect, site["cluster"]).items():
        assert _portgroup_vswitch(info, "prod-web").pnic, host


def test_networks_in_state_exist_with_their_kind(vsphere_lab, site_si, vconnect):
    for name, site in vsphere_lab["sites"].items():
        found = {p["name"]: n for n, p in vconnect.retrieve(site_si(name), vim.Network, ["name"])}
        for network, kind in site["networks"].items():
            is_dvpg = isinstance(found[network], vim.dvs.DistributedVirtualPortgroup)
            assert is_dvpg == (kind == "distributed"), network


def test_vms_on_any_cluster_host_use_prod_web_by_name(vsphere_lab, site_si, vconnect):
    si = site_si("site-a")
    prod_web, = [(n, p) for n, p in vconnect.retrieve(si, vim.Network, ["name", "host"]) if p["name"] == "prod-web"]
    vms = {p["name"]: p for _, p in vconnect.retrieve(si, vim.VirtualMachine, ["name", "network", "runtime.host"])}
    for vm in vsphere_lab["vms"]:
        if any(n["network"] == "prod-web" for n in vm["nics"]):
            assert prod_web[0] in vms[vm["name"]]["network"]
            assert vms[vm["name"]]["runtime.host"] in prod_web[1]["host"]


def test_recovery_site_has_folders_and_no_protected_vm(vsphere_lab, site_si, vconnect):
    si, site = site_si("site-b"), vsphere_lab["sites"]["site-b"]
    folders = {p["name"] for _, p in vconnect.retrieve(si, vim.Folder, ["name"])}
    assert {site["replica_folder"], site["test_folder"]} <= folders
    names = {p["name"] for _, p in vconnect.retrieve(si, vim.VirtualMachine, ["name"])}
    assert not names & {vm["name"] for vm in vsphere_lab["vms"]}
