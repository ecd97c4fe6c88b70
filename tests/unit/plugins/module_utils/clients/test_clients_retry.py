# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The retry policy: what is transient, backoff, jitter, attempts and deadline, and its wiring into each client.

The faults come from the real libraries where that is cheap: pyVmomi against a local HTTP server that answers
503 or drops the connection, requests against closed ports, resetting sockets and an untrusted TLS server.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime
import hashlib
import http.client
import ipaddress
import random
import socket
import ssl
import struct
import threading
import types
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.parsers.expat import ExpatError

import pytest
import requests
import urllib3
from pyVim.connect import SmartConnect
from pyVmomi import VmomiSupport, vim, vmodl
from pyVmomi.SoapAdapter import SoapStubAdapter
from winrm.exceptions import (InvalidCredentialsError, WinRMOperationTimeoutError, WinRMTransportError,
                              WSManFaultError)

from ansible_collections.vmdr.replication.plugins.module_utils.clients import (
    datastore_http, retry, vsphere_props, vsphere_session, winrm_runner)
from ansible_collections.vmdr.replication.plugins.module_utils.clients.retry import (
    RetryPolicy, HttpStatusError, is_transient)
from ansible_collections.vmdr.replication.plugins.module_utils.errors import VmdrError

PC = vmodl.query.PropertyCollector


class FakeTime(object):
    """A clock that only moves when the code sleeps or a call is said to take time."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time(monkeypatch):
    """The module's POLICY with the documented numbers, a fake clock and a seeded jitter."""
    fake = FakeTime()
    monkeypatch.setattr(retry, "POLICY", RetryPolicy(sleep=fake.sleep, clock=fake.clock, rand=random.Random(7)))
    return fake


class Flaky(object):
    """A call that raises ``faults`` in turn, then returns ``result``; each call may take ``cost`` seconds."""

    def __init__(self, faults, result="answer", clock=None, cost=0.0):
        self.faults = list(faults)
        self.result = result
        self.calls = 0
        self.started = []
        self.clock = clock
        self.cost = cost

    def __call__(self):
        self.calls += 1
        if self.clock is not None:
            self.started.append(self.clock.now)
            self.clock.now += self.cost
        if self.faults:
            raise self.faults.pop(0)
        return self.result


def raised_inside(outer, inner):
    """``outer`` as Python raises it inside ``except inner`` (its __context__ is ``inner``), as pyVim does."""
    try:
        try:
            raise inner
        except Exception:
            raise outer
    except Exception as exc:  # pylint: disable=broad-except
        return exc


# ----------------------------------------------------------------------------------------- real wire helpers

class Scripted(ThreadingHTTPServer):
    """A local HTTP server answering each request with the next step of ``script``: a status (with ``bodies``
    for it) or "reset" (closes the connection without an answer)."""
    daemon_threads = True

    def __init__(self, script, bodies=None):
        self.script = list(script)
        self.bodies = dict(bodies or {})
        self.seen = []
        ThreadingHTTPServer.__init__(self, ("127.0.0.1", 0), _ScriptedHandler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def port(self):
        return self.server_address[1]

    def stop(self):
        self.shutdown()
        self.server_close()


class _ScriptedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self):
        if self.command == "POST":
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.seen.append((self.command, self.path))
        step = self.server.script.pop(0) if self.server.script else 200
        if step == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        body = self.server.bodies.get(step, b"busy")
        self.send_response(step)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_HEAD = do_PUT = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def scripted():
    servers = []

    def start(script, bodies=None):
        servers.append(Scripted(script, bodies))
        return servers[-1]
    yield start
    for server in servers:
        server.stop()


SOAP = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
        'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>%s</soapenv:Body></soapenv:Envelope>')
RETRIEVE_ANSWER = (SOAP % (
    '<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects><obj type="VirtualMachine">vm-1</obj>'
    '<propSet><name>name</name><val xsi:type="xsd:string">app-web-01</val></propSet></objects></returnval>'
    '</RetrievePropertiesExResponse>')).encode("utf-8")
NOT_AUTHENTICATED = (SOAP % (
    '<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>The session is not authenticated.'
    '</faultstring><detail><NotAuthenticatedFault xmlns="urn:vim25" xsi:type="NotAuthenticated"><object '
    'type="PropertyCollector">propertyCollector</object><privilegeId>System.View</privilegeId>'
    '</NotAuthenticatedFault></detail></soapenv:Fault>')).encode("utf-8")
VERSIONS = ('<?xml version="1.0" encoding="UTF-8" ?><namespaces version="1.0"><namespace><name>urn:vim25</name>'
            '<version>%s</version></namespace></namespaces>'
            % VmomiSupport.versionIdMap[VmomiSupport.newestVersions.Get("vim")]).encode("utf-8")


def soap_si(server):
    """A ServiceInstance on a real pyVmomi SOAP stub to ``server``, its ServiceContent cached as after a login."""
    stub = SoapStubAdapter(host="127.0.0.1", port=-server.port, version=VmomiSupport.newestVersions.Get("vim"))
    stub._vmdr_service_content = types.SimpleNamespace(propertyCollector=PC("propertyCollector", stub))
    return vim.ServiceInstance("ServiceInstance", stub)


def closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def real_exception(call):
    try:
        call()
    except Exception as exc:  # pylint: disable=broad-except
        return exc
    raise AssertionError("the call did not fail")


@pytest.fixture(scope="module")
def untrusted_tls_port(tmp_path_factory):
    """A TLS server whose self-signed certificate no default CA trusts."""
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False).sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(folder / "cert.pem"), str(folder / "key.pem"))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)

    def serve():
        while True:
            try:
                conn, _addr = listener.accept()
            except OSError:
                return
            try:
                context.wrap_socket(conn, server_side=True).close()
            except (ssl.SSLError, OSError):
                conn.close()
    threading.Thread(target=serve, daemon=True).start()
    yield listener.getsockname()[1]
    listener.close()


# ----------------------------------------------------------------------------------------- the classifier

def test_pyvmomi_raises_http_exception_for_a_503_and_remote_disconnected_for_a_dropped_answer(scripted):
    server = scripted([503, "reset", 500], {500: NOT_AUTHENTICATED})
    collector = vsphere_props.service_content(soap_si(server)).propertyCollector
    spec = PC.FilterSpec(objectSet=[PC.ObjectSpec(obj=vim.VirtualMachine("vm-1"))],
                         propSet=[PC.PropertySpec(type=vim.VirtualMachine, pathSet=["name"])])

    unavailable = real_exception(lambda: collector.RetrievePropertiesEx([spec], PC.RetrieveOptions()))
    assert unavailable.__class__ is http.client.HTTPException and str(unavailable) == "503 Service Unavailable"
    assert is_transient(unavailable)
    dropped = real_exception(lambda: collector.RetrievePropertiesEx([spec], PC.RetrieveOptions()))
    assert isinstance(dropped, ConnectionError) and is_transient(dropped)
    # a SOAP fault is an answer: NotAuthenticated needs a new login, not the same call again
    fault = real_exception(lambda: collector.RetrievePropertiesEx([spec], PC.RetrieveOptions()))
    assert isinstance(fault, vim.fault.NotAuthenticated) and not is_transient(fault)


def test_pyvim_login_faults_for_a_starting_vcenter_are_transient(scripted):
    server = scripted([503, 200, 503], {200: VERSIONS})

    def login():
        return SmartConnect(protocol="http", host="127.0.0.1", port=server.port, user="u", pwd="p")
    # the version document answered 503: pyVim raises a bare Exception
    not_yet = real_exception(login)
    assert not_yet.__class__ is Exception and "is down or is not a VIM server" in str(not_yet)
    assert is_transient(not_yet, connected=False)
    # RetrieveServiceContent answered 503: pyVim wraps the HTTPException into a HostConnectFault
    wrapped = real_exception(login)
    assert isinstance(wrapped, vim.fault.HostConnectFault) and wrapped.msg == "503 Service Unavailable"
    assert is_transient(wrapped, connected=False)


def test_a_refused_connection_is_transient_only_after_the_endpoint_answered():
    refused = real_exception(lambda: requests.get("http://127.0.0.1:%d/" % closed_port(), timeout=5))
    assert isinstance(refused, requests.exceptions.ConnectionError)
    assert is_transient(refused, connected=True)
    assert not is_transient(refused, connected=False)
    assert is_transient(ConnectionRefusedError(111, "Connection refused"))
    assert not is_transient(ConnectionRefusedError(111, "Connection refused"), connected=False)
    # as pyVim reports it at login
    at_login = raised_inside(vim.fault.HostConnectFault(msg="[Errno 111] Connection refused"),
                             ConnectionRefusedError(111, "Connection refused"))
    assert not is_transient(at_login, connected=False)


def test_a_reset_connection_seen_through_requests_is_transient(scripted):
    server = scripted(["reset"])
    reset = real_exception(lambda: requests.get("http://127.0.0.1:%d/folder/x" % server.port, timeout=5))
    assert isinstance(reset, requests.exceptions.ConnectionError)
    assert is_transient(reset) and is_transient(reset, connected=False)


def test_tls_verification_failures_are_never_transient(untrusted_tls_port):
    untrusted = real_exception(lambda: requests.get("https://127.0.0.1:%d/" % untrusted_tls_port, timeout=5))
    assert isinstance(untrusted, requests.exceptions.SSLError)
    assert not is_transient(untrusted)
    context = ssl.create_default_context()
    direct = real_exception(lambda: context.wrap_socket(socket.create_connection(
        ("127.0.0.1", untrusted_tls_port), timeout=5), server_hostname="127.0.0.1"))
    assert isinstance(direct, ssl.SSLCertVerificationError) and not is_transient(direct)


