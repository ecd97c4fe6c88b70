# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One authenticated vCenter session per site per module run, TLS verified by default."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ssl

from ansible_collections.vmdr.replication.plugins.module_utils.errors import VmdrError, NotFoundError
from ansible_collections.vmdr.replication.plugins.module_utils.clients import retry, vsphere_faults
from ansible_collections.vmdr.replication.plugins.module_utils.clients.vsphere_props import (
    retrieve_view, service_content)

try:
    from pyVim.connect import SmartConnect, Disconnect
    from pyVmomi import vim
    HAS_PYVMOMI = True
except ImportError:
    HAS_PYVMOMI = False


def tls_context(validate_certs, ca_path):
    if not validate_certs:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    return ssl.create_default_context(cafile=ca_path) if ca_path else ssl.create_default_context()


# tasks in flight plus the task watcher and a bulk reader
DEFAULT_POOL_SIZE = 16 + 4


class VsphereSite(object):
    """A connected site: service instance, its datacenter, and what other layers need to reach it."""

    def __init__(self, name, hostname, username, password, port=443, validate_certs=True, ca_path=None,
                 datacenter=None, timeout=60, pool_size=DEFAULT_POOL_SIZE):
        self.name = name
        self.pool_size = pool_size
        self.hostname = hostname
        self.port = port
        self.username = username
        self.password = password
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.datacenter_name = datacenter
        self.timeout = timeout
        self.si = None
        self.datacenter = None
        self.instance_uuid = None

    def _login(self):
        return SmartConnect(host=self.hostname, port=self.port, user=self.username, pwd=self.password,
                            sslContext=tls_context(self.validate_certs, self.ca_path),
                            httpConnectionTimeout=self.timeout, connectionPoolTimeout=-1)

    def connect(self):
        try:
            # a login is safe to retry; before vCenter first answered, a refused connection is not transient
            self.si = retry.POLICY.run(self._login, deadline=self.timeout, connected=False)
        except Exception as exc:  # pylint: disable=broad-except
            message, hint, fault = vsphere_faults.describe(exc)
            message = "cannot log in to %s:%s: %s%s" % (self.hostname, self.port, message, retry.attempts_note(exc))
            raise VmdrError(message, site=self.name, step="connect", hint=hint, fault=fault)
        # the reads of this session (vsphere_props) retry within the same request timeout, and name the site
        self.si._stub._vmdr_timeout = self.timeout
        self.si._stub._vmdr_site = self.name
        # keep as many HTTPS connections open as threads call vCenter at once (pyVmomi keeps 5 and closes
        # the others after each call, so every further concurrent call paid a new TLS handshake)
        self.si._stub.poolSize = max(self.si._stub.poolSize, self.pool_size)
        try:
            self.instance_uuid = service_content(self.si).about.instanceUuid
            self.datacenter = self._find_datacenter()
        except VmdrError as exc:
            exc.step = "connect"
            raise
        return self

    def _find_datacenter(self):
        rows = retrieve_view(self.si, service_content(self.si).rootFolder, vim.Datacenter, ["name"])
        if self.datacenter_name is None:
            if len(rows) != 1:
                raise VmdrError("%d datacenters found (%s) and none was named" % (
                    len(rows), ", ".join(sorted(p["name"] for _o, p in rows))), site=self.name, step="connect",
                    hint="Set datacenter for this site")
            self.datacenter_name = rows[0][1]["name"]
            return rows[0][0]
        for obj, props in rows:
            if props["name"] == self.datacenter_name:
                return obj
        raise NotFoundError("datacenter '%s' not found" % self.datacenter_name, site=self.name, step="connect",
                            hint="Known datacenters: %s" % ", ".join(sorted(p["name"] for _o, p in rows)))

    def session_cookie(self):
        """The SOAP session cookie, which the datastore HTTP interface accepts as authentication."""
        raw = self.si._stub.cookie or ""
        return raw.split(";", 1)[0].strip()

    def ssl_verify(self):
        if not self.validate_certs:
            return False
        return self.ca_path or True

    def close(self):
        if self.si is not None:
            try:
                Disconnect(self.si)
            except Exception:  # pylint: disable=broad-except
                pass
            self.si = None

    def fail(self, exc, step, vm=None):
        """A VmdrError for a fault raised by this site during ``step``."""
        if isinstance(exc, VmdrError):
            return exc
        message, hint, fault = vsphere_faults.describe(exc)
        return VmdrError(message + retry.attempts_note(exc), vm=vm, site=self.name, step=step, hint=hint,
                         fault=fault)
