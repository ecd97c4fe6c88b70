# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retry policy: which failed calls to a site are tried again, and why changing calls never are.

`plugins/module_utils/clients/retry.py` is the one place that decides which failed calls to a site are tried
again: `POLICY` (a `RetryPolicy`) and the classifier `is_transient(exc)`. No other code retries.

## What is retried

Only reads: calls that change nothing when they run twice.

- `vsphere_session`: the login (`SmartConnect`: version discovery, `RetrieveContent`, `Login`). A login whose
  answer was lost leaves at most an idle session, which vCenter expires.
- `vsphere_props`: `RetrieveContent`, `CreateContainerView` and each PropertyCollector read as a whole
  (`RetrievePropertiesEx` and its `ContinueRetrievePropertiesEx` pages). A read that fails on a later page starts
  again from the first page, so its rows are always one consistent read. Task polls and readiness waits read
  through these functions. `DestroyView` is not retried and is best effort: a view ends with its session.
- `datastore_http`: `HEAD` and `GET` of a datastore file, and the source `GET` of a disk copy until its answer
  arrives, that is before any byte was forwarded to the `PUT`.
- `winrm_runner`: a command whose script body is marked read-only (`getattr(body, "read_only", False)`).

Never retried: every changing call. That is a WinRM command whose body is not marked read-only (a plain string
counts as changing), a datastore `PUT` (and the copy once streaming began), and vCenter task submissions
(`vsphere_tasks`).

## Which faults are transient

