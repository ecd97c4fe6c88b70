"""Start, stop and inspect the Hyper-V site simulator.

    start_site(run_dir, cert=None, key=None, latency_ms=0, ...) -> host map (dict)
    stop_site(run_dir)                                           -> idempotent
    python -m lab.hyperv.launch up|down|status|advance|stats|reset --run-dir DIR

Everything lives under RUN_DIR/hyperv: config.json, endpoints.json, simulator.pid, simulator.log,
state/model.json (the persisted model) and state/stats.json (per-host counters).
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .seed import roles

DEFAULT_USER = "hvadmin"
DEFAULT_PASSWORD = "Lab-HyperV-2024!"
REPO_ROOT = Path(__file__).resolve().parents[2]


def _dir(run_dir):
    return os.path.join(os.path.abspath(run_dir), "hyperv")


def _read_json(path):
    try:
        with open(path, "r", encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _alive(pid):
    if not pid:
        return False
    try:
        os.kill(int(pid), 0)
    except (OSError, ValueError):
        return False
    try:  # a zombie left by our own Popen is not alive
        with open("/proc/%d/stat" % int(pid)) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def _pid(hv):
    try:
        with open(os.path.join(hv, "simulator.pid")) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def host_map(run_dir):
    """The host map of a running site (None if it is not running)."""
    hv = _dir(run_dir)
    cfg = _read_json(os.path.join(hv, "config.json"))
    ep = _read_json(os.path.join(hv, "endpoints.json"))
    if not cfg or not ep or not _alive(ep.get("pid")):
        return None
    hosts = {}
    for name, e in ep["hosts"].items():
        scheme = "https" if e.get("https_port") else "http"
        port = e["https_port"] if scheme == "https" else e["http_port"]
        hosts[name] = {
            "role": e["role"], "netbios": e["netbios"], "address": e["address"], "port": port, "scheme": scheme,
            "endpoint": "%s://%s:%d/wsman" % (scheme, e["address"], port),
            "http_port": e["http_port"], "https_port": e.get("https_port"),
            "username": cfg["username"], "password": cfg["password"],
            "transports": _transports(cfg, scheme),
            "server_cert": cfg.get("cert"),
        }
        if cfg.get("kerberos"):
            hosts[name].update(spn="HTTP/%s@%s" % (name, cfg["kerberos"]["realm"]), realm=cfg["kerberos"]["realm"])
    first = hosts[sorted(hosts, key=lambda h: h != "hv-a1.lab.local")[0]]
    lab = "%s://%s:%d/lab" % (first["scheme"], first["address"], first["port"])
    return {"hosts": hosts, "lab_url": lab, "stats_url": lab + "/stats", "username": cfg["username"],
            "password": cfg["password"], "run_dir": os.path.abspath(run_dir), "state_dir": os.path.join(hv, "state"),
            "log": os.path.join(hv, "simulator.log"), "pid": ep["pid"]}


def _transports(cfg, scheme):
    """What a client may use on the default listener: HTTPS takes Basic too, HTTP only what encrypts messages."""
    out = ["basic", "ntlm"] if scheme == "https" else ["ntlm"] + (["basic"] if cfg.get("allow_unencrypted") else [])
    return out + (["kerberos"] if cfg.get("kerberos") else [])


def start_site(run_dir, cert=None, key=None, latency_ms=0, time_factor=1.0, username=DEFAULT_USER,
               password=DEFAULT_PASSWORD, allow_unencrypted=False, fresh=False, bind="127.0.0.1", timeout=30.0,
               python=None, topology="standard", kerberos=None):
    """Start the three-host site in the background (idempotent: a running site is returned as is).
    ``topology="scale"`` adds hv-a2 (primary) and hv-b2 (replica); it applies to a new model (``fresh``).
    ``kerberos`` (the realm info lab/kdc.py's start_kdc returns: realm, krb5_config, keytab, rcache_dir) makes
    every host accept Kerberos with its key HTTP/<host name> from that keytab, next to NTLM and Basic."""
    hv = _dir(run_dir)
    os.makedirs(hv, exist_ok=True)
    running = host_map(run_dir)
    if running is not None and not fresh:
        return running
    if running is not None:
        stop_site(run_dir)
    if fresh:
        shutil.rmtree(os.path.join(hv, "state"), ignore_errors=True)
    if bool(cert) != bool(key):
        raise ValueError("cert and key must be given together")
    previous = _read_json(os.path.join(hv, "endpoints.json")) or {}
    hosts = []
    for name, role in roles(topology).items():
        prev = previous.get("hosts", {}).get(name, {})
        hosts.append({"name": name, "role": role, "http_port": prev.get("http_port"),
                      "https_port": prev.get("https_port")})
    cfg = {"hosts": hosts, "username": username, "password": password,
           "cert": os.path.abspath(cert) if cert else None, "key": os.path.abspath(key) if key else None,
           "latency_ms": latency_ms, "time_factor": time_factor, "allow_unencrypted": allow_unencrypted,
           "bind": bind, "topology": topology,
           "kerberos": dict((k, kerberos[k]) for k in ("realm", "krb5_config", "keytab", "rcache_dir"))
           if kerberos else None}
    cfg_path = os.path.join(hv, "config.json")
    with open(cfg_path, "w", encoding="utf-8") as f:
        json.dump(cfg, f, indent=1)
    os.chmod(cfg_path, 0o600)
    for stale in ("endpoints.json", "simulator.pid"):
        try:
            os.remove(os.path.join(hv, stale))
        except OSError:
            pass
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    log = open(os.path.join(hv, "simulator.log"), "ab")
    proc = subprocess.Popen([python or sys.executable, "-m", "lab.hyperv.daemon", "--config", cfg_path],
                            cwd=str(REPO_ROOT), env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    log.close()
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("Hyper-V simulator exited with %s; see %s:\n%s"
                               % (proc.returncode, os.path.join(hv, "simulator.log"), _tail(hv)))
        ep = _read_json(os.path.join(hv, "endpoints.json"))
        if ep and ep.get("pid") == proc.pid and os.path.exists(os.path.join(hv, "simulator.pid")):
            return host_map(run_dir)
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("Hyper-V simulator did not start within %ss:\n%s" % (timeout, _tail(hv)))


def _tail(hv, n=30):
    try:
        with open(os.path.join(hv, "simulator.log"), "r", errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def stop_site(run_dir, timeout=10.0):
    """Stop the simulator if it runs; the persisted state stays in RUN_DIR/hyperv/state."""
    hv = _dir(run_dir)
    ep = _read_json(os.path.join(hv, "endpoints.json")) or {}
    pid = _pid(hv) or ep.get("pid")
    if pid and _alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.time() + timeout
        while time.time() < deadline and _alive(pid):
            time.sleep(0.05)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    try:
        os.waitpid(pid, os.WNOHANG) if pid else None
    except ChildProcessError:
        pass
    for name in ("simulator.pid", "endpoints.json"):
        path = os.path.join(hv, name)
        if name == "endpoints.json" and os.path.exists(path):
            # keep the ports for the next start, but mark the site stopped
            data = _read_json(path) or {}
            data["pid"] = None
            with open(path, "w", encoding="utf-8") as f:
                json.dump(data, f)
            continue
        try:
            os.remove(path)
        except OSError:
            pass
    return True


def lab_request(site, path, method="POST", params=None, body=None, timeout=30):
    """Call a /lab path of a running site (`site` is the dict start_site returned)."""
    url = site["lab_url"] + path
    if params:
        url += "?" + "&".join("%s=%s" % (k, v) for k, v in params.items())
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    token = base64.b64encode(("%s:%s" % (site["username"], site["password"])).encode()).decode()
    req.add_header("Authorization", "Basic " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    ctx = None
    if url.startswith("https"):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE  # lab control traffic on loopback; WinRM clients verify properly
    with urllib.request.urlopen(req, timeout=timeout, context=ctx) as resp:
        return json.loads(resp.read().decode("utf-8"))


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m lab.hyperv.launch", description=__doc__.split("\n\n")[0])
    ap.add_argument("action", choices=["up", "down", "status", "advance", "stats", "reset"])
    ap.add_argument("--run-dir", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--latency-ms", type=int, default=0)
    ap.add_argument("--time-factor", type=float, default=1.0)
    ap.add_argument("--username", default=DEFAULT_USER)
    ap.add_argument("--password", default=DEFAULT_PASSWORD)
    ap.add_argument("--allow-unencrypted", action="store_true")
    ap.add_argument("--fresh", action="store_true", help="discard the persisted model first")
    ap.add_argument("--topology", choices=["standard", "scale"], default="standard",
                    help="scale adds hv-a2 (primary) and hv-b2 (replica); needs --fresh on an existing run dir")
    ap.add_argument("--seconds", type=float, default=0.0, help="for 'advance'")
    args = ap.parse_args(argv)
    if args.action == "up":
        out = start_site(args.run_dir, args.cert, args.key, args.latency_ms, args.time_factor, args.username,
                         args.password, args.allow_unencrypted, args.fresh, topology=args.topology)
    elif args.action == "down":
        stop_site(args.run_dir)
        out = {"running": False}
    else:
        site = host_map(args.run_dir)
        if site is None:
            print(json.dumps({"running": False}))
            return 1 if args.action != "status" else 3
        if args.action == "status":
            out = dict(site, running=True)
        elif args.action == "advance":
            out = lab_request(site, "/advance", params={"seconds": args.seconds})
        elif args.action == "stats":
            out = lab_request(site, "/stats", method="GET")
        else:
            out = lab_request(site, "/reset")
    print(json.dumps(out, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