TRANSIENT = [
    ConnectionResetError(104, "Connection reset by peer"),
    ConnectionAbortedError(103, "Software caused connection abort"),
    BrokenPipeError(32, "Broken pipe"),
    http.client.RemoteDisconnected("Remote end closed connection without response"),
    http.client.IncompleteRead(b"partial", 100),
    http.client.HTTPException("502 Bad Gateway"),
    http.client.HTTPException("503 Service Unavailable"),
    http.client.HTTPException("504 Gateway Timeout"),
    socket.timeout("timed out"),
    socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"),
    ssl.SSLEOFError(8, "EOF occurred in violation of protocol"),
    ExpatError("no element found: line 1, column 0"),
    requests.exceptions.ReadTimeout("Read timed out. (read timeout=30)"),
    requests.exceptions.ConnectTimeout("Connection to 10.0.0.1 timed out"),
    requests.exceptions.ChunkedEncodingError(urllib3.exceptions.ProtocolError("Connection broken")),
    requests.exceptions.ConnectionError(urllib3.exceptions.ProtocolError(
        "Connection aborted.", ConnectionResetError(104, "Connection reset by peer"))),
    urllib3.exceptions.ProtocolError("Connection aborted.", http.client.RemoteDisconnected("closed")),
    urllib3.exceptions.ReadTimeoutError(None, "/wsman", "Read timed out."),
    WinRMOperationTimeoutError(),
    WinRMTransportError("http", 503, ""),
    WinRMTransportError("http", 500, "<html>Internal Server Error</html>"),
    HttpStatusError(502, "GET [ds] a"),
    HttpStatusError(503, "GET [ds] a"),
    HttpStatusError(504, "HEAD [ds] a"),
    raised_inside(vim.fault.HostConnectFault(msg="[Errno 104] Connection reset by peer"),
                  ConnectionResetError(104, "Connection reset by peer")),
]

PERMANENT = [
    vim.fault.InvalidLogin(msg="Cannot complete login due to an incorrect user name or password."),
    vim.fault.NotAuthenticated(msg="The session is not authenticated."),
    vim.fault.NoPermission(msg="Permission to perform this operation was denied.", privilegeId="System.View"),
    vim.fault.InvalidState(msg="The operation is not allowed in the current state."),
    vim.fault.TaskInProgress(msg="The operation is not allowed in the current state."),
    vmodl.fault.SystemError(msg="A general system error occurred", reason="vpxd busy"),
    vmodl.fault.ManagedObjectNotFound(msg="The object has already been deleted"),
    vim.fault.HostConnectFault(msg="Cannot contact the specified host"),  # sent by the server, wraps nothing
    http.client.HTTPException("401 Unauthorized"),
    http.client.HTTPException("404 Not Found"),
    http.client.BadStatusLine("HTTP/1.1 200 OK"),
    HttpStatusError(500, "GET [ds] a"),
    HttpStatusError(404, "GET [ds] a"),
    HttpStatusError(403, "GET [ds] a"),
    InvalidCredentialsError("the specified credentials were rejected by the server"),
    WSManFaultError(500, "Bad HTTP response returned from server. Code 500", "<x/>", "Access is denied."),
    WinRMTransportError("http", 400, ""),
    ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
    ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number"),
    requests.exceptions.SSLError("HTTPSConnectionPool: Max retries exceeded (Caused by SSLError("
                                 "SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED]')))"),
    socket.gaierror(socket.EAI_NONAME, "Name or service not known"),
    FileNotFoundError(2, "No such file or directory"),
    VmdrError("the replica record is missing", step="read"),
    ValueError("bad value"),
    KeyError("name"),
    Exception("something else"),
]


def _name(exc):
    return "%s(%s)" % (type(exc).__name__.split(".")[-1], str(exc)[:40])


@pytest.mark.parametrize("exc", TRANSIENT, ids=_name)
def test_transient_faults(exc):
    assert is_transient(exc) is True


@pytest.mark.parametrize("exc", PERMANENT, ids=_name)
def test_faults_that_are_never_transient(exc):
    assert is_transient(exc) is False


def test_a_transient_link_does_not_win_over_a_permanent_one():
    # requests' ConnectionError says "transient", the TLS verification failure inside it says otherwise
    wrapped = requests.exceptions.ConnectionError(urllib3.exceptions.MaxRetryError(
        None, "/sdk", reason=ssl.SSLCertVerificationError(1, "certificate verify failed")))
    assert not is_transient(wrapped)
    # an error of the product raised while handling a reset is not a transport error
    assert not is_transient(raised_inside(VmdrError("boom"), ConnectionResetError(104, "reset")))


# ----------------------------------------------------------------------------------------- the policy

def test_transient_faults_are_retried_with_backoff_and_the_answer_returned():
    fake = FakeTime()
    policy = RetryPolicy(sleep=fake.sleep, clock=fake.clock, rand=random.Random(1))
    call = Flaky([ConnectionResetError(104, "reset"), http.client.HTTPException("503 Service Unavailable")])
    assert policy.run(call) == "answer"
    assert call.calls == 3
    assert len(fake.sleeps) == 2
    assert 0 <= fake.sleeps[0] <= 1.0 and 0 <= fake.sleeps[1] <= 2.0


def test_the_documented_numbers():
    policy = RetryPolicy()
    assert (policy.attempts, policy.base_delay, policy.max_delay, policy.deadline) == (5, 1.0, 10.0, 60.0)
    assert retry.POLICY.attempts == 5 and retry.TRANSIENT_HTTP_STATUS == (502, 503, 504)
    # the policy's documentation states the same numbers
    text = " ".join(retry.__doc__.split())
    for claim in ("At most %d attempts" % retry.ATTEMPTS, "min(%d s, %d s x 2^(n-1))" % (retry.MAX_DELAY,
                                                                                         retry.BASE_DELAY),
                  "The deadline is %d s" % retry.DEADLINE, "HTTP 502, 503 or 504"):
        assert claim in text


