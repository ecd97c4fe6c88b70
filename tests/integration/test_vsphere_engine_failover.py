"""vSphere as an adapter of the provider-independent DR engine: planned and unplanned failover through the real
failover module against a lab of its own (placements, compensation, re-IP that can be replaced, readiness)."""
import pytest

from tests.integration import vcenter
from tests.integration.lab_session import Lab
from tests.integration.test_failover_live import BothRunningWatch

LIVE = {"prod-web": "dr-web", "prod-db": "dr-db"}
REPLICAS = {"cluster": "DC0_C0", "datastore": "LocalDS_0", "folder": "vmdr-replicas"}
# the lab has one datastore and one cluster (with the recovery networks) per site, but several VM folders: a second
# placement is another folder
ELSEWHERE = {"cluster": "DC0_C0", "datastore": "LocalDS_0", "folder": "vmdr-tests"}
WEB_RULE = {"source": "10.110.0.0/16", "target": "10.210.0.0/16"}
PATHS = ("name", "runtime.powerState", "config.extraConfig", "guest.ipAddress", "parent",
         "config.tools.pendingCustomization")


def web_ip(name, subnet="10.110"):
    """The address the lab gives bulk-NNNN (odd numbers are on prod-web, 10.110.0.0/16)."""
    return "%s.0.%d" % (subnet, int(name.split("-")[1]) + 9)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A lab of its own: these tests stop sources and break promotions, which the shared lab's tests must not see."""
    own = Lab.start(str(tmp_path_factory.mktemp("vsphere-engine-lab")), extra_vms=12)
    yield own
    own.stop()


@pytest.fixture(scope="module")
def sites(lab):
    from pyVim.connect import Disconnect
    a, b = lab.connect("site-a"), lab.connect("site-b")
    yield a, b
    Disconnect(a)
    Disconnect(b)


def truth(sites, name):
    a, b = sites
    source, replica = vcenter.one(a, name, paths=PATHS), vcenter.one(b, name, paths=PATHS)
    return {"source_power": source["runtime.powerState"], "source_role": (vcenter.record(source) or {}).get("role"),
            "replica_power": replica["runtime.powerState"],
            "replica_role": (vcenter.record(replica) or {}).get("role"), "replica_ip": replica.get("guest.ipAddress"),
            "pending": replica.get("config.tools.pendingCustomization"), "replica": replica}


def enable(lab, names, placement=None):
    result = lab.module("replica_enable", {"vms": names, "placement": placement or REPLICAS,
                                           "network_map": {"live": LIVE}})
    assert result["changed"] and not result["failed"], result


def planned(names, rules=(dict(WEB_RULE, gateway="10.210.0.1"),), **extra):
    args = {"mode": "planned", "vms": names, "network_map": {"live": LIVE}, "reip": {"rules": list(rules)},
            "ready_timeout": 60, "shutdown_timeout": 60}
    args.update(extra)
    return args


def test_planned_failover_of_vms_whose_replicas_have_different_placements(lab, sites):
    names = ["bulk-0001", "bulk-0003"]
    enable(lab, names[:1])
    enable(lab, names[1:], ELSEWHERE)
    folders = dict((n, vcenter.one(sites[1], n, paths=PATHS)["parent"].name) for n in names)
    assert folders == {"bulk-0001": "vmdr-replicas", "bulk-0003": "vmdr-tests"}

    checked = lab.module("failover", planned(names), check=True)
    assert checked["changed"] and not checked["failed"], checked
    assert all(truth(sites, n)["source_power"] == "poweredOn" for n in names)

    with BothRunningWatch(lab, names[1]) as watch:
        result = lab.module("failover", planned(names))
    assert result["changed"] and not result["failed"], result
    assert watch.samples > 3 and not watch.seen_both
    for vm, name in zip(result["vms"], names):
        assert vm["achieved_rpo_seconds"] == 0 and vm["recovery_point"]["id"] != "(final sync)", vm
        assert vm["ready"] and vm["addresses_seen"] == vm["addresses_expected"] == [web_ip(name, "10.210")], vm
        seen = truth(sites, name)
        assert (seen["source_power"], seen["source_role"]) == ("poweredOff", "failed_over"), seen
        assert (seen["replica_power"], seen["replica_role"]) == ("poweredOn", "promoted"), seen
        assert seen["replica_ip"] == web_ip(name, "10.210")
    assert lab.module("failover", planned(names))["changed"] is False


