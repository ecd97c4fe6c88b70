"""Simulator process: serves every host of the site (HTTP and, with a certificate, HTTPS) from one
shared model. Started by launch.py; `python -m lab.hyperv.daemon --config RUN/hyperv/config.json`."""
from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import sys
import threading

from .model import store
from .server.auth import Authenticator, tls_channel_bindings, use_kerberos, write_ntlm_user_file
from .server.http import WinRMServer, make_tls_context
from .server.shells import ShellManager
from .site import Site

log = logging.getLogger("lab.hyperv.daemon")


def _bind(factory, bind, preferred):
    for port in ([preferred] if preferred else []) + [0]:
        try:
            return factory((bind, port))
        except OSError:
            continue
    raise OSError("no port available on %s" % bind)


def serve(cfg, hv_dir):
    site = Site(os.path.join(hv_dir, "state"), time_factor=cfg.get("time_factor", 1.0),
                latency_ms=cfg.get("latency_ms", 0), topology=cfg.get("topology", "standard"))
    users = {cfg["username"]: cfg["password"]}
    netbios = [r["netbios"] for r in site.model.hosts.values()]
    write_ntlm_user_file(os.path.join(hv_dir, "ntlm_users"), users, netbios + ["LAB", ".", "WORKGROUP"])
    kerberos = cfg.get("kerberos")
    if kerberos:
        use_kerberos(kerberos["krb5_config"], kerberos["keytab"], kerberos["rcache_dir"])
    auth = Authenticator(users, kerberos_realm=kerberos["realm"] if kerberos else None)
    tls = make_tls_context(cfg["cert"], cfg["key"]) if cfg.get("cert") else None
    bindings = tls_channel_bindings(cfg["cert"]) if tls is not None else None
    bind = cfg.get("bind", "127.0.0.1")
    servers = []
    endpoints = {}
    for h in cfg["hosts"]:
        name = site.model.resolve_host(h["name"])
        if name is None:
            raise SystemExit("host %s is not in the site model" % h["name"])
        shells = ShellManager(site, name)
        entry = {"role": site.model.hosts[name]["role"], "netbios": site.model.hosts[name]["netbios"],
                 "address": bind}
        srv = _bind(lambda addr: WinRMServer(addr, site, name, auth, None, cfg.get("allow_unencrypted", False),
                                             shells), bind, h.get("http_port"))
        servers.append(srv)
        entry["http_port"] = srv.server_address[1]
        if tls is not None:
            srv_tls = _bind(lambda addr: WinRMServer(addr, site, name, auth, tls, cfg.get("allow_unencrypted", False),
                                                     shells, bindings), bind, h.get("https_port"))
            servers.append(srv_tls)
            entry["https_port"] = srv_tls.server_address[1]
        else:
            entry["https_port"] = None
        endpoints[name] = entry
    for srv in servers:
        threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True,
                         name="listen-%s-%d" % (srv.host, srv.server_address[1])).start()
    store.save(os.path.join(hv_dir, "endpoints.json"), {"pid": os.getpid(), "hosts": endpoints,
                                                        "hostname": socket.gethostname()})
    log.info("serving %s", json.dumps(endpoints))
    return site, servers


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m lab.hyperv.daemon")
    ap.add_argument("--config", required=True)
    args = ap.parse_args(argv)
    with open(args.config, "r", encoding="utf-8") as f:
        cfg = json.load(f)
    hv_dir = os.path.dirname(os.path.abspath(args.config))
    logging.basicConfig(filename=os.path.join(hv_dir, "simulator.log"), level=cfg.get("log_level", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        site, servers = serve(cfg, hv_dir)
    except Exception:
        log.exception("simulator failed to start")
        raise
    with open(os.path.join(hv_dir, "simulator.pid"), "w") as f:
        f.write(str(os.getpid()))
    stop.wait()
    log.info("stopping")
    for srv in servers:
        srv.shutdown()
        srv.server_close()
    site.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