`is_transient(exc)` follows the exceptions that wrap others (requests, urllib3, and the
`vim.fault.HostConnectFault` that pyVmomi's login raises around the real error). A fault is transient when it
means that the request or its answer was lost on the way, or that the service was unavailable for a moment:

- the connection was reset, aborted or closed: `ConnectionResetError`, `ConnectionAbortedError`,
  `BrokenPipeError`, `http.client.RemoteDisconnected`, `http.client.IncompleteRead`, `ssl.SSLEOFError`, urllib3
  `ProtocolError`, requests `ConnectionError` and `ChunkedEncodingError`;
- a connection refused by an endpoint that has answered this client before (a restarting service);
- a timeout: `socket.timeout`, requests `ConnectTimeout` and `ReadTimeout`, urllib3 timeouts, pywinrm's
  `WinRMOperationTimeoutError`; and a temporary DNS failure (`EAI_AGAIN`);
- HTTP 502, 503 or 504. pyVmomi raises `http.client.HTTPException("503 Service Unavailable")` for any status
  of the SOAP endpoint but 200 and 500 (a 500 carries a SOAP fault, which pyVmomi raises as that fault); the
  datastore client raises `HttpStatusError`; pywinrm raises `WinRMTransportError` with the status, and there
  every 5xx counts (pywinrm turns a 500 that carries a WS-Man fault into `WSManFaultError`, so a
  `WinRMTransportError` is an HTTP layer answering without WS-Man);
- a SOAP answer cut short or replaced by a proxy's error page (`ExpatError`);
- pyVmomi's "is down or is not a VIM server" at login: the version document did not answer 200, which is what
  a starting vCenter does.

Not transient, raised at once:

- authentication and authorization: `vim.fault.InvalidLogin`, `vim.fault.NotAuthenticated` (the session is
  gone: a new login is the cure, not the same call again), `vim.fault.NoPermission`, pywinrm
  `InvalidCredentialsError`, HTTP 401 and 403;
- TLS verification failures (`ssl.SSLCertVerificationError`, anything that says `CERTIFICATE_VERIFY_FAILED`)
  and every other TLS error;
- every other vim or vmodl fault (`vmodl.fault.SystemError` included) and every WS-Man fault: the server
  answered, and its answer is the outcome;
- a connection refused before the endpoint ever answered, and a name that does not resolve: a wrong host or
  port, or a service that is down, which a few seconds of waiting do not fix;
- any other HTTP status, and every error of the product itself.

## Attempts, backoff, deadline

- At most 5 attempts: the first call and 4 retries.
- Full jitter: before retry n (1 to 4) the policy sleeps a random time between 0 and min(10 s, 1 s x 2^(n-1)),
  that is at most 1, 2, 4 and 8 s (15 s in all, about 7.5 s on average). Threads and controllers that lost the
  same vCenter at the same moment therefore do not come back in step.
- Deadline: no retry starts later than the deadline after the first attempt began. A retry whose sleep would
  end past it is not made, and the last fault is raised. The deadline is 60 s, or the caller's own timeout when
  that is shorter: the vCenter request timeout (`connect_timeout`, 60 s by default), the WinRM read timeout (the
  operation timeout + 10 s, 30 s by default), the datastore transfer timeout (`transfer_timeout`, 300 s by
  default, so 60 s). Each attempt runs under that same transport timeout.
- When the attempts or the deadline run out, the last fault is raised unchanged; the errors the clients make of
  it (a site's errors, WinRM and datastore errors) end with "(after N attempts)".

## Why changing calls are not retried

A changing call that failed on a transient fault may still have been carried out: the request reached the site
and only the answer was lost. Sending it again could do the work twice: a second snapshot, a second power
operation, a failover step run again on a VM that has moved on, two writers on one disk file. The product does
not need that retry. Every step reads the recorded state first (the replication records in vCenter, the
replication state on the Hyper-V host) and acts only where it differs from what was asked. Rerunning the task
is the safe retry, because it starts from the state as it is now.

## Unknown outcome

When a changing call fails after its request may have reached the site, the error says that the outcome is
unknown instead of guessing:

- a WinRM command that was sent and then timed out or lost its connection: "the command was sent and may have
  run (outcome unknown)". It may have run in part or in full. A command whose shell could not be opened, or
  that the host refused with an error, did not run, and its error does not say this;
- a datastore `PUT` that lost its answer after every byte was sent: "(outcome unknown: every byte was sent, the
  answer was lost)". A `PUT` that failed earlier left a partial file. Either way the new recovery point is not
  recorded.

What to do: check the state on the site (`vmdr.replication.replica_info`, or the host or vCenter directly), then
rerun the same task. It continues from the recorded state and does not repeat what was done.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import functools
import random
import re
import socket
import ssl
import time

try:
    from http.client import HTTPException, IncompleteRead
except ImportError:  # pragma: no cover
    from httplib import HTTPException, IncompleteRead

try:
    from xml.parsers.expat import ExpatError
except ImportError:  # pragma: no cover
    ExpatError = ()

try:
    import requests
    HAS_REQUESTS = True
except ImportError:
    HAS_REQUESTS = False

try:
    import urllib3
    HAS_URLLIB3 = True
except ImportError:
    HAS_URLLIB3 = False

try:
    from winrm.exceptions import WinRMError, WinRMTransportError, WinRMOperationTimeoutError
    HAS_PYWINRM = True
except ImportError:
    HAS_PYWINRM = False

try:
    from pyVmomi import vim, vmodl
    HAS_PYVMOMI = True
except ImportError:
    HAS_PYVMOMI = False

ATTEMPTS = 5
BASE_DELAY = 1.0
MAX_DELAY = 10.0
DEADLINE = 60.0
TRANSIENT_HTTP_STATUS = (502, 503, 504)

UNKNOWN_OUTCOME_HINT = ("Check the state on the site (vmdr.replication.replica_info) and rerun the task: it continues "
                        "from the recorded state and does not repeat what was done")

_STATUS_TEXT = re.compile(r"^(\d{3})\b")
_NOT_A_VIM_SERVER = "is down or is not a VIM server"
_TRANSIENT, _PERMANENT = "transient", "permanent"


class HttpStatusError(Exception):
    """An HTTP answer with a status the caller did not expect; ``status`` decides whether it is transient."""

    def __init__(self, status, what=""):
        super(HttpStatusError, self).__init__("%s answered HTTP %s" % (what or "the request", status))
        self.status = status


def _inner(exc):
    """The exception ``exc`` wraps, for the wrappers whose own type says nothing; None otherwise."""
    wrapper = HAS_REQUESTS and isinstance(exc, requests.exceptions.RequestException)
    wrapper = wrapper or (HAS_URLLIB3 and isinstance(exc, urllib3.exceptions.HTTPError))
    if HAS_URLLIB3 and isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason is not None:
        return exc.reason
    if _is_host_connect_fault(exc):
        return exc.__cause__ or exc.__context__
    if not wrapper:
        return None
    for arg in exc.args:
        if isinstance(arg, BaseException):
            return arg
    return exc.__cause__ or exc.__context__


def _is_host_connect_fault(exc):
    """pyVim.connect raises HostConnectFault(msg=str(e)) inside ``except Exception as e``: the fault then says
    nothing and ``e`` decides. A HostConnectFault the server sent is a fault like any other."""
    if not HAS_PYVMOMI or not isinstance(exc, vim.fault.HostConnectFault):
        return False
    wrapped = exc.__cause__ or exc.__context__
    return wrapped is not None and getattr(exc, "msg", None) == str(wrapped)


def _chain(exc, limit=8):
    links = []
    while exc is not None and len(links) < limit and not any(exc is seen for seen in links):
        links.append(exc)
        exc = _inner(exc)
    return links


def _status(exc):
    if isinstance(exc, HttpStatusError):
        return exc.status
    if HAS_PYWINRM and isinstance(exc, WinRMTransportError):
        return exc.code if len(exc.args) > 1 else None
    if isinstance(exc, HTTPException):
        match = _STATUS_TEXT.match(str(exc))
        return int(match.group(1)) if match else None
    return None


def _verdict(exc, connected):
    """_TRANSIENT, _PERMANENT or None (says nothing) for one link of the chain."""
    if "CERTIFICATE_VERIFY_FAILED" in str(exc) or "certificate verify failed" in str(exc):
        return _PERMANENT
    if isinstance(exc, ssl.SSLError):
        return _TRANSIENT if isinstance(exc, (ssl.SSLEOFError, ssl.SSLZeroReturnError)) else _PERMANENT
    if isinstance(exc, ConnectionRefusedError):
        return _TRANSIENT if connected else _PERMANENT
    if isinstance(exc, socket.gaierror):
        return _TRANSIENT if exc.args and exc.args[0] == socket.EAI_AGAIN else _PERMANENT
    if isinstance(exc, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError, socket.timeout,
                        IncompleteRead, ExpatError)):
        return _TRANSIENT
    if HAS_PYVMOMI and isinstance(exc, vmodl.MethodFault):
        return None if _is_host_connect_fault(exc) else _PERMANENT
    if HAS_PYWINRM and isinstance(exc, WinRMError):
        return _PERMANENT  # WS-Man faults and authentication: the service answered
    if HAS_PYWINRM and isinstance(exc, WinRMOperationTimeoutError):
        return _TRANSIENT
    status = _status(exc)
    if status is not None:
        if HAS_PYWINRM and isinstance(exc, WinRMTransportError):
            return _TRANSIENT if 500 <= status < 600 else _PERMANENT
        return _TRANSIENT if status in TRANSIENT_HTTP_STATUS else _PERMANENT
    if HAS_REQUESTS:
        errors = requests.exceptions
        if isinstance(exc, errors.SSLError):
            return None  # decided by what it wraps; an SSL error without a cause is not retried
        if isinstance(exc, (errors.ConnectionError, errors.Timeout, errors.ChunkedEncodingError)):
            return _TRANSIENT
    if HAS_URLLIB3:
        errors = urllib3.exceptions
        if isinstance(exc, errors.NewConnectionError):
            return _TRANSIENT if connected else None
        if isinstance(exc, (errors.ProtocolError, errors.TimeoutError)):
            return _TRANSIENT
    if exc.__class__ is Exception and str(exc).endswith(_NOT_A_VIM_SERVER):
        return _TRANSIENT
    return None


