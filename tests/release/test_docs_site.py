"""The docs site: antsibull-docs lints the collection's docs and builds the site with Sphinx, and any warning fails
(docs/docsite/build_site.py, the same script `make docs` runs). Also checks that the guides made it into the site."""
import os
import re
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "docs", "docsite"))

import build_site  # noqa: E402  pylint: disable=wrong-import-position

GUIDES = ("user_guide", "recovery_plan", "hyperv_setup", "vcenter_privileges", "execution_environment", "awx",
          "troubleshooting")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    dest = str(tmp_path_factory.mktemp("docsite"))
    ok, log = build_site.build(dest)
    return {"ok": ok, "log": log, "html": os.path.join(dest, "build", "html")}


def page_text(site, name):
    with open(os.path.join(site["html"], "docsite", name + ".html")) as handle:
        return re.sub(r"<[^>]+>", "", handle.read())


def test_site_builds_without_warnings(site):
    assert site["ok"], site["log"][-8000:]


def test_every_guide_is_in_the_site(site):
    with open(os.path.join(site["html"], "index.html")) as handle:
        index = handle.read()
    for name in GUIDES:
        assert 'href="docsite/%s.html"' % name in index, name
    assert os.path.isfile(os.path.join(site["html"], "failover_module.html"))


def test_user_guide_covers_both_providers_and_pywinrm(site):
    text = page_text(site, "user_guide")
    assert "Only vsphere is accepted today" not in text.replace("\n", " ")
    assert "pywinrm[kerberos,credssp]" in text
    assert "hyperv" in text


def test_setup_pages_hold_what_the_issue_asks(site):
    hyperv = page_text(site, "hyperv_setup")
    for needle in ("5986", "New-VMReplicationAuthorizationEntry", "-ReplicaStorageLocation", "-TrustGroup",
                   "Set-VMReplicationServer", "kinit"):
        assert needle in hyperv, needle
    privileges = page_text(site, "vcenter_privileges")
    for needle in ("VirtualMachine.State.CreateSnapshot", "Datastore.FileManagement", "VirtualMachine.Provisioning.Customize",
                   "VirtualMachine.Interact.PowerOn", "VirtualMachine.Inventory.Delete"):
        assert needle in privileges, needle
    awx = page_text(site, "awx")
    for needle in ("vmdr.replication site pair", "VMDR_SOURCE_PASSWORD", "vmdr_site_passwords", "approval", "vmdr_run"):
        assert needle in awx, needle
