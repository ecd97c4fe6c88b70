"""Site identity, TLS, authentication and the lab.json contract."""
import os
import socket
import ssl

import pytest
from pyVmomi import vim

SITES = ("site-a", "site-b")


def test_sites_have_distinct_instance_uuids(vsphere_lab, site_si):
    uuids = {name: site_si(name).content.about.instanceUuid for name in SITES}
    assert uuids["site-a"] != uuids["site-b"]
    for name in SITES:
        assert uuids[name] == vsphere_lab["sites"][name]["instance_uuid"]


def test_datacenters_are_renamed_per_site(vsphere_lab, site_si, vconnect):
    for name in SITES:
        names = {p["name"] for _, p in vconnect.retrieve(site_si(name), vim.Datacenter, ["name"])}
        assert names == {vsphere_lab["sites"][name]["datacenter"]}


def _handshake(site, ctx):
    with socket.create_connection((site["hostname"], site["port"]), timeout=5) as sock:
        with ctx.wrap_socket(sock, server_hostname=site["hostname"]) as tls:
            return tls.getpeercert()


def test_tls_verifies_with_lab_ca_and_fails_with_default_trust(vsphere_lab):
    for name in SITES:
        site = vsphere_lab["sites"][name]
        cert = _handshake(site, ssl.create_default_context(cafile=vsphere_lab["ca_file"]))
        assert ("DNS", "localhost") in cert["subjectAltName"]
        assert ("IP Address", "127.0.0.1") in cert["subjectAltName"]
        with pytest.raises(ssl.SSLCertVerificationError):
            _handshake(site, ssl.create_default_context())


def test_wrong_credentials_are_refused(vsphere_lab, vconnect):
    site = vsphere_lab["sites"]["site-a"]
    with pytest.raises(vim.fault.InvalidLogin):
        vconnect.connect(site, vsphere_lab["ca_file"], pwd=site["password"] + "x")
    with pytest.raises(vim.fault.InvalidLogin):
        vconnect.connect(site, vsphere_lab["ca_file"], user="root")


def test_state_file_contract(vsphere_lab):
    assert vsphere_lab["version"] == 1
    assert os.path.isabs(vsphere_lab["ca_file"]) and os.path.exists(vsphere_lab["ca_file"])
    a, b = vsphere_lab["sites"]["site-a"], vsphere_lab["sites"]["site-b"]
    common = {"provider", "role", "hostname", "port", "username", "password", "instance_uuid", "datacenter", "pid",
              "networks", "datastore"}
    assert common | {"folder"} <= set(a)
    assert common | {"cluster", "resource_pool", "host", "replica_folder", "test_folder"} <= set(b)
    assert (a["role"], b["role"]) == ("protected", "recovery")
    assert a["networks"] == {"prod-web": "standard", "prod-db": "distributed"}
    assert b["networks"] == {"dr-web": "standard", "dr-db": "distributed", "dr-test": "isolated",
                             "dr-test-bridged": "standard"}
    by_name = {vm["name"]: vm for vm in vsphere_lab["vms"]}
    assert set(by_name) == {"app-web-01", "app-web-02", "app-db-01", "app-mq-01"}
    assert by_name["app-web-01"] == {"name": "app-web-01", "site": "site-a", "nics": [
        {"network": "prod-web", "ip": "10.10.1.11", "prefix": 24, "gateway": "10.10.1.1"}]}
    assert [n["ip"] for n in by_name["app-mq-01"]["nics"]] == ["10.10.1.31", "10.10.2.31"]


def test_up_again_is_a_noop(vsphere_run_dir, lab_cli, lab_options):
    before = (vsphere_run_dir / "lab.json").read_bytes()
    result = lab_cli("up", *lab_options)
    assert result.returncode == 0, result.stderr
    assert "already up" in result.stdout and "warning" not in result.stderr
    assert (vsphere_run_dir / "lab.json").read_bytes() == before
    assert lab_cli("status").returncode == 0
