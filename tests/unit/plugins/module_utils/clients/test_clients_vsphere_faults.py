# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""describe(): vim faults and transport errors turned into message, hint and fault name."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import socket
import ssl

import pytest
import requests
from pyVmomi import vim, vmodl

from ansible_collections.vmdr.replication.plugins.module_utils.clients.vsphere_faults import (
    FAULT_HINTS, describe, fault_name, fault_text)

# every fault class FAULT_HINTS knows, built with a message as vCenter sends it
FAULT_CLASSES = [
    vim.fault.InvalidLogin, vim.fault.NotAuthenticated, vim.fault.NoPermission, vim.fault.MethodDisabled,
    vim.fault.InvalidPowerState, vim.fault.InvalidState, vim.fault.TaskInProgress, vim.fault.FileNotFound,
    vim.fault.FileAlreadyExists, vim.fault.CannotCreateFile, vim.fault.DuplicateName, vim.fault.AlreadyExists,
    vim.fault.NotFound, vmodl.fault.ManagedObjectNotFound, vim.fault.InsufficientResourcesFault,
    vmodl.fault.InvalidArgument, vmodl.fault.InvalidRequest, vmodl.fault.MethodNotFound, vmodl.fault.NotSupported,
    vim.fault.Timedout,
]


def test_fault_table_is_covered():
    assert sorted(c.__name__.split(".")[-1] for c in FAULT_CLASSES) == sorted(FAULT_HINTS)


@pytest.mark.parametrize("cls", FAULT_CLASSES, ids=lambda c: c.__name__.split(".")[-1])
def test_each_vim_fault_family_gets_its_text_hint_and_name(cls):
    name = cls.__name__.split(".")[-1]
    message, hint, fault = describe(cls(msg="server says %s" % name))
    assert fault == name
    assert hint == FAULT_HINTS[name]
    assert message == "server says %s" % name


def test_no_permission_names_the_missing_privilege():
    exc = vim.fault.NoPermission(msg="Permission to perform this operation was denied.",
                                 privilegeId="VirtualMachine.Inventory.Create")
    message, hint, fault = describe(exc)
    assert message == "Permission to perform this operation was denied. (missing privilege VirtualMachine.Inventory.Create)"
    assert fault == "NoPermission"
    assert "privilege" in hint


def test_no_permission_without_privilege_keeps_text():
    message, fault = describe(vim.fault.NoPermission(msg="denied"))[::2]
    assert (message, fault) == ("denied", "NoPermission")


def test_fault_text_falls_back_to_fault_messages():
    exc = vim.fault.InvalidState(faultMessage=[vmodl.LocalizableMessage(key="k", message="the host is in maintenance")])
    assert fault_text(exc) == "the host is in maintenance"
    assert describe(exc) == ("the host is in maintenance", FAULT_HINTS["InvalidState"], "InvalidState")


def test_fault_text_prefers_localized_message():
    exc = vim.LocalizedMethodFault(fault=vim.fault.TaskInProgress(), localizedMessage="Another task is already in progress.")
    assert fault_text(exc) == "Another task is already in progress."


def test_unknown_vim_fault_has_no_hint():
    message, hint, fault = describe(vim.fault.InvalidDatastorePath(msg="Invalid datastore path '[x'"))
    assert (message, hint, fault) == ("Invalid datastore path '[x'", None, "InvalidDatastorePath")


def test_plain_exception_is_named_by_its_class():
    assert describe(ValueError("bad value")) == ("bad value", None, "ValueError")
    assert describe(KeyError()) == ("vCenter fault KeyError", None, "KeyError")
    assert fault_name(RuntimeError("x")) == "RuntimeError"


@pytest.mark.parametrize("exc, name", [
    (vim.fault.InvalidLogin(), "InvalidLogin"),
    (vim.fault.NoPermission(privilegeId="System.View"), "NoPermission"),
])
def test_vim_fault_without_text_gives_a_short_message(exc, name):
    message, hint, fault = describe(exc)
    assert (hint, fault) == (FAULT_HINTS[name], name)
    assert "\n" not in message
    assert message.startswith("vCenter fault %s" % name)


def test_ssl_error():
    message, hint, fault = describe(ssl.SSLError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"))
    assert fault == "SSLError"
    assert message.startswith("TLS verification failed: ")
    assert "CERTIFICATE_VERIFY_FAILED" in message
    assert "ca_path" in hint


def test_ssl_certificate_verification_error_is_ssl():
    assert describe(ssl.SSLCertVerificationError("hostname mismatch"))[2] == "SSLError"


@pytest.mark.parametrize("exc", [socket.timeout("timed out"), TimeoutError("timed out")])
def test_timeouts(exc):
    message, hint, fault = describe(exc)
    assert fault == "Timeout"
    assert message == "the site did not answer in time: timed out"
    assert "timeout" in hint


@pytest.mark.parametrize("exc", [ConnectionRefusedError(111, "Connection refused"), ConnectionResetError("reset by peer"),
                                 socket.gaierror(-2, "Name or service not known")])
def test_connection_errors(exc):
    message, hint, fault = describe(exc)
    assert fault == "ConnectionError"
    assert message.startswith("cannot reach the site: ")
    assert str(exc) in message
    assert "Check hostname, port" in hint


def test_requests_connection_error_is_a_connection_error():
    assert describe(requests.exceptions.ConnectionError("Max retries exceeded"))[2] == "ConnectionError"


def test_requests_ssl_error_is_tls():
    message, hint, fault = describe(requests.exceptions.SSLError("certificate verify failed"))
    assert fault == "SSLError"
    assert "ca_path" in hint


def test_requests_read_timeout_is_a_timeout():
    assert describe(requests.exceptions.ReadTimeout("Read timed out. (read timeout=60)"))[2] == "Timeout"
