"""Fixtures for the Hyper-V simulator conformance tests: one simulated site per test session (HTTPS
with a throwaway CA), reset to the seed before each test, driven through real pywinrm."""
from __future__ import annotations

import base64
import datetime
import importlib
import importlib.util
import ipaddress
import json
import sys
from pathlib import Path

import pytest
import winrm
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

REPO = Path(__file__).resolve().parents[3]
A, B, C = "hv-a1.lab.local", "hv-b1.lab.local", "hv-c1.lab.local"


def load_launch():
    """The repository's lab package under another name: under pytest, `lab` is tests/lab.
    Reuses the copy tests/lab/conftest.py loads (`vmdrlab`) when it is there."""
    name = "vmdrlab" if "vmdrlab" in sys.modules else "vmdr_lab"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "lab" / "__init__.py",
                                                      submodule_search_locations=[str(REPO / "lab")])
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return importlib.import_module(name + ".hyperv.launch")


def make_throwaway_ca(directory):
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hyperv-sim test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True).sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = {n: str(Path(directory) / (n + ".pem")) for n in ("ca", "cert", "key")}
    Path(paths["ca"]).write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    Path(paths["cert"]).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    Path(paths["key"]).write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()))
    return paths


class Result:
    def __init__(self, r):
        self.code = r.status_code
        self.out = r.std_out.decode("cp437", "replace")
        self.err = r.std_err.decode("utf-8", "replace") if isinstance(r.std_err, bytes) else r.std_err

    def __repr__(self):
        return "Result(code=%r, out=%r, err=%r)" % (self.code, self.out[:500], self.err[:800])


# The envelope a controller-side client uses: inputs as base64 JSON, canonical fields, one JSON document.
ENVELOPE = r"""$ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue'
$in = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('%s')) | ConvertFrom-Json
try {
  $data = @(& {
%s
  })
  ConvertTo-Json -InputObject @{ok=$true; data=$data} -Depth 6 -Compress
} catch {
  ConvertTo-Json -Compress -InputObject @{ok=$false; error=@{message=$_.Exception.Message;
     fqid=$_.FullyQualifiedErrorId; category=$_.CategoryInfo.Category.ToString();
     type=$_.Exception.GetType().FullName}}
}
"""

REPL_PROJECTION = r"""[ordered]@{ VMName=$r.VMName; VMId="$($r.VMId)"; State=$r.ReplicationState.ToString();
  StateCode=[int]$r.ReplicationState; Health=$r.ReplicationHealth.ToString(); Mode=$r.ReplicationMode.ToString();
  Relationship=$r.ReplicationRelationshipType.ToString(); Primary=$r.PrimaryServerName; Replica=$r.ReplicaServerName;
  Frequency=$r.ReplicationFrequencySec; Port=$r.ReplicaServerPort;
  Last=if ($r.LastReplicationTime) { $r.LastReplicationTime.ToUniversalTime().ToString('o') } else { $null } }"""


class HVClient:
    def __init__(self, site, launch):
        self.site = site
        self.launch = launch
        self.calls = 0

    def url(self, host, scheme="https"):
        h = self.site["hosts"][host]
        port = h["https_port"] if scheme == "https" else h["http_port"]
        return "%s://127.0.0.1:%d/wsman" % (scheme, port)

    def session(self, host, transport="ssl", password=None, **kw):
        h = self.site["hosts"][host]
        scheme = "http" if transport in ("ntlm", "plaintext") else "https"
        kw.setdefault("server_cert_validation", "validate")
        kw.setdefault("ca_trust_path", self.site["ca"])
        return winrm.Session(self.url(host, scheme), auth=(h["username"], password or h["password"]),
                             transport=transport, **kw)

    def ps(self, host, script, transport="ssl", **kw):
        self.calls += 1
        return Result(self.session(host, transport, **kw).run_ps(script))

    def js(self, host, body, **inputs):
        payload = base64.b64encode(json.dumps(inputs).encode("utf-8")).decode("ascii")
        res = self.ps(host, ENVELOPE % (payload, body))
        assert res.code == 0, res
        return json.loads(res.out)

    def ok(self, host, body, **inputs):
        res = self.js(host, body, **inputs)
        assert res["ok"], res
        return res["data"]

    def fails(self, host, body, fqid, category=None, **inputs):
        res = self.js(host, body, **inputs)
        assert not res["ok"], res
        err = res["error"]
        assert err["fqid"] == fqid, err
        if category:
            assert err["category"] == category, err
        return err

    # ---------------------------------------------------------------- lab hooks
    def lab(self, path, method="POST", params=None, body=None):
        return self.launch.lab_request(self.site, path, method, params, body)

    def advance(self, seconds):
        return self.lab("/advance", params={"seconds": seconds})["sim_time"]

    def stats(self):
        return self.lab("/stats", method="GET")

    # ---------------------------------------------------------------- replication helpers
    def repl(self, host, vm, rtype=None):
        extra = " -ReplicationRelationshipType %s" % rtype if rtype else ""
        data = self.ok(host, "$r = Get-VMReplication -VMName $in.vm%s\n%s" % (extra, REPL_PROJECTION), vm=vm)
        return data[0]

    def state(self, host, vm, rtype=None):
        return self.repl(host, vm, rtype)["State"]

    def enable(self, vm="hv-web-01", host=A, target=B, port=80, auth="Kerberos", extra=""):
        return self.ok(host, "Enable-VMReplication -VMName $in.vm -ReplicaServerName $in.t -ReplicaServerPort $in.p "
                             "-AuthenticationType $in.a %s" % extra, vm=vm, t=target, p=port, a=auth)

    def replicate(self, vm="hv-web-01", host=A, target=B, extra=""):
        """Enable + initial replication, completed through the time hook."""
        self.ok(host, "Enable-VMReplication -VMName $in.vm -ReplicaServerName $in.t -ReplicaServerPort 80 "
                      "-AuthenticationType Kerberos %s\nStart-VMInitialReplication -VMName $in.vm" % extra,
                vm=vm, t=target)
        self.advance(120)

    def failover_planned(self, vm="hv-web-01"):
        self.ok(A, "Stop-VM -Name $in.vm -Force\nStart-VMFailover -VMName $in.vm -Prepare -Confirm:$false", vm=vm)
        self.ok(B, "Start-VMFailover -VMName $in.vm -Confirm:$false", vm=vm)

    def enable_replica_server(self, host=A, allow=B):
        self.ok(host, "Set-VMReplicationServer -ReplicationEnabled $true -AllowedAuthenticationType Kerberos\n"
                      "New-VMReplicationAuthorizationEntry -AllowedPrimaryServer $in.allow "
                      "-ReplicaStorageLocation 'D:\\Hyper-V Replica' -TrustGroup DEFAULT | Out-Null", allow=allow)


@pytest.fixture(scope="session")
def hv_launch():
    return load_launch()


@pytest.fixture(scope="session")
def hv_site(tmp_path_factory, hv_launch):
    run_dir = tmp_path_factory.mktemp("hyperv-site")
    pki = make_throwaway_ca(run_dir)
    site = hv_launch.start_site(str(run_dir), cert=pki["cert"], key=pki["key"], fresh=True)
    site["ca"] = pki["ca"]
    site["pki"] = pki
    try:
        yield site
    finally:
        hv_launch.stop_site(str(run_dir))


@pytest.fixture
def hv(hv_site, hv_launch):
    """A client on a freshly reset site (seeded hosts, no replication, counters at zero)."""
    client = HVClient(hv_site, hv_launch)
    client.lab("/reset")
    return client
