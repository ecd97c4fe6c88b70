"""A loopback TLS proxy in front of one simulated vCenter that answers chosen requests with a fault.

It listens on 127.0.0.1 only, presents a certificate of the lab CA (for ``localhost`` and 127.0.0.1, the names
the modules connect to), relays every other request to the vCenter with TLS verified against the same CA, and
logs every request it saw. ``decide(request)`` picks the fault for one request: None (relay it), an HTTP status
(answered by the proxy; the request never reaches vCenter) or ``"reset"`` (the connection is dropped with a TCP
reset after the whole request was read, without an answer; the request never reaches vCenter either).

Everything is bounded: sockets time out, and the proxy shuts itself down after ``lifetime`` seconds even if the
test that started it never stops it.
"""
import hashlib
import http.client
import re
import socket
import ssl
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from lab.ca import issue_server_cert

RESET = "reset"
_SOAP_OPERATION = re.compile(br"<(?:\w+:)?Body[^>]*>\s*<(?:\w+:)?(\w+)")
_HOP_BY_HOP = ("connection", "keep-alive", "content-length", "transfer-encoding", "host", "proxy-connection", "te",
               "trailer", "upgrade")


class Request(object):
    """One request the proxy saw: ``seq`` (1 for the first), method, path, ``operation`` (the SOAP method of a
    POST to /sdk, else None), ``digest`` (sha256 of the body), ``fault`` (what the proxy did instead of relaying
    it, or None), ``status`` and ``answered`` (vCenter's status and the size of its answer, when relayed)."""

    def __init__(self, seq, method, path, body, at):
        self.seq = seq
        self.method = method
        self.path = path
        match = _SOAP_OPERATION.search(body[:4096]) if body and method == "POST" else None
        self.operation = match.group(1).decode("ascii") if match else None
        self.digest = hashlib.sha256(body or b"").hexdigest()
        self.size = len(body or b"")
        self.at = at
        self.fault = None
        self.status = None
        self.answered = None

    @property
    def call(self):
        """What identifies the call: the same call sent again has the same ``call``."""
        return (self.method, self.path, self.operation, self.digest)

    def __repr__(self):
        return "#%d %s %s%s%s%s" % (self.seq, self.method, self.path.split("?", 1)[0],
                                    " " + self.operation if self.operation else "",
                                    " -> fault %s" % self.fault if self.fault else "",
                                    " -> %s" % self.status if self.status else "")


class FaultProxy(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 32

    def __init__(self, run_dir, upstream_port, ca_file, name="fault-proxy", lifetime=300, timeout=60):
        cert, key = issue_server_cert(run_dir, name)
        ThreadingHTTPServer.__init__(self, ("127.0.0.1", 0), _Handler)
        self.server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.server_ctx.load_cert_chain(cert, key)
        self.client_ctx = ssl.create_default_context(cafile=ca_file)
        self.upstream_port = upstream_port
        self.io_timeout = timeout
        self.lock = threading.Lock()
        self.log = []
        self.decide = lambda request: None
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()
        self._watchdog = threading.Timer(lifetime, self.stop)
        self._watchdog.daemon = True
        self._watchdog.start()

    @property
    def port(self):
        return self.server_address[1]

    def reset(self, decide=None):
        """Forget the log and relay everything (or use ``decide``) from now on."""
        with self.lock:
            self.log = []
            self.decide = decide or (lambda request: None)

    def requests(self):
        with self.lock:
            return list(self.log)

    def faulted(self):
        return [r for r in self.requests() if r.fault is not None]

    def stop(self):
        if self._stopped.is_set():
            return
        self._stopped.set()
        self._watchdog.cancel()
        self.shutdown()
        self.server_close()

    # the TLS handshake runs in the handler's thread, so a stuck client cannot block accept()
    def get_request(self):
        sock, address = self.socket.accept()
        sock.settimeout(self.io_timeout)
        return self.server_ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address

    def handle_error(self, request, client_address):
        pass  # a client that went away (the module exited, or a dropped connection) is not an error here

    def _record(self, method, path, body):
        with self.lock:
            request = Request(len(self.log) + 1, method, path, body, time.monotonic())
            self.log.append(request)
            fault = self.decide(request)
            request.fault = fault
        return request


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        self.request.do_handshake()
        BaseHTTPRequestHandler.setup(self)

    def _body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            parts = []
            for _i in range(1 << 20):  # bounded: a chunk per iteration
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(parts)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _relay(self):
        body = self._body()
        request = self.server._record(self.command, self.path, body)
        if request.fault == RESET:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        if request.fault is not None:
            text = b"injected by the test's fault proxy"
            self.send_response(int(request.fault))
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(text)
            return
        # loopback only; the vCenter's certificate names 127.0.0.1 as well as localhost
        upstream = http.client.HTTPSConnection("127.0.0.1", self.server.upstream_port,
                                               context=self.server.client_ctx, timeout=self.server.io_timeout)
        try:
            headers = dict((k, v) for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP)
            headers["Host"] = "localhost:%d" % self.server.upstream_port
            if body or self.command in ("POST", "PUT"):
                headers["Content-Length"] = str(len(body))
            upstream.request(self.command, self.path, body=body or None, headers=headers)
            answer = upstream.getresponse()
            data = answer.read()
            request.status, request.answered = answer.status, len(data)
            self.send_response(answer.status)
            for key, value in answer.getheaders():
                if key.lower() not in _HOP_BY_HOP:
                    self.send_header(key, value)
            length = answer.getheader("Content-Length") if self.command == "HEAD" else None
            self.send_header("Content-Length", length or str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        finally:
            upstream.close()

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _relay

    def log_message(self, *args):
        pass


def first(count, fault, **match):
    """A ``decide`` that answers ``fault`` to the first ``count`` requests that match (see ``matches``)."""
    left = [count]

    def decide(request):
        if left[0] > 0 and matches(request, **match):
            left[0] -= 1
            return fault
        return None
    return decide


def every(fault, **match):
    """A ``decide`` that answers ``fault`` to every request that matches."""
    return lambda request: fault if matches(request, **match) else None


def chain(*decisions):
    """The fault of the first of ``decisions`` that picks one; the later ones do not see that request."""
    def decide(request):
        for decision in decisions:
            fault = decision(request)
            if fault is not None:
                return fault
        return None
    return decide


def matches(request, method=None, path_prefix=None, path_contains=None, operation=None):
    path = request.path.split("?", 1)[0]
    return ((method is None or request.method == method)
            and (path_prefix is None or path.startswith(path_prefix))
            and (path_contains is None or path_contains in path)
            and (operation is None or request.operation == operation))
