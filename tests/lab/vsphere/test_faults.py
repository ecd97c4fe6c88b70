"""Fault injection (-disable, runtime disable/enable) and latency (-delay-method)."""
import time

import pytest
from pyVmomi import vim


def test_disable_flag_injects_method_disabled(site_si, find_vm, vconnect):
    si = site_si("site-a")
    vm = find_vm(si, "DC0_H0_VM0")  # conftest: --disable site-a:DC0_H0_VM0:PowerOnVM_Task
    assert "PowerOnVMTask" in vconnect.properties(si, vm, ["disabledMethod"])["disabledMethod"]
    if vconnect.properties(si, vm, ["runtime.powerState"])["runtime.powerState"] == "poweredOn":
        vconnect.wait_task(si, vm.PowerOffVM_Task())
    with pytest.raises(vim.fault.MethodDisabled):
        vm.PowerOnVM_Task()


def test_runtime_disable_and_enable(site_si, find_vm, vconnect, lab_cli):
    si = site_si("site-a")
    vm = find_vm(si, "app-web-02")
    assert lab_cli("disable", "site-a", "app-web-02", "ReconfigVM_Task").returncode == 0
    try:
        with pytest.raises(vim.fault.MethodDisabled):
            vm.ReconfigVM_Task(vim.vm.ConfigSpec(annotation="blocked"))
    finally:
        assert lab_cli("enable", "site-a", "app-web-02", "ReconfigVM_Task").returncode == 0
    vconnect.wait_task(si, vm.ReconfigVM_Task(vim.vm.ConfigSpec(annotation="allowed")))
    assert lab_cli("disable", "site-a", "no-such-vm", "ReconfigVM_Task").returncode != 0


def test_delay_method_adds_latency(site_si):
    si = site_si("site-b")  # conftest: --delay-method CurrentTime:300
    started = time.monotonic()
    si.CurrentTime()
    assert 0.3 <= time.monotonic() - started < 10