def test_a_fault_at_promotion_starts_the_source_again_and_the_result_says_so(lab, sites):
    """Three VMs in one call: one whose re-IP customization fails at the recovery site (promote replica), one whose
    final sync fails (its replica cannot be reconfigured), one healthy. Only the healthy one fails over; the others
    are put back as they were, and their results list what was undone."""
    at_promotion, at_sync, healthy = names = ["bulk-0005", "bulk-0007", "bulk-0009"]
    enable(lab, names)
    lab.lab_cli("disable", "site-b", at_promotion, "CustomizeVM_Task")
    lab.lab_cli("disable", "site-b", at_sync, "ReconfigVM_Task")
    try:
        result = lab.module("failover", planned(names))
    finally:
        lab.lab_cli("enable", "site-b", at_promotion, "CustomizeVM_Task")
        lab.lab_cli("enable", "site-b", at_sync, "ReconfigVM_Task")
    assert result["failed"] and result["changed"], result
    vms = dict((vm["name"], vm) for vm in result["vms"])
    assert sorted(n for n, vm in vms.items() if vm["failed"]) == [at_promotion, at_sync], result
    for name in (at_promotion, at_sync):
        seen = truth(sites, name)
        assert (seen["source_power"], seen["source_role"]) == ("poweredOn", "source"), (name, seen)
        assert (seen["replica_power"], seen["replica_role"]) == ("poweredOff", "replica"), (name, seen)
        assert "customization" not in vcenter.record(seen["replica"]), name

    promo = vms[at_promotion]
    # the error is located at the engine's step; the adapter's own step leads the message
    assert promo["error"]["site"] == "site-b" and promo["error"]["step"] == "promote replica"
    assert promo["error"]["message"].startswith("apply re-IP by guest customization: "), promo
    assert promo["error"]["fault"] == "MethodDisabled" and promo["promotion_undone"] is True, promo
    ran = promo["compensation"]["ran"]
    assert [r["step"] for r in ran] == ["unfence source", "cancel the prepared failover", "start source again"], ran
    assert all(r["ok"] for r in ran) and ran[0]["changed"] and ran[-1]["changed"], ran
    sync_ran = vms[at_sync]["compensation"]["ran"]
    assert vms[at_sync]["error"]["step"] == "final recovery point" and vms[at_sync]["error"]["site"] == "site-b"
    assert vms[at_sync]["error"]["message"].startswith("create or update replica: "), vms[at_sync]
    assert [r["step"] for r in sync_ran] == ["start source again"] and sync_ran[0]["ok"], sync_ran
    seen = truth(sites, healthy)
    wanted = ("poweredOff", "poweredOn", "promoted")
    assert (seen["source_power"], seen["replica_power"], seen["replica_role"]) == wanted, seen
    assert not vms[healthy]["failed"] and "compensation" not in vms[healthy]

    rerun = lab.module("failover", planned(names))
    assert rerun["changed"] and not rerun["failed"], rerun
    for name in names:
        seen = truth(sites, name)
        assert (seen["source_power"], seen["replica_power"], seen["replica_ip"]) == (
            "poweredOff", "poweredOn", web_ip(name, "10.210")), (name, seen)


def test_a_staged_reip_can_be_replaced_and_is_applied_once_at_failover(lab, sites):
    name = "bulk-0011"
    enable(lab, [name])
    first = lab.module("reip", {"vms": [name], "rules": [WEB_RULE]})
    assert first["changed"] and not first["failed"], first
    other = lab.module("reip", {"vms": [name], "rules": [WEB_RULE],
                                "overrides": {name: [{"nic": 0, "ip": "10.210.0.200/16"}]}})
    assert other["changed"] and not other["failed"], other
    assert other["vms"][0]["nics"][0]["target_ip"] == "10.210.0.200"
    assert not truth(sites, name)["pending"]  # staged in the record; nothing is pending on the replica yet

    # the same rule plus a gateway: a third plan, applied as the one customization right before the power-on
    checked = lab.module("failover", planned([name]), check=True)
    assert checked["changed"] and not checked["failed"], checked
    assert checked["vms"][0]["state"]["replica_power"] == "poweredOn"
    assert checked["vms"][0]["reip"][0]["gateway"] == "10.210.0.1"
    result = lab.module("failover", planned([name]))
    assert result["changed"] and not result["failed"], result
    [vm] = result["vms"]
    assert vm["addresses_seen"] == vm["addresses_expected"] == [web_ip(name, "10.210")], vm
    seen = truth(sites, name)
    assert (seen["source_power"], seen["source_role"]) == ("poweredOff", "failed_over")
    assert (seen["replica_power"], seen["replica_ip"], seen["pending"]) == ("poweredOn", web_ip(name, "10.210"), None)
    record = vcenter.record(seen["replica"])
    assert record["reip"]["nics"][0]["gateway"] == "10.210.0.1" and record["customization"]["nics"][0]["gateway"]


