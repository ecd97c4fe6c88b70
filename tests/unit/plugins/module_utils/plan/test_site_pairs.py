import pytest

from ansible_collections.vmdr.replication.plugins.module_utils.plan.schema import plan_problems
from ansible_collections.vmdr.replication.plugins.module_utils.plan.site_pairs import batches

SITES = {"site-a": {"provider": "vsphere"}, "site-b": {"provider": "vsphere"},
         "hv-a": {"provider": "hyperv"}, "hv-b": {"provider": "hyperv"}}


def mixed(**extra):
    plan = {"plan": {"name": "mixed"}, "protected_site": "site-a", "recovery_site": "site-b", "sites": dict(SITES),
            "policy": {"rpo": 15}, "placement": {"cluster": "c1"}, "network_map": {"live": {"p": "d"}},
            "site_pairs": {"hyperv": {"protected_site": "hv-a", "recovery_site": "hv-b", "policy": {"rpo": 5},
                                      "placement": {}}},
            "vms": [{"name": "db", "priority": 1}, {"name": "hv-db", "provider": "hyperv", "priority": 1},
                    {"name": "web", "provider": "vsphere", "priority": 2, "depends_on": ["hv-db"]}]}
    plan.update(extra)
    return dict((key, value) for key, value in plan.items() if value is not None)


def test_a_mixed_plan_splits_into_one_batch_per_provider_with_its_sites_and_overrides():
    plan = mixed()
    assert plan_problems(plan) == []
    assert batches(plan) == [
        {"provider": "vsphere", "protected_site": "site-a", "recovery_site": "site-b", "vms": ["db", "web"],
         "policy": {"rpo": 15}, "placement": {"cluster": "c1"}, "network_map": {"live": {"p": "d"}}},
        {"provider": "hyperv", "protected_site": "hv-a", "recovery_site": "hv-b", "vms": ["hv-db"],
         "policy": {"rpo": 5}, "placement": {}, "network_map": {"live": {"p": "d"}}},
    ]
    # one wave's VMs, in the wave's order
    assert [(b["provider"], b["vms"]) for b in batches(plan, ["hv-db", "db"])] == [("hyperv", ["hv-db"]),
                                                                                   ("vsphere", ["db"])]


def test_a_single_provider_plan_is_one_batch_of_its_default_pair():
    plan = mixed(site_pairs=None, protected_site="hv-a", recovery_site="hv-b",
                 vms=[{"name": "a"}, {"name": "b", "provider": "hyperv"}])
    assert plan_problems(plan) == []
    [batch] = batches(plan)
    assert (batch["provider"], batch["protected_site"], batch["vms"]) == ("hyperv", "hv-a", ["a", "b"])


def test_pair_problems_are_all_reported():
    plan = mixed(site_pairs={"hyperv": {"protected_site": "site-a", "recovery_site": "nowhere"},
                             "xen": {"protected_site": "hv-a", "recovery_site": "hv-b"}})
    lines = [(p["path"], p["message"]) for p in plan_problems(plan)]
    assert ("site_pairs.hyperv", "protected_site 'site-a' is a vsphere site") in lines
    assert ("site_pairs.hyperv", "recovery_site 'nowhere' is not one of the plan's sites (hv-a, hv-b, site-a, "
            "site-b)") in lines
    assert ("site_pairs", "has provider 'xen'; use vsphere or hyperv") in lines

    no_pair = mixed(site_pairs={})
    assert [(p["check"], p["path"], p["vm"]) for p in plan_problems(no_pair)] == [("provider", "vms[1]", "hv-db")]
    same = mixed(site_pairs={"hyperv": {"protected_site": "hv-a", "recovery_site": "hv-a"}}, recovery_site="hv-b")
    assert [(p["path"], p["message"]) for p in plan_problems(same)] == [
        ("", "protected_site 'site-a' is a vsphere site and recovery_site 'hv-b' a hyperv site; a pair has two "
             "sites of one provider"),
        ("site_pairs.hyperv", "protected_site and recovery_site are the same site 'hv-a'")]
    with pytest.raises(ValueError, match="hv-db"):
        batches(no_pair)
    with pytest.raises(ValueError, match="ghost"):
        batches(mixed(), ["ghost"])


def test_each_batch_gets_the_reip_overrides_of_its_own_vms():
    nic = [{"nic": 0, "ip": "10.20.1.9/24"}]
    plan = mixed(reip={"live": {"rules": [], "overrides": {"db": nic, "web": nic, "hv-db": nic}}, "test": {}})
    plan["site_pairs"]["hyperv"]["reip"] = {"live": {"overrides": {"hv-db": nic, "db": nic}}}
    assert [(b["vms"], b["reip"]) for b in batches(plan, ["web", "hv-db"])] == [
        (["web"], {"live": {"rules": [], "overrides": {"web": nic}}, "test": {}}),
        (["hv-db"], {"live": {"overrides": {"hv-db": nic}}})]