def test_non_transient_faults_are_raised_at_once():
    fake = FakeTime()
    policy = RetryPolicy(sleep=fake.sleep, clock=fake.clock)
    for fault in (vim.fault.InvalidLogin(msg="bad password"), vim.fault.NotAuthenticated(msg="session gone"),
                  InvalidCredentialsError("rejected"), ValueError("logic")):
        call = Flaky([fault])
        with pytest.raises(type(fault)) as caught:
            policy.run(call)
        assert caught.value is fault
        assert call.calls == 1
    assert fake.sleeps == []


def test_attempts_are_bounded_and_the_last_fault_is_raised_unchanged():
    fake = FakeTime()
    policy = RetryPolicy(sleep=fake.sleep, clock=fake.clock, rand=random.Random(3))
    faults = [ConnectionResetError(104, "reset %d" % i) for i in range(10)]
    call = Flaky(faults)
    with pytest.raises(ConnectionResetError, match="reset 4") as caught:
        policy.run(call)
    assert call.calls == 5 and len(fake.sleeps) == 4
    assert caught.value.vmdr_attempts == 5
    assert retry.attempts_note(caught.value) == " (after 5 attempts)"
    assert retry.attempts_note(ValueError("never retried")) == ""
    # at most 1 + 2 + 4 + 8 seconds of sleep
    assert all(s <= cap for s, cap in zip(fake.sleeps, (1, 2, 4, 8)))


def test_full_jitter_is_bounded_by_the_capped_exponential():
    policy = RetryPolicy(rand=random.Random(11))
    for retry_number, cap in ((1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 10.0), (9, 10.0)):
        delays = [policy.delay(retry_number) for _i in range(400)]
        assert all(0 <= d <= cap for d in delays)
        # full jitter spreads over the whole range, so callers that failed together do not return together
        assert min(delays) < cap * 0.1 and max(delays) > cap * 0.9
        assert len(set(delays)) > 390


def test_no_retry_starts_after_the_deadline():
    fake = FakeTime()
    policy = RetryPolicy(attempts=50, base_delay=1.0, max_delay=10.0, deadline=60.0, sleep=fake.sleep,
                         clock=fake.clock, rand=random.Random(5))
    began = fake.now
    call = Flaky([socket.timeout("timed out")] * 50, clock=fake, cost=7.0)  # every attempt times out after 7 s
    with pytest.raises(socket.timeout):
        policy.run(call)
    # it gave up on time, not for lack of attempts
    assert 1 < call.calls < 50
    assert all(start - began <= 60.0 for start in call.started)
    # the failure is raised when the last attempt ends: at most one attempt past the deadline
    assert fake.now - began <= 60.0 + 7.0


def test_the_callers_shorter_timeout_wins_over_the_policy_deadline():
    fake = FakeTime()
    policy = RetryPolicy(sleep=fake.sleep, clock=fake.clock, rand=random.Random(2))
    call = Flaky([ConnectionResetError(104, "reset")] * 5, clock=fake, cost=3.0)
    with pytest.raises(ConnectionResetError):
        policy.run(call, deadline=4.0)
    assert all(start - call.started[0] <= 4.0 for start in call.started)
    zero = Flaky([ConnectionResetError(104, "reset")])
    with pytest.raises(ConnectionResetError):
        policy.run(zero, deadline=0)
    assert zero.calls == 1


def test_the_read_only_decorator_uses_the_policy_of_the_moment(fake_time):
    seen = []

    @retry.read_only
    def read(value):
        seen.append(value)
        if len(seen) < 3:
            raise BrokenPipeError(32, "Broken pipe")
        return value * 2
    assert read(21) == 42
    assert seen == [21, 21, 21] and len(fake_time.sleeps) == 2