def test_a_pending_customization_that_cannot_be_replaced_is_refused_before_the_source_is_touched(lab, sites):
    """A customization pending on the replica (staged outside this call, as earlier versions' reip did) would make the
    failover's own one fail after the source was stopped: the call is refused first, in check mode too."""
    from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import guest
    name = "bulk-0002"
    enable(lab, [name])
    foreign = [{"index": 0, "action": "override", "target_ip": "10.220.0.99", "target_prefix": 16, "gateway": None,
                "dns": [], "dns_suffix": None}]
    replica = truth(sites, name)["replica"]
    assert vcenter.wait_task(replica["obj"].CustomizeVM_Task(spec=guest.customization_spec(foreign, name))) == "success"
    args = planned([name], rules=[{"source": "10.120.0.0/16", "target": "10.220.0.0/16", "gateway": "10.220.0.1"}])
    for check in (True, False):
        refused = lab.module("failover", args, check=check)
        assert refused["failed"] and not refused["changed"], refused
        assert refused["error"]["vm"] == name and refused["error"]["step"] == "check staged guest customization"
        assert "pending" in refused["msg"] and "Nothing was changed" in refused["msg"], refused
        seen = truth(sites, name)
        assert (seen["source_power"], seen["source_role"]) == ("poweredOn", "source"), seen
        assert (seen["replica_power"], seen["replica_role"]) == ("poweredOff", "replica"), seen
    staging = lab.module("reip", {"vms": [name], "rules": args["reip"]["rules"]})
    assert staging["failed"] and "pending" in staging["msg"], staging


def test_readiness_fails_a_vm_that_does_not_show_its_promised_address(lab, sites):
    """The record promises one address (a plan staged as earlier versions did: in the record, with a customization
    pending), the customization actually pending gives another: the VM is not called ready, and the failure names
    both lists."""
    import json
    from pyVmomi import vim
    from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import guest, metadata
    name = "bulk-0004"
    enable(lab, [name])
    promised = web_ip(name, "10.220")
    plan = [{"index": 0, "network": "prod-db", "source_ip": web_ip(name, "10.120"), "source_prefix": 16,
             "action": "translate", "rule": 0, "target_ip": promised, "target_prefix": 16, "gateway": None, "dns": [],
             "dns_suffix": None}]
    other = [dict(plan[0], action="override", rule=None, target_ip="10.220.0.77")]
    replica = truth(sites, name)["replica"]
    record = dict(vcenter.record(replica), reip={"hash": guest.plan_hash(plan), "nics": plan})
    spec = vim.vm.ConfigSpec(extraConfig=[vim.option.OptionValue(key=metadata.REPLICATION_KEY,
                                                                 value=json.dumps(record))])
    assert vcenter.wait_task(replica["obj"].ReconfigVM_Task(spec=spec)) == "success"
    assert vcenter.wait_task(replica["obj"].CustomizeVM_Task(spec=guest.customization_spec(other, name))) == "success"
    result = lab.module("failover", {"mode": "unplanned", "vms": [name], "network_map": {"live": LIVE},
                                     "allow_source_running": True, "ready_timeout": 5})
    assert result["failed"], result
    [vm] = result["vms"]
    assert vm.get("ready") is False and vm["addresses_expected"] == [promised], vm
    assert vm["addresses_seen"] == ["10.220.0.77"], vm
    assert vm["error"]["step"] == "wait until ready" and vm["error"]["site"] == "site-b", vm
    assert promised in vm["error"]["message"] and "10.220.0.77" in vm["error"]["message"], vm
    assert vm["compensation"]["reason"] == "past the point of no return"
    assert truth(sites, name)["replica_power"] == "poweredOn"
