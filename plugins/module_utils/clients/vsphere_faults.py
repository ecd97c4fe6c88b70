# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turns vim faults and transport errors into sentences that say what went wrong and what to do."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import socket
import ssl

try:
    import requests
    HAS_REQUESTS = True
except ImportError:
    HAS_REQUESTS = False

# fault class name -> hint; the fault's own text (msg / localizedMessage) is kept in the message.
FAULT_HINTS = {
    "InvalidLogin": "Check the username and password for this site (vault or VMDR_*_USERNAME/PASSWORD)",
    "NotAuthenticated": "The session expired or was closed; rerun the task",
    "NoPermission": "Grant the user the missing privilege on that object, or use an account that has it",
    "MethodDisabled": "Another solution (or a lab fault injection) disabled this method on the object; "
                      "find who disabled it before retrying",
    "InvalidPowerState": "The VM is not in the power state this step needs; check it in vCenter and rerun",
    "InvalidState": "The object is busy or in a state that forbids this step; wait for running tasks and rerun",
    "TaskInProgress": "Another task is running on this VM; wait for it to finish and rerun",
    "FileNotFound": "A file the step needs is missing on the datastore; run replica_sync to create a new "
                    "recovery point",
    "FileAlreadyExists": "A file from an earlier attempt is in the way; remove it or rerun cleanup",
    "CannotCreateFile": "The datastore refused the file; check free space and permissions",
    "DuplicateName": "An object with that name already exists in the folder; rename or remove it",
    "AlreadyExists": "The object already exists",
    "NotFound": "The object is gone; refresh the plan and rerun",
    "ManagedObjectNotFound": "The object was deleted while the task ran; rerun",
    "InsufficientResourcesFault": "The recovery site lacks CPU, memory or storage; free capacity or change placement",
    "InvalidArgument": "vCenter rejected a value; check the placement and network names",
    "InvalidRequest": "vCenter rejected the request",
    "MethodNotFound": "This vCenter does not implement the call",
    "NotSupported": "This vCenter or host does not support the operation",
    "Timedout": "vCenter timed out; rerun, or raise the timeout",
}


def fault_name(exc):
    return type(exc).__name__.split(".")[-1]


def fault_text(exc):
    for attr in ("msg", "localizedMessage"):
        text = getattr(exc, attr, None)
        if text:
            return str(text)
    faults = getattr(exc, "faultMessage", None) or []
    for item in faults:
        text = getattr(item, "message", None)
        if text:
            return str(text)
    if _is_vim_fault(exc):
        return fault_name(exc)  # str() of a pyVmomi fault is a multi-line object dump
    return str(exc) or fault_name(exc)


def _is_vim_fault(exc):
    return type(exc).__module__.startswith("pyVmomi") or hasattr(exc, "faultCause")


def _hint(exc):
    """The hint of the fault's class or of its nearest parent fault class."""
    for cls in type(exc).__mro__:
        hint = FAULT_HINTS.get(cls.__name__.split(".")[-1])
        if hint:
            return hint
    return None


def describe(exc):
    """Returns (message, hint, fault_name) for any exception raised while talking to a site."""
    transport = _describe_requests(exc)
    if transport is not None:
        return transport
    if isinstance(exc, ssl.SSLError):
        return ("TLS verification failed: %s" % exc,
                "Give the site's CA with ca_path (or VMDR_*_CA_PATH); validate_certs stays on by default",
                "SSLError")
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return ("the site did not answer in time: %s" % exc, "Check the host and port, or raise timeout", "Timeout")
    if isinstance(exc, (ConnectionError, socket.error)):
        return ("cannot reach the site: %s" % exc, "Check hostname, port and that vCenter is up", "ConnectionError")
    name = fault_name(exc)
    hint = _hint(exc)
    text = fault_text(exc)
    if text == name:
        text = "vCenter fault %s" % name
    privilege = getattr(exc, "privilegeId", None)
    if name == "NoPermission" and privilege:
        text = "%s (missing privilege %s)" % (text, privilege)
    return (text, hint, name)


def _describe_requests(exc):
    """Errors of the datastore HTTP transfers (requests), which do not derive from ssl/socket errors."""
    if not HAS_REQUESTS or not isinstance(exc, requests.exceptions.RequestException):
        return None
    if isinstance(exc, requests.exceptions.SSLError):
        return describe(ssl.SSLError(str(exc)))
    if isinstance(exc, requests.exceptions.Timeout):
        return describe(socket.timeout(str(exc)))
    return ("cannot reach the site: %s" % exc, "Check hostname, port and that vCenter is up", "ConnectionError")
