import pytest

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.providers.base import ReplicationProvider
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv.provider import HypervProvider


class Counting(ReplicationProvider):
    opened = 0

    def open_site(self, role, params):
        Counting.opened += 1
        return params["hostname"]

    def check_distinct(self, source, target):
        if source == target:
            raise InputError("same site", step="connect")


def test_a_site_is_opened_once_per_call_and_optional_sites_may_be_absent():
    p = Counting(source={"hostname": "a"})
    assert p.site("source") == "a" and p.site("source") == "a" and Counting.opened == 1
    assert p.site("target", required=False) is None
    with pytest.raises(InputError):
        p.site("target")


def test_source_and_target_must_differ():
    p = Counting(source={"hostname": "a"}, target={"hostname": "a"})
    p.site("source")
    with pytest.raises(InputError):
        p.site("target")


def test_hyperv_refuses_a_host_in_both_sites():
    site = {"hostname": "hv-a1.lab.local", "username": "u", "password": "p"}
    p = HypervProvider(source=dict(site), target=dict(site, hostname="hv-b1.lab.local", hosts=[{"hostname": "hv-a1.lab.local"}]))
    p.site("source")
    with pytest.raises(InputError, match="share the Hyper-V host hv-a1.lab.local"):
        p.site("target")