def is_transient(exc, connected=True):
    """True when ``exc`` says the call may succeed if it is simply made again (see the module documentation).

    ``connected`` says that the endpoint has answered this client before: only then is a refused connection
    transient (a restarting service); before the first answer it means nothing listens there."""
    verdicts = [_verdict(link, connected) for link in _chain(exc)]
    return _PERMANENT not in verdicts and _TRANSIENT in verdicts


def attempts_note(exc):
    """" (after N attempts)" for a fault the policy retried, else ""."""
    attempts = getattr(exc, "vmdr_attempts", 1)
    return " (after %d attempts)" % attempts if attempts > 1 else ""


def _mark(exc, attempts):
    if attempts > 1:
        try:
            exc.vmdr_attempts = attempts
        except (AttributeError, TypeError):  # pyVmomi faults accept only their own properties
            pass


class RetryPolicy(object):
    """Bounded retries with full-jitter exponential backoff and an overall deadline, for read-only calls.

    ``sleep``, ``clock`` (monotonic seconds) and ``rand`` (a ``random.Random``) can be replaced, for tests."""

    def __init__(self, attempts=ATTEMPTS, base_delay=BASE_DELAY, max_delay=MAX_DELAY, deadline=DEADLINE,
                 sleep=None, clock=None, rand=None):
        if attempts < 1 or base_delay < 0 or max_delay < 0 or deadline < 0:
            raise ValueError("attempts must be at least 1 and the delays and the deadline not negative")
        self.attempts = int(attempts)
        self.base_delay = float(base_delay)
        self.max_delay = float(max_delay)
        self.deadline = float(deadline)
        self.sleep = sleep or time.sleep
        self.clock = clock or time.monotonic
        self.rand = rand or random.Random()

    def delay(self, number):
        """The sleep before retry ``number`` (1 for the first retry): uniform in [0, min(max, base x 2^(number-1))]."""
        return self.rand.uniform(0, min(self.max_delay, self.base_delay * (2 ** (number - 1))))

    def run(self, call, deadline=None, connected=True):
        """``call()``, made again on a transient fault while attempts and the deadline allow.

        ``deadline`` (seconds from now) is the caller's own timeout; the policy's deadline applies when it is
        shorter or when none is given. ``connected`` goes to ``is_transient``. Only ever pass read-only calls."""
        limit = self.deadline if deadline is None else min(self.deadline, float(deadline))
        started = self.clock()
        attempt = 1
        while True:
            try:
                return call()
            except Exception as exc:  # pylint: disable=broad-except
                if attempt < self.attempts and is_transient(exc, connected):
                    pause = self.delay(attempt)
                    if self.clock() + pause - started <= limit:
                        self.sleep(pause)
                        attempt += 1
                        continue
                _mark(exc, attempt)
                raise


POLICY = RetryPolicy()


def read_only(function):
    """Decorator for a read-only function: retried by the module's ``POLICY`` as it is at call time."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        return POLICY.run(lambda: function(*args, **kwargs))
    return wrapper
