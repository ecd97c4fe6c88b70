"""The launcher: host map, idempotent start/stop, persistence across restarts, CLI."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import winrm

A = "hv-a1.lab.local"
pytestmark = pytest.mark.lab
REPO = Path(__file__).resolve().parents[3]


def _ps(site, host, script):
    h = site["hosts"][host]
    assert h["scheme"] == "http" and h["transports"] == ["ntlm"]
    s = winrm.Session(h["endpoint"], auth=(h["username"], h["password"]), transport="ntlm",
                      server_cert_validation="ignore")
    return s.run_ps("$ProgressPreference='SilentlyContinue'\n" + script)


def test_start_stop_restart_and_persistence(tmp_path, hv_launch):
    run_dir = str(tmp_path)
    site = hv_launch.start_site(run_dir, latency_ms=0)  # no certificate: HTTP with NTLM + encryption
    try:
        assert set(site["hosts"]) == {"hv-a1.lab.local", "hv-b1.lab.local", "hv-c1.lab.local"}
        roles = {h: v["role"] for h, v in site["hosts"].items()}
        assert roles == {"hv-a1.lab.local": "primary", "hv-b1.lab.local": "replica",
                         "hv-c1.lab.local": "extended-replica"}
        a = site["hosts"][A]
        assert a["endpoint"] == "http://127.0.0.1:%d/wsman" % a["port"] and a["https_port"] is None
        assert site["stats_url"].endswith("/lab/stats")
        assert hv_launch.start_site(run_dir)["pid"] == site["pid"]  # idempotent
        r = _ps(site, A, "Enable-VMReplication hv-web-01 hv-b1.lab.local 80 Kerberos\n"
                         "(Get-VMReplication hv-web-01).ReplicationState.ToString()")
        assert r.std_out == b"ReadyForInitialReplication\r\n", r.std_err
        for name in ("simulator.pid", "simulator.log", "config.json", "endpoints.json", "state/model.json",
                     "state/stats.json"):
            assert os.path.exists(os.path.join(run_dir, "hyperv", name)), name
        stats = json.load(open(os.path.join(run_dir, "hyperv", "state", "stats.json")))
        assert stats["hosts"][A]["commands"] == 1
    finally:
        hv_launch.stop_site(run_dir)
    hv_launch.stop_site(run_dir)  # idempotent
    assert hv_launch.host_map(run_dir) is None
    again = hv_launch.start_site(run_dir)
    try:
        assert again["pid"] != site["pid"]
        assert again["hosts"][A]["port"] == site["hosts"][A]["port"]  # ports are reused when free
        r = _ps(again, "hv-b1.lab.local", "(Get-VMReplication hv-web-01).ReplicationMode.ToString()")
        assert r.std_out == b"Replica\r\n"  # the model survived the restart
    finally:
        hv_launch.stop_site(run_dir)


def test_cli(tmp_path):
    def cli(*args):
        return subprocess.run([sys.executable, "-m", "lab.hyperv.launch", *args, "--run-dir", str(tmp_path)],
                              cwd=str(REPO), capture_output=True, text=True, timeout=60)
    assert cli("status").returncode == 3
    up = cli("up", "--latency-ms", "5")
    assert up.returncode == 0, up.stderr
    site = json.loads(up.stdout)
    try:
        st = json.loads(cli("status").stdout)
        assert st["running"] and st["pid"] == site["pid"]
        adv = json.loads(cli("advance", "--seconds", "120").stdout)
        assert adv["sim_time"] > 0
        stats = json.loads(cli("stats").stdout)
        assert stats["latency_ms"][A] == 5
    finally:
        down = cli("down")
    assert down.returncode == 0 and json.loads(cli("status").stdout) == {"running": False}


def test_scale_topology_and_commands_counted_per_step(tmp_path, hv_launch):
    run_dir = str(tmp_path)
    site = hv_launch.start_site(run_dir, topology="scale", fresh=True)
    try:
        roles = {h: v["role"] for h, v in site["hosts"].items()}
        assert roles == {"hv-a1.lab.local": "primary", "hv-a2.lab.local": "primary", "hv-b1.lab.local": "replica",
                         "hv-b2.lab.local": "replica", "hv-c1.lab.local": "extended-replica"}
        # the second primary replicates to either replica host, which both authorize it
        r = _ps(site, "hv-a2.lab.local", "(Get-VMSwitch | ForEach-Object Name) -join ','")
        assert r.std_out == b"prod-db,prod-web\r\n", r.std_err  # Get-VMSwitch lists by name
        entries = _ps(site, "hv-b2.lab.local", "(Get-VMReplicationAuthorizationEntry | ForEach-Object "
                                               "AllowedPrimaryServer) -join ','")
        assert entries.std_out == b"hv-a1.lab.local,hv-a2.lab.local\r\n", entries.std_err
        hv_launch.lab_request(site, "/reset")
        assert set(hv_launch.lab_request(site, "/hosts", method="GET")) == set(roles)  # reset keeps the topology

        # a client that names its step in the shell variable VMDR_STEP gets its commands counted per step
        hv_launch.lab_request(site, "/stats/reset")
        h = site["hosts"][A]
        protocol = winrm.Session(h["endpoint"], auth=(h["username"], h["password"]), transport="ntlm").protocol
        for step in ("read VMs", "read VMs", "test failover"):
            shell = protocol.open_shell(env_vars={"VMDR_STEP": step})
            command = protocol.run_command(shell, "hostname")
            protocol.get_command_output(shell, command)
            protocol.close_shell(shell)
        stats = hv_launch.lab_request(site, "/stats", method="GET")["hosts"][A]
        assert stats["commands"] == 3 and stats["steps"] == {"read VMs": 2, "test failover": 1}, stats
    finally:
        hv_launch.stop_site(run_dir)
