"""Helpers for the vSphere lab conformance tests (fixtures only, so the tests
work under any pytest import mode)."""
import time

import pytest


@pytest.fixture(scope="session")
def vconnect(lab_module):
    return lab_module("vsphere.connect")


@pytest.fixture(scope="session")
def site_si(vsphere_lab, vconnect):
    """site_si("site-a") -> a logged-in ServiceInstance (one per site, session-wide)."""
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = vconnect.connect(vsphere_lab["sites"][name], vsphere_lab["ca_file"])
        return cache[name]

    yield get
    for si in cache.values():
        vconnect.disconnect(si)


@pytest.fixture(scope="session")
def wait_for():
    def poll(predicate, timeout=10.0, interval=0.05, what="condition"):
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError("timed out after %.1fs waiting for %s (last: %r)" % (timeout, what, value))
            time.sleep(interval)
    return poll


@pytest.fixture(scope="session")
def find_vm(vconnect):
    from pyVmomi import vim

    def find(si, name):
        vm = vconnect.find_by_name(si, vim.VirtualMachine, name)
        assert vm is not None, "no VM named %s" % name
        return vm
    return find
