"""netaddr is not a requirement (issue 14 item 7): the subnet mask of guest customization comes from the standard
library with the same text netaddr gave, and a module runs on a controller where netaddr cannot be imported."""
import json
import os
import subprocess
import sys

import pytest

from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import guest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(ROOT, ".build", "collections")

# address, prefix (a length, a length as text, or an IPv4 mask), as re-IP plans carry them
CASES = [("10.20.0.15", 24), ("192.168.7.9", 22), ("10.0.0.1", 8), ("172.16.5.4", "16"), ("10.1.2.3", 32),
         ("10.1.2.3", 0), ("100.64.0.9", 10), ("10.20.1.5", "255.255.255.0"), ("2001:db8::15", 64),
         ("2001:db8:1:2::9", 48), ("fd00::1", 128), ("fe80::1", 10)]


@pytest.mark.parametrize("address,prefix", CASES)
def test_subnet_mask_is_what_netaddr_gave(address, prefix):
    netaddr = pytest.importorskip("netaddr")
    assert guest.subnet_mask(address, prefix) == str(netaddr.IPNetwork("%s/%s" % (address, prefix)).netmask)


def test_subnet_mask_known_values():
    assert guest.subnet_mask("10.20.0.15", 24) == "255.255.255.0"
    assert guest.subnet_mask("192.168.7.9", 22) == "255.255.252.0"
    assert guest.subnet_mask("2001:db8::15", 64) == "ffff:ffff:ffff:ffff::"


def run_without_netaddr(module, args):
    """Runs plugins/modules/<module>.py as Ansible would (its __main__), with netaddr made unimportable."""
    args_file = os.path.join(os.environ.get("TMPDIR", "/tmp"), "vmdr-netaddr-%d.json" % os.getpid())
    with open(args_file, "w") as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": args}, handle)
    code = ("import runpy, sys\n"
            "sys.modules['netaddr'] = None\n"
            "sys.path[:0] = [%r]\n"
            "sys.argv = ['%s', %r]\n"
            "runpy.run_module('ansible_collections.vmdr.replication.plugins.modules.%s', run_name='__main__')\n"
            % (COLLECTIONS, module, args_file, module))
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    finally:
        os.unlink(args_file)
    return json.loads(proc.stdout.strip().splitlines()[-1]), proc


@pytest.mark.parametrize("module", ["replica_info", "replica_sync", "failover"])
def test_module_runs_without_netaddr(module):
    """Nothing listens on the port: the module gets past its library checks and fails at the connection."""
    site = {"name": "site-a", "hostname": "127.0.0.1", "port": 9, "username": "u", "password": "p",
            "validate_certs": False}
    args = {"vms": ["app-web-01"], "source": site, "target": dict(site, name="site-b"), "timeout": 5}
    if module == "failover":
        args["mode"] = "cleanup_test"
    result, proc = run_without_netaddr(module, args)
    assert "netaddr" not in json.dumps(result), result
    assert result.get("failed") is True and "127.0.0.1" in result["msg"], (result, proc.stderr[-2000:])


def test_guest_customization_without_netaddr():
    """The vSphere re-IP spec (the one place that computed with netaddr) builds with netaddr unimportable."""
    code = ("import sys\n"
            "sys.modules['netaddr'] = None\n"
            "sys.path[:0] = [%r]\n"
            "from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import guest\n"
            "plan = {'index': 0, 'action': 'translate', 'target_ip': '10.20.0.15', 'target_prefix': 24}\n"
            "print(guest.customization_spec([plan], 'web').nicSettingMap[0].adapter.subnetMask)\n" % COLLECTIONS)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["255.255.255.0"]