def test_bad_numbers_are_refused():
    with pytest.raises(ValueError):
        RetryPolicy(attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(deadline=-1)


# ----------------------------------------------------------------------------------------- vsphere_props

def content_of(obj, **props):
    return PC.ObjectContent(obj=obj, propSet=[vmodl.DynamicProperty(name=k, val=v) for k, v in sorted(props.items())])


class FlakyCollector(object):
    """Two pages; ``faults`` maps a method name to the faults it raises before answering."""

    def __init__(self, faults):
        self.faults = dict((k, list(v)) for k, v in faults.items())
        self.calls = []

    def _maybe_fail(self, name):
        self.calls.append(name)
        if self.faults.get(name):
            raise self.faults[name].pop(0)

    def RetrievePropertiesEx(self, specs, options):
        self._maybe_fail("RetrievePropertiesEx")
        return PC.RetrieveResult(objects=[content_of(vim.VirtualMachine("vm-1"), name="a")], token="t1")

    def ContinueRetrievePropertiesEx(self, token):
        self._maybe_fail("ContinueRetrievePropertiesEx")
        return PC.RetrieveResult(objects=[content_of(vim.VirtualMachine("vm-2"), name="b")], token=None)


class FakeView(vim.view.ContainerView):
    def __init__(self, moid, fail=None):
        vim.view.ContainerView.__init__(self, moid)
        self.fail = fail
        self.destroyed = 0

    def DestroyView(self):
        self.destroyed += 1
        if self.fail:
            raise self.fail


class FakeContent(object):
    def __init__(self, collector, view=None, view_faults=()):
        self.propertyCollector = collector
        self.viewManager = self
        self.rootFolder = vim.Folder("group-d1")
        self.about = types.SimpleNamespace(instanceUuid="uuid-a")
        self.view = view
        self.view_faults = list(view_faults)
        self.views = 0

    def CreateContainerView(self, root, kinds, recursive):
        self.views += 1
        if self.view_faults:
            raise self.view_faults.pop(0)
        return self.view


class FakeSi(object):
    def __init__(self, content, content_faults=(), timeout=None):
        self.content = content
        self.content_faults = list(content_faults)
        self.retrieved = 0
        self._stub = types.SimpleNamespace(poolSize=5, cookie='vmware_soap_session="s"; Path=/')
        if timeout is not None:
            self._stub._vmdr_timeout = timeout

    def RetrieveContent(self):
        self.retrieved += 1
        if self.content_faults:
            raise self.content_faults.pop(0)
        return self.content


def test_props_read_retried_after_a_reset_then_answered(fake_time):
    collector = FlakyCollector({"RetrievePropertiesEx": [ConnectionResetError(104, "Connection reset by peer")]})
    si = FakeSi(FakeContent(collector), content_faults=[http.client.HTTPException("503 Service Unavailable")])
    rows = vsphere_props.retrieve_objects(si, [vim.VirtualMachine("vm-1"), vim.VirtualMachine("vm-2")], ["name"])
    assert [p["name"] for _o, p in rows] == ["a", "b"]
    assert si.retrieved == 2
    assert collector.calls == ["RetrievePropertiesEx", "RetrievePropertiesEx", "ContinueRetrievePropertiesEx"]
    assert len(fake_time.sleeps) == 2


def test_a_fault_on_a_later_page_reads_again_from_the_first_page(fake_time):
    collector = FlakyCollector({"ContinueRetrievePropertiesEx": [http.client.RemoteDisconnected("closed")]})
    rows = vsphere_props.retrieve_objects(FakeSi(FakeContent(collector)), [vim.VirtualMachine("vm-1")], ["name"])
    # one consistent read: no page twice, none missing
    assert [(o._moId, p["name"]) for o, p in rows] == [("vm-1", "a"), ("vm-2", "b")]
    assert collector.calls == ["RetrievePropertiesEx", "ContinueRetrievePropertiesEx",
                               "RetrievePropertiesEx", "ContinueRetrievePropertiesEx"]


def test_props_faults_that_are_answers_are_not_retried(fake_time):
    collector = FlakyCollector({"RetrievePropertiesEx": [vim.fault.NotAuthenticated(msg="session gone")]})
    with pytest.raises(vim.fault.NotAuthenticated):
        vsphere_props.retrieve_objects(FakeSi(FakeContent(collector)), [vim.VirtualMachine("vm-1")], ["name"])
    assert collector.calls == ["RetrievePropertiesEx"] and fake_time.sleeps == []


def test_container_view_creation_is_retried_and_a_failing_destroy_does_not_hide_the_rows(fake_time):
    view = FakeView("session[1]view-1", fail=ConnectionResetError(104, "reset"))
    content = FakeContent(FlakyCollector({}), view=view, view_faults=[BrokenPipeError(32, "Broken pipe")])
    rows = vsphere_props.retrieve_view(FakeSi(content), content.rootFolder, vim.VirtualMachine, ["name"])
    assert [p["name"] for _o, p in rows] == ["a", "b"]
    assert content.views == 2
    assert view.destroyed == 1  # DestroyView is not retried


def test_props_reads_keep_within_the_session_timeout(fake_time):
    collector = FlakyCollector({"RetrievePropertiesEx": [ConnectionResetError(104, "reset")] * 3})
    with pytest.raises(VmdrError) as err:
        vsphere_props.retrieve_objects(FakeSi(FakeContent(collector), timeout=0), [vim.VirtualMachine("v")], ["n"])
    assert collector.calls == ["RetrievePropertiesEx"]
    # a transient fault the policy gave up on names the step (the site comes from the session's stub)
    assert err.value.step == "read from vCenter" and "ConnectionResetError" in err.value.message


def test_props_read_through_real_pyvmomi_answering_503_then_dropping_then_answering(scripted, fake_time):
    server = scripted([503, "reset", 200], {200: RETRIEVE_ANSWER})
    rows = vsphere_props.retrieve_objects(soap_si(server), [vim.VirtualMachine("vm-1")], ["name"])
    assert [(o._moId, p) for o, p in rows] == [("vm-1", {"name": "app-web-01"})]
    assert [method for method, _path in server.seen] == ["POST", "POST", "POST"]
    assert len(fake_time.sleeps) == 2


# ----------------------------------------------------------------------------------------- vsphere_session

def site_with_login(monkeypatch, logins):
    """A VsphereSite whose SmartConnect runs ``logins`` in turn: exceptions are raised, callables called, and
    the last one returns a fake connection with one datacenter."""
    datacenter = vim.Datacenter("datacenter-1")

    class Collector(object):
        def RetrievePropertiesEx(self, specs, options):
            return PC.RetrieveResult(objects=[content_of(datacenter, name="dc-a")], token=None)

    si = FakeSi(FakeContent(Collector(), view=FakeView("session[1]view-1")))
    calls = []

    def smart_connect(**kwargs):
        calls.append(kwargs)
        step = logins.pop(0) if logins else None
        if isinstance(step, BaseException):
            raise step
        if callable(step):
            return step()
        return si
    monkeypatch.setattr(vsphere_session, "SmartConnect", smart_connect)
    site = vsphere_session.VsphereSite("site-a", "vc.example", "admin", "secret", timeout=45)
    return site, si, calls


def test_login_is_retried_through_a_starting_vcenter(monkeypatch, scripted, fake_time):
    server = scripted([503, 200, 503], {200: VERSIONS})

    def real_login():
        return SmartConnect(protocol="http", host="127.0.0.1", port=server.port, user="u", pwd="p")
    site, si, calls = site_with_login(monkeypatch, [real_login, real_login])
    assert site.connect() is site
    assert len(calls) == 3 and len(fake_time.sleeps) == 2
    assert site.si is si and site.datacenter_name == "dc-a" and site.instance_uuid == "uuid-a"
    # the session's reads retry within the same request timeout
    assert si._stub._vmdr_timeout == 45


@pytest.mark.parametrize("fault, text", [
    (vim.fault.InvalidLogin(msg="Cannot complete login due to an incorrect user name or password."), "incorrect"),
    (ConnectionRefusedError(111, "Connection refused"), "cannot reach the site"),
    (ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"), "TLS"),
])
def test_login_failures_that_waiting_does_not_fix_are_not_retried(monkeypatch, fake_time, fault, text):
    site, _si, calls = site_with_login(monkeypatch, [fault])
    with pytest.raises(VmdrError) as caught:
        site.connect()
    assert len(calls) == 1 and fake_time.sleeps == []
    assert caught.value.step == "connect" and text in caught.value.message
    assert "attempts" not in caught.value.message


def test_a_login_that_stays_unavailable_says_how_often_it_was_tried(monkeypatch, fake_time):
    faults = [ConnectionResetError(104, "Connection reset by peer") for _i in range(6)]
    site, _si, calls = site_with_login(monkeypatch, list(faults))
    with pytest.raises(VmdrError) as caught:
        site.connect()
    assert len(calls) == 5
    assert caught.value.message.endswith("(after 5 attempts)")
    error = site.fail(faults[4], "read inventory")  # the last fault the policy saw
    assert error.message.endswith("(after 5 attempts)") and error.step == "read inventory"


# ----------------------------------------------------------------------------------------- winrm_runner

class ReadOnlyBody(str):
    """A script body marked read-only, as the providers' script objects are."""
    read_only = True


OK_ANSWER = b'{"ok":true,"now":"2026-11-22T00:00:00Z","data":{"vms":1}}'


class ScriptedProtocol(object):
    """pywinrm's Protocol: each method raises the faults given for it in turn, then succeeds."""

    def __init__(self, **faults):
        self.faults = dict((k, list(v)) for k, v in faults.items())
        self.calls = []
        self.read_timeout_sec = 30

    def _step(self, name):
        self.calls.append(name)
        if self.faults.get(name):
            raise self.faults[name].pop(0)

    def open_shell(self, env_vars=None, codepage=None):
        self._step("open_shell")
        return "shell"

    def run_command(self, shell, command, args):
        self._step("run_command")
        return "cmd"

    def get_command_output(self, shell, command):
        self._step("get_command_output")
        return OK_ANSWER, b"", 0

    def cleanup_command(self, shell, command):
        self._step("cleanup_command")

    def close_shell(self, shell, close_session=True):
        self._step("close_shell")


def runner_with(protocol, commands=1):
    runner = winrm_runner.WinrmRunner.__new__(winrm_runner.WinrmRunner)
    runner.site = "hv-b1"
    runner.endpoint = "https://hv-b1:5986/wsman"
    runner.commands = commands
    runner.protocol = protocol
    return runner


def read_timeout():
    return requests.exceptions.ReadTimeout("HTTPSConnectionPool(host='hv-b1', port=5986): Read timed out.")


def test_a_read_only_command_is_retried_after_a_timeout(fake_time):
    protocol = ScriptedProtocol(get_command_output=[read_timeout()])
    runner = runner_with(protocol)
    data, now = runner.run("read replication", ReadOnlyBody("$data = @{vms = 1}"), {"vms": []})
    assert data == {"vms": 1} and now == "2026-11-22T00:00:00Z"
    assert protocol.calls.count("run_command") == 2 and runner.commands == 3
    assert len(fake_time.sleeps) == 1
    # every attempt closed its shell
    assert protocol.calls.count("close_shell") == 2


def test_a_changing_command_that_timed_out_is_not_sent_again_and_its_outcome_is_unknown(fake_time):
    protocol = ScriptedProtocol(get_command_output=[read_timeout()])
    with pytest.raises(VmdrError) as caught:
        runner_with(protocol).run("fail over replica", "Start-VMFailover -VMName $in.vms", {"vms": []})
    assert protocol.calls.count("run_command") == 1 and fake_time.sleeps == []
    error = caught.value
    assert error.site == "hv-b1" and error.step == "fail over replica"
    assert "may have run (outcome unknown)" in error.message
    assert error.hint == retry.UNKNOWN_OUTCOME_HINT and "rerun" in error.hint


def test_a_changing_command_that_never_reached_the_host_is_not_an_unknown_outcome(fake_time):
    for faults in ({"open_shell": [WinRMTransportError("http", 503, "")]},
                   {"run_command": [WinRMTransportError("http", 503, "")]}):
        protocol = ScriptedProtocol(**faults)
        with pytest.raises(VmdrError) as caught:
            runner_with(protocol).run("enable replication", "Enable-VMReplication", {})
        assert "outcome unknown" not in caught.value.message
        assert caught.value.hint.startswith("Check the address")
        assert protocol.calls.count("open_shell") == 1  # a changing call is not retried, even then
    assert fake_time.sleeps == []


def test_a_read_only_command_is_not_retried_on_bad_credentials(fake_time):
    protocol = ScriptedProtocol(open_shell=[InvalidCredentialsError("the specified credentials were rejected")])
    with pytest.raises(VmdrError, match="authentication failed"):
        runner_with(protocol).run("find VMs", ReadOnlyBody("$data = 1"), {})
    assert protocol.calls == ["open_shell"] and fake_time.sleeps == []


def test_refused_connections_are_retried_only_once_the_host_has_answered(fake_time):
    refused = requests.exceptions.ConnectionError(urllib3.exceptions.MaxRetryError(
        None, "/wsman", reason=urllib3.exceptions.NewConnectionError(None, "Connection refused")))
    refused.args[0].reason.__cause__ = ConnectionRefusedError(111, "Connection refused")
    first = ScriptedProtocol(open_shell=[refused])
    with pytest.raises(VmdrError):
        runner_with(first, commands=0).run("find VMs", ReadOnlyBody("$data = 1"), {})
    assert first.calls == ["open_shell"]
    later = ScriptedProtocol(open_shell=[refused])
    assert runner_with(later, commands=4).run("find VMs", ReadOnlyBody("$data = 1"), {})[0] == {"vms": 1}
    assert later.calls.count("open_shell") == 2


def test_a_failing_cleanup_does_not_turn_a_finished_command_into_a_failure(fake_time):
    protocol = ScriptedProtocol(cleanup_command=[ConnectionResetError(104, "reset")],
                                close_shell=[ConnectionResetError(104, "reset")])
    data, _now = runner_with(protocol).run("set replica", "Set-VMReplication", {})
    assert data == {"vms": 1} and protocol.calls.count("run_command") == 1


def test_a_read_only_command_that_stays_unreachable_says_how_often_it_was_tried(fake_time):
    protocol = ScriptedProtocol(get_command_output=[read_timeout() for _i in range(5)])
    with pytest.raises(VmdrError) as caught:
        runner_with(protocol).run("read replication", ReadOnlyBody("$data = 1"), {})
    assert caught.value.message.endswith("(after 5 attempts)")
    assert "outcome unknown" not in caught.value.message
    assert protocol.calls.count("run_command") == 5


# ----------------------------------------------------------------------------------------- datastore_http

PAYLOAD = bytes(bytearray((i * 13 + 5) % 256 for i in range(3000)))


class FakeResponse(object):
    def __init__(self, status=200, chunks=(), headers=None, content=b"", broken_after=None):
        self.status_code = status
        self.chunks = list(chunks)
        self.headers = dict(headers or {})
        self.content = content
        self.closed = False
        self.broken_after = broken_after

    def iter_content(self, chunk_size):
        for index, chunk in enumerate(self.chunks):
            if self.broken_after is not None and index >= self.broken_after:
                raise requests.exceptions.ChunkedEncodingError(urllib3.exceptions.ProtocolError("Connection broken"))
            yield chunk

    def close(self):
        self.closed = True


class FakeSite(object):
    def __init__(self, name):
        self.name = name
        self.hostname = "vc-%s.example" % name
        self.port = 443
        self.datacenter_name = "dc"

    def session_cookie(self):
        return 'vmware_soap_session="abc"'

    def ssl_verify(self):
        return True


class FakeHttp(object):
    """GET/HEAD answer ``answers`` in order (a response, or an exception to raise); PUT reads the whole body."""

    def __init__(self, answers=(), put_fault=None):
        self.answers = list(answers)
        self.put_fault = put_fault
        self.calls = []
        self.uploaded = b""

    def _answer(self, method, url):
        self.calls.append(method)
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def get(self, url, **kwargs):
        return self._answer("GET", url)

    def head(self, url, **kwargs):
        return self._answer("HEAD", url)

    def put(self, url, data=None, **kwargs):
        self.calls.append("PUT")
        while True:
            block = data.read(500)
            if not block:
                break
            self.uploaded += block
            if self.put_fault is not None and len(self.uploaded) >= 1000:
                raise self.put_fault
        if self.put_fault is not None:
            raise self.put_fault
        return FakeResponse(status=201)

    def close(self):
        pass


def pair(answers, put_fault=None):
    src = datastore_http.DatastoreHttp(FakeSite("site-a"), timeout=30)
    dst = datastore_http.DatastoreHttp(FakeSite("site-b"), timeout=30)
    src.http = FakeHttp(answers)
    dst.http = FakeHttp(put_fault=put_fault)
    return src, dst


def disk(**kwargs):
    return FakeResponse(chunks=[PAYLOAD[i:i + 700] for i in range(0, len(PAYLOAD), 700)],
                        headers={"Content-Length": str(len(PAYLOAD))}, **kwargs)


def test_the_source_get_is_retried_before_any_byte_went_to_the_put(fake_time):
    busy = FakeResponse(status=503)
    src, dst = pair([busy, requests.exceptions.ConnectionError("Connection reset by peer"), disk()])
    result = src.copy_to("[ds1] vm/disk-flat.vmdk", dst, "[ds2] vmdr/disk-flat.vmdk")
    assert result == {"bytes": len(PAYLOAD), "sha256": hashlib.sha256(PAYLOAD).hexdigest()}
    assert src.http.calls == ["GET", "GET", "GET"] and dst.http.calls == ["PUT"]
    assert busy.closed and len(fake_time.sleeps) == 2
    assert dst.http.uploaded == PAYLOAD


def test_a_source_get_that_stays_unavailable_fails_after_the_attempts(fake_time):
    src, dst = pair([FakeResponse(status=503) for _i in range(5)])
    with pytest.raises(VmdrError) as caught:
        src.copy_to("[ds1] vm/disk.vmdk", dst, "[ds2] x.vmdk")
    assert caught.value.message == "GET [ds1] vm/disk.vmdk answered HTTP 503 (after 5 attempts)"
    assert (caught.value.site, caught.value.step) == ("site-a", "read source disk")
    assert dst.http.calls == []


def test_a_put_is_never_retried(fake_time):
    src, dst = pair([disk(), disk()], put_fault=requests.exceptions.ConnectionError("Connection reset by peer"))
    with pytest.raises(VmdrError) as caught:
        src.copy_to("[ds1] vm/disk-flat.vmdk", dst, "[ds2] vmdr/disk-flat.vmdk")
    assert src.http.calls == ["GET"] and dst.http.calls == ["PUT"] and fake_time.sleeps == []
    error = caught.value
    # the target's fault, named as such, with what was sent
    assert (error.site, error.step) == ("site-b", "write replica disk")
    assert "PUT [ds2] vmdr/disk-flat.vmdk failed after 1000 of 3000 bytes were sent" in error.message
    assert "outcome unknown" not in error.message and "rerun replica_sync" in error.hint


def test_a_put_that_lost_its_answer_after_every_byte_has_an_unknown_outcome(fake_time):
    src, dst = pair([FakeResponse(chunks=[b"abc"], headers={"Content-Length": "3"})],
                    put_fault=requests.exceptions.ReadTimeout("Read timed out."))
    with pytest.raises(VmdrError) as caught:
        src.copy_to("[ds1] a", dst, "[ds2] b")
    assert "(outcome unknown: every byte was sent, the answer was lost)" in caught.value.message
    assert dst.http.calls == ["PUT"] and fake_time.sleeps == []


def test_a_source_stream_that_breaks_during_the_put_is_the_source_failing_and_is_not_retried(fake_time):
    src, dst = pair([disk(broken_after=2), disk()])
    with pytest.raises(VmdrError) as caught:
        src.copy_to("[ds1] vm/disk-flat.vmdk", dst, "[ds2] vmdr/disk-flat.vmdk")
    assert (caught.value.site, caught.value.step) == ("site-a", "read source disk")
    assert "reading [ds1] vm/disk-flat.vmdk failed after" in caught.value.message
    assert src.http.calls == ["GET"] and fake_time.sleeps == []


def test_head_and_get_are_retried(fake_time):
    src, _dst = pair([FakeResponse(status=502), FakeResponse(status=200),
                      requests.exceptions.ReadTimeout("Read timed out."), FakeResponse(status=206, content=b"# Disk"),
                      FakeResponse(status=404)])
    assert src.exists("[ds1] vm/vm.vmx") is True
    assert src.read("[ds1] vm/disk.vmdk", max_bytes=6) == b"# Disk"
    assert src.exists("[ds1] vm/gone.vmx") is False
    assert src.http.calls == ["HEAD", "HEAD", "GET", "GET", "HEAD"] and len(fake_time.sleeps) == 2


def test_a_head_that_stays_unavailable_is_an_error_not_a_missing_file(fake_time):
    src, _dst = pair([FakeResponse(status=503) for _i in range(5)])
    with pytest.raises(VmdrError) as caught:
        src.exists("[ds1] vm/vm.vmx")
    assert caught.value.message == "HEAD [ds1] vm/vm.vmx answered HTTP 503 (after 5 attempts)"


def test_datastore_http_over_a_real_socket_retries_a_503_and_a_reset(scripted, fake_time):
    server = scripted([503, "reset", 206], {206: b"# Disk DescriptorFile"})
    site = FakeSite("site-a")
    site.hostname, site.port = "127.0.0.1", server.port
    http = datastore_http.DatastoreHttp(site, timeout=10)
    http.url = lambda ds_path: "http://127.0.0.1:%d/folder/x" % server.port
    assert http.read("[ds1] vm/disk.vmdk", max_bytes=21) == b"# Disk DescriptorFile"
    assert [method for method, _path in server.seen] == ["GET", "GET", "GET"]
    http.close()
