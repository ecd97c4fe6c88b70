import pytest

from ansible_collections.vmdr.replication.plugins.module_utils.plan.ordering import plan_problems
from ansible_collections.vmdr.replication.plugins.module_utils.plan.site_pairs import batches

SITES = {"site-a": {"provider": "vsphere"}, "site-b": {"provider": "vsphere"},
         "hv-a": {"provider": "hyperv"}, "hv-b": {"provider": "hyperv"}}


def mixed(**extra):
    plan = {"protected_site": "site-a", "recovery_site": "site-b", "sites": dict(SITES),
            "policy": {"rpo": 15}, "placement": {"cluster": "c1"}, "network_map": {"live": {"p": "d"}},
            "site_pairs": {"hyperv": {"protected_site": "hv-a", "recovery_site": "hv-b", "policy": {"rpo": 5},
                                      "placement": {}}},
            "vms": [{"name": "db", "priority": 1}, {"name": "hv-db", "provider": "hyperv", "priority": 1},
                    {"name": "web", "provider": "vsphere", "priority": 2, "depends_on": ["hv-db"]}]}
    plan.update(extra)
    return plan


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
    messages = [p["message"] for p in plan_problems(plan)]
    assert "site_pairs.hyperv.protected_site 'site-a' is a vsphere site" in messages
    assert "site_pairs.hyperv.recovery_site 'nowhere' is not one of the plan's sites" in messages
    assert "site_pairs has provider 'xen'; use vsphere or hyperv" in messages

    no_pair = mixed(site_pairs={})
    assert [(p["check"], p["vm"]) for p in plan_problems(no_pair)] == [("provider", "hv-db")]
    with pytest.raises(ValueError, match="hv-db"):
        batches(no_pair)
    with pytest.raises(ValueError, match="ghost"):
        batches(mixed(), ["ghost"])
