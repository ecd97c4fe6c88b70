"""Drive the real modules with provider=hyperv through ansible-playbook against the Hyper-V simulator."""
import base64
import json
import os
import sys

from lab.ca import ensure_ca, issue_server_cert
from lab.hyperv.launch import lab_request, start_site, stop_site
from tests.integration.lab_session import run_module

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BIN = os.path.dirname(sys.executable)
A, B, C = "hv-a1.lab.local", "hv-b1.lab.local", "hv-c1.lab.local"
A2, B2 = "hv-a2.lab.local", "hv-b2.lab.local"


class HvLab(object):
    def __init__(self, run_dir, site, ca_file):
        self.run_dir = run_dir
        self.site = site
        self.ca_file = ca_file

    @classmethod
    def start(cls, run_dir, topology="standard", latency_ms=0):
        ca_file, dummy = ensure_ca(run_dir)
        cert, key = issue_server_cert(run_dir, "hyperv")
        site = start_site(run_dir, cert=cert, key=key, fresh=True, topology=topology, latency_ms=latency_ms)
        return cls(run_dir, site, ca_file)

    def stop(self):
        stop_site(self.run_dir)

    def lab(self, path, method="POST", params=None, body=None):
        return lab_request(self.site, path, method=method, params=params, body=body)

    def advance(self, seconds):
        return self.lab("/advance", params={"seconds": seconds})

    def stats(self):
        return self.lab("/stats", method="GET")

    def env(self, source=A, target=B, **extra):
        """Connection through the documented environment fallbacks (as AWX credentials would set them)."""
        env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), PATH=BIN + ":" + os.environ["PATH"],
                   ANSIBLE_NOCOLOR="1", VMDR_PROVIDER="hyperv")
        for role, name in (("SOURCE", source), ("TARGET", target)):
            host = self.site["hosts"][name]
            env.update({"VMDR_%s_HOST" % role: name, "VMDR_%s_ADDRESS" % role: host["address"],
                        "VMDR_%s_PORT" % role: str(host["https_port"]), "VMDR_%s_USERNAME" % role: host["username"],
                        "VMDR_%s_PASSWORD" % role: host["password"], "VMDR_%s_CA_PATH" % role: self.ca_file,
                        "VMDR_%s_TRANSPORT" % role: "ntlm"})
        env.update(extra)
        return env

    def site_hosts(self, names):
        """The ``hosts`` option of a site for more simulated hosts (their endpoints)."""
        return [{"hostname": name, "address": self.site["hosts"][name]["address"],
                 "port": self.site["hosts"][name]["https_port"]} for name in names]

    def module(self, name, args, check=False, diff=False, source=A, target=B, env=None):
        """Runs vmdr.replication.<name> in a one-task play and returns its registered result."""
        environment = self.env(source, target)
        environment.update(env or {})
        return run_module(name, args, environment, check=check, diff=diff)

    def ps(self, host, script):
        """Runs a PowerShell snippet on a simulated host (for assertions only) and returns its JSON output."""
        import winrm
        info = self.site["hosts"][host]
        session = winrm.Session(info["endpoint"], auth=(info["username"], info["password"]), transport="ntlm",
                                server_cert_validation="validate", ca_trust_path=self.ca_file)
        result = session.run_ps("$ProgressPreference = 'SilentlyContinue'\n" + script)
        text = result.std_out.decode("utf-8", "replace").strip()
        return json.loads(text) if text else None

    def vms(self, host):
        return self.ps(host, "ConvertTo-Json -Compress -InputObject @(Get-VM | ForEach-Object { $_.Name })")

    def nic(self, host, vm):
        """Switch and guest addresses of the VM's first NIC (the name travels as base64 data)."""
        b64 = base64.b64encode(vm.encode("utf-8")).decode("ascii")
        return self.ps(host, "$n = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('%s'))\n"
                             "$vm = @(Get-VM | Where-Object { $_.Name -eq $n })[0]\n"
                             "$a = @(Get-VMNetworkAdapter -VM $vm)[0]\n"
                             "$f = Get-VMNetworkAdapterFailoverConfiguration -VMNetworkAdapter $a\n"
                             "ConvertTo-Json -Compress -InputObject @{ switch = $a.SwitchName; test_switch = "
                             "$a.TestReplicaSwitchName; ips = @($a.IPAddresses); state = $vm.State.ToString(); "
                             "failover_ip = $f.IPv4Address; failover_gw = $f.IPv4DefaultGateway }" % b64)

    def replication(self, host, vm):
        b64 = base64.b64encode(vm.encode("utf-8")).decode("ascii")
        return self.ps(host, "$n = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('%s'))\n"
                             "$vm = @(Get-VM | Where-Object { $_.Name -eq $n })[0]\n"
                             "$r = @(Get-VMReplication -VM $vm)[0]\n"
                             "ConvertTo-Json -Compress -InputObject @{ mode = $r.ReplicationMode.ToString(); "
                             "state = $r.ReplicationState.ToString(); frequency = $r.ReplicationFrequencySec; "
                             "history = $r.RecoveryHistory }" % b64)
