"""One listener per host and scheme: /wsman (WinRM) and /lab/* (lab control), threaded, keep-alive."""
from __future__ import annotations

import json
import logging
import socket
import ssl
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import encryption, lab_api, wsman
from .auth import ConnectionAuth
from .shells import ShellManager

log = logging.getLogger("lab.hyperv.http")

_RESPONSE_ACTION = {
    wsman.A_CREATE: "http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse",
    wsman.A_DELETE: "http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse",
    wsman.A_COMMAND: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandResponse",
    wsman.A_RECEIVE: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/ReceiveResponse",
    wsman.A_SIGNAL: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/SignalResponse",
}


class WinRMServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address, site, host, authenticator, tls_context=None, allow_unencrypted=False,
                 shells=None, channel_bindings=None):
        self.site = site
        self.host = host
        self.auth = authenticator
        self.tls = tls_context
        self.channel_bindings = channel_bindings if tls_context is not None else None
        self.allow_unencrypted = allow_unencrypted
        self.shells = shells or ShellManager(site, host)
        super().__init__(address, Handler)

    @property
    def scheme(self):
        return "https" if self.tls else "http"

    def get_request(self):
        sock, addr = self.socket.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.tls is not None:
            # the TLS handshake runs on the handler thread, so one slow client cannot stall accept()
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address):
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Microsoft-HTTPAPI/2.0"
    sys_version = ""

    def setup(self):
        super().setup()
        self.conn_auth = ConnectionAuth()

    def log_message(self, fmt, *args):
        log.debug("%s %s", self.address_string(), fmt % args)

    # ------------------------------------------------------------------ plumbing
    def _read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _send(self, status, body=b"", content_type="application/soap+xml;charset=UTF-8", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if body:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        # one write for headers and body: avoids Nagle/delayed-ACK stalls on keep-alive connections
        self._headers_buffer.append(b"\r\n")
        self.wfile.write(b"".join(self._headers_buffer) + body)
        self._headers_buffer = []

    def _unauthorized(self, extra=None, rejected=True):
        if rejected:  # credentials were presented and refused (not the initial challenge)
            self.server.site.count(self.server.host, "auth_failures")
        headers = [("WWW-Authenticate", h) for h in (extra or self.server.auth.challenge_headers())]
        self._send(401, headers=headers)

    def _drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # ------------------------------------------------------------------ auth
    def _authenticate(self):
        """Returns (user, scheme) or None after having answered the request itself."""
        srv = self.server
        ca = self.conn_auth
        header = self.headers.get("Authorization")
        if header:
            scheme, _, token = header.partition(" ")
            low = scheme.lower()
            if low == "basic" and srv.auth.allow_basic:
                user = srv.auth.check_basic(token)
                if user is None or (srv.tls is None and not srv.allow_unencrypted):
                    self._unauthorized()
                    return None
                srv.site.count(srv.host, "logons_basic")
                return user, "basic"
            if srv.auth.accepts(scheme):
                out, done, failed = srv.auth.step(ca, scheme, token, srv.host, srv.channel_bindings)
                if failed:
                    self._unauthorized()
                    return None
                if not done:
                    self._send(401, headers=[("WWW-Authenticate", "%s %s" % (scheme, out))])
                    return None
                if out:  # Kerberos mutual authentication: the AP-REP rides on the answer to this request
                    self.auth_reply = [("WWW-Authenticate", "%s %s" % (scheme, out))]
                srv.site.count(srv.host, "logons_" + ca.scheme)
                return ca.user, ca.scheme
            self._unauthorized()
            return None
        if ca.complete:
            return ca.user, ca.scheme
        self._unauthorized(rejected=False)
        return None

    # ------------------------------------------------------------------ verbs
    def do_GET(self):
        self._route("GET")

    def do_POST(self):
        self._route("POST")

    def do_DELETE(self):
        self._route("DELETE")

    def _route(self, method):
        url = urlsplit(self.path)
        body = self._read_body()
        self.auth_reply = []
        path = url.path.rstrip("/").lower()
        if path.startswith("/lab"):
            self._lab(method, url, body)
            return
        if path != "/wsman" or method != "POST":
            self._send(404 if path != "/wsman" else 405)
            return
        self.server.site.count(self.server.host, "requests")
        who = self._authenticate()
        if who is None:
            return
        user, scheme = who
        protocol = encryption.protocol_of(self.headers.get("Content-Type"))
        if protocol:
            if not self.conn_auth.complete:
                self._unauthorized()
                return
            try:
                body = encryption.decrypt(self.conn_auth.context, body)
            except Exception:
                log.debug("decrypt failed", exc_info=True)
                self._unauthorized()
                return
        if not body:
            # authentication-only request (pywinrm primes message encryption this way)
            self._send(200, headers=self.auth_reply)
            return
        if (not protocol and scheme in ("ntlm", "kerberos") and self.server.tls is None
                and not self.server.allow_unencrypted):
            self._unauthorized()
            return
        status, payload = self._wsman(body, user, scheme)
        if payload is None:
            return
        if protocol:
            payload, ctype = encryption.encrypt(self.conn_auth.context, payload, protocol)
            self._send(status, payload, content_type=ctype, headers=self.auth_reply)
        else:
            self._send(status, payload, headers=self.auth_reply)

    def _wsman(self, body, user, scheme):
        srv = self.server
        machine = srv.site.model.hosts[srv.host]["netbios"]
        relates = ""
        try:
            req = wsman.Request(body)
            relates = req.message_id
            action = req.action
            if action == wsman.A_CREATE:
                shell = srv.shells.create(req, user, scheme)
                addr = "%s://%s:%d/wsman" % (srv.scheme, machine.lower(), srv.server_address[1])
                out = wsman.shell_created(shell.id, addr, wsman.SHELL_CMD)
            elif action == wsman.A_COMMAND:
                shell = srv.shells.get(req.shell_id)
                _count, drop = srv.site.count_command(srv.host)
                if shell is not None:
                    srv.site.count_step(srv.host, (shell.env or {}).get("VMDR_STEP"))
                if drop == "before":
                    self._drop()
                    return 0, None
                run = srv.shells.start_command(shell, req)
                if drop == "after":
                    run.done.wait(60)
                    self._drop()
                    return 0, None
                out = wsman.command_response(run.id)
            elif action == wsman.A_RECEIVE:
                out = srv.shells.receive(srv.shells.get(req.shell_id), req)
            elif action == wsman.A_SIGNAL:
                srv.shells.signal(srv.shells.get(req.shell_id), req)
                out = "<rsp:SignalResponse/>"
            elif action == wsman.A_DELETE:
                srv.shells.delete(req.shell_id)
                out = ""
            elif action == wsman.A_SEND:
                raise wsman.WSManFault("s:Receiver", "w:ActionNotSupported", "Sending input to a command (stdin) "
                                       "is not modeled by the Hyper-V simulator.", wsman.FAULT_ACTION_UNSUPPORTED)
            else:
                raise wsman.WSManFault("s:Sender", "a:ActionNotSupported", "The action %s is not supported by the "
                                       "service." % action, wsman.FAULT_ACTION_UNSUPPORTED)
            return 200, wsman.envelope(_RESPONSE_ACTION[action], relates, out)
        except wsman.WSManFault as fault:
            return 500, wsman.fault_envelope(fault, relates, machine)

    # ------------------------------------------------------------------ lab control
    def _lab(self, method, url, body):
        srv = self.server
        header = self.headers.get("Authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "basic" or srv.auth.check_basic(token) is None:
            self._send(401, headers=[("WWW-Authenticate", 'Basic realm="hyperv-lab"')])
            return
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        try:
            data = json.loads(body.decode("utf-8")) if body.strip() else {}
        except ValueError:
            self._send(400, json.dumps({"error": "body is not JSON"}).encode(), "application/json")
            return
        status, obj = lab_api.handle(srv, method, url.path.rstrip("/"), query, data)
        self._send(status, json.dumps(obj, indent=1, sort_keys=True, default=str).encode("utf-8"),
                   "application/json")


def make_tls_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    return ctx
