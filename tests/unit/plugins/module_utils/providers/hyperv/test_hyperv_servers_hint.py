"""The hint for a replica server that does not accept the primary names a complete, runnable command: the
authorization entry's -ReplicaStorageLocation and -TrustGroup are mandatory (New-VMReplicationAuthorizationEntry)."""
import pytest

from ansible_collections.vmdr.replication.plugins.module_utils.errors import VmdrError
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import inventory, servers


class Host(object):
    hostname = "hv-b1.lab.local"
    name = "site-b"


@pytest.mark.parametrize("storage,shown", [("E:\\Replicas", "E:\\Replicas"), (None, "D:\\Hyper-V Replica")])
def test_missing_authorization_entry_hint_has_every_mandatory_parameter(monkeypatch, storage, shown):
    facts = {"enabled": True, "any_server": False, "entries": ["hv-x9.lab.local"], "storage": storage}
    monkeypatch.setattr(inventory, "host_facts", lambda p, role, host, step: dict(facts))
    with pytest.raises(VmdrError) as caught:
        servers.ensure_server(None, "target", Host(), "hv-a1.lab.local", "check replica server", False)
    hint = caught.value.hint
    assert "New-VMReplicationAuthorizationEntry -AllowedPrimaryServer hv-a1.lab.local " \
           "-ReplicaStorageLocation '%s' -TrustGroup vmdr" % shown in hint, hint
