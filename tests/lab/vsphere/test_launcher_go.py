"""The launcher's Go unit tests (lab/vsphere/vcsim/*_test.go). They need no lab:
each test runs its own in-process vCenter model. Among them is the regression
test for the guest agent reading VMs that vcsim's CreateVM had registered but
not built yet (a launcher crash, or a seeded VM that never got its IP)."""
import os
import subprocess


def test_launcher_go_unit_tests(lab_module):
    launcher = lab_module("vsphere.launcher")
    env = dict(os.environ, GOPATH=launcher.GOPATH, GO111MODULE="off")
    if "GOCACHE" not in env and not os.access(os.path.expanduser("~"), os.W_OK):
        env["GOCACHE"] = os.path.join(launcher.REPO, ".build", "gocache")  # as launcher.build does
    result = subprocess.run(["go", "test", "-count=1", "./lab/vsphere/vcsim"], cwd=launcher.REPO, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (result.stdout + result.stderr)[-6000:]
