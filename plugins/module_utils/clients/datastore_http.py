# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Streams datastore files between sites through vCenter's ``/folder`` HTTP interface.

The body is streamed from the source GET straight into the target PUT with a Content-Length,
so a disk never lands on the controller's disk or in its memory.

HEAD and GET are retried on transient faults by the one retry policy (clients/retry.py); the source GET of a copy
only until its answer arrives, before any byte went to the PUT. A PUT is never retried.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import re

from ansible_collections.vmdr.replication.plugins.module_utils.errors import VmdrError
from ansible_collections.vmdr.replication.plugins.module_utils.clients import retry, vsphere_faults
from ansible_collections.vmdr.replication.plugins.module_utils.clients.vsphere_props import inventory_path

try:
    import requests
    HAS_REQUESTS = True
except ImportError:
    HAS_REQUESTS = False

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover
    from urllib import quote

CHUNK = 1024 * 1024
_DS_PATH = re.compile(r"^\[(?P<ds>[^\]]+)\]\s*(?P<path>.*)$")


def parse_ds_path(ds_path):
    match = _DS_PATH.match(ds_path or "")
    if not match:
        raise VmdrError("'%s' is not a datastore path like '[datastore] folder/file'" % ds_path,
                        step="parse datastore path")
    return match.group("ds"), match.group("path")


class _StreamBody(object):
    """A file-like view of a streaming response that requests can send with a Content-Length."""

    def __init__(self, response, length):
        self._iter = response.iter_content(CHUNK)
        self._buffer = b""
        self._pos = 0  # read position in _buffer: slicing off the front on every small read would copy it each time
        self.len = length
        self.digest = hashlib.sha256()
        self.sent = 0
        self.broken = None

    def read(self, size=-1):
        while size < 0 or len(self._buffer) - self._pos < size:
            try:
                chunk = next(self._iter)
            except StopIteration:
                break
            except Exception as exc:  # pylint: disable=broad-except
                self.broken = exc  # the source's side of the stream failed, not the target's
                raise
            self._buffer = self._buffer[self._pos:] + chunk
            self._pos = 0
        end = len(self._buffer) if size < 0 else min(len(self._buffer), self._pos + size)
        data = self._buffer[self._pos:end]
        self._pos = end
        self.digest.update(data)
        self.sent += len(data)
        return data


def datacenter_path(site):
    """The inventory path of the site's datacenter; a site object without a session (tests) has only its name."""
    if getattr(site, "si", None) is None or getattr(site, "datacenter", None) is None:
        return site.datacenter_name
    return inventory_path(site.si, site.datacenter)


class DatastoreHttp(object):
    """File access on one site's datastores, authenticated with the site's SOAP session."""

    def __init__(self, site, timeout=60, dc_path=None):
        if not HAS_REQUESTS:
            raise VmdrError("the python library requests is required", site=site.name, step="datastore transfer")
        self.site = site
        self.timeout = timeout
        # dcPath is the datacenter's inventory path (Folder/Sub/DC): vCenter answers 404 to a bare name when the
        # datacenter sits in a folder
        self.dc_path = dc_path if dc_path is not None else datacenter_path(site)
        self.http = requests.Session()
        # passed on every request: a Session-level verify loses to REQUESTS_CA_BUNDLE in the environment
        self.verify = site.ssl_verify()
        cookie = site.session_cookie()
        if cookie:
            self.http.headers["Cookie"] = cookie

    def url(self, ds_path):
        datastore, path = parse_ds_path(ds_path)
        return "https://%s:%s/folder/%s?dcPath=%s&dsName=%s" % (
            self.site.hostname, self.site.port, quote(path), quote(self.dc_path, safe=""),
            quote(datastore, safe=""))

    def _read_only(self, method, ds_path, **kwargs):
        """``method`` (HEAD or GET) of ``ds_path`` under the retry policy: a 502, 503 or 504 answer is retried like
        a lost connection; once they run out it raises HttpStatusError."""
        send = getattr(self.http, method.lower())

        def attempt():
            response = send(self.url(ds_path), timeout=self.timeout, verify=self.verify, **kwargs)
            if response.status_code in retry.TRANSIENT_HTTP_STATUS:
                response.close()
                raise retry.HttpStatusError(response.status_code, "%s %s" % (method, ds_path))
            return response
        return retry.POLICY.run(attempt, deadline=self.timeout)

    def exists(self, ds_path):
        try:
            response = self._read_only("HEAD", ds_path)
        except retry.HttpStatusError as exc:
            raise VmdrError(str(exc) + retry.attempts_note(exc), site=self.site.name, step="check datastore file")
        return response.status_code == 200

    def read(self, ds_path, max_bytes=None):
        headers = {"Range": "bytes=0-%d" % (max_bytes - 1)} if max_bytes else {}
        try:
            response = self._read_only("GET", ds_path, headers=headers)
        except retry.HttpStatusError as exc:
            raise VmdrError(str(exc) + retry.attempts_note(exc), site=self.site.name, step="read datastore file")
        if response.status_code not in (200, 206):
            raise VmdrError("GET %s answered HTTP %s" % (ds_path, response.status_code), site=self.site.name,
                            step="read datastore file")
        return response.content

    def copy_to(self, src_path, target, dst_path):
        """Stream ``src_path`` on this site to ``dst_path`` on ``target`` (a DatastoreHttp).

        Returns {"bytes", "sha256"} of what was sent. A missing source file raises: a disk without its data
        must never become a recovery point.
        """
        hint = "Check the datastore and that the user may browse it"
        try:
            # retried only here: until the answer arrives, no byte went to the PUT
            response = self._read_only("GET", src_path, stream=True)
        except retry.HttpStatusError as exc:
            raise VmdrError(str(exc) + retry.attempts_note(exc), site=self.site.name, step="read source disk",
                            hint=hint)
        try:
            if response.status_code == 404:
                raise VmdrError("%s is missing on the source datastore (HTTP 404)" % src_path, site=self.site.name,
                                step="read source disk", hint="The disk names a file that is not there; check the "
                                                              "VM's disks, then rerun replica_sync")
            if response.status_code != 200:
                raise VmdrError("GET %s answered HTTP %s" % (src_path, response.status_code),
                                site=self.site.name, step="read source disk", hint=hint)
            if response.headers.get("Content-Length") is None:
                raise VmdrError("the source answered %s without a Content-Length" % src_path, site=self.site.name,
                                step="read source disk", hint="The datastore HTTP interface must send file sizes")
            length = int(response.headers["Content-Length"])
            body = _StreamBody(response, length)
            try:
                put = target.http.put(target.url(dst_path), data=body,
                                      headers={"Content-Type": "application/octet-stream"}, timeout=self.timeout,
                                      verify=target.verify)
            except Exception as exc:  # pylint: disable=broad-except
                raise self._broken_put(exc, body, src_path, target, dst_path)
            if put.status_code not in (200, 201, 204):
                raise VmdrError("PUT %s answered HTTP %s" % (dst_path, put.status_code), site=target.site.name,
                                step="write replica disk", hint="Check free space and datastore permissions")
            if body.sent != length:
                raise VmdrError("sent %d of %d bytes of %s" % (body.sent, length, src_path), site=self.site.name,
                                step="copy disk", hint="The connection dropped; rerun replica_sync")
            return {"bytes": body.sent, "sha256": body.digest.hexdigest()}
        finally:
            response.close()

    def write(self, ds_path, data):
        """PUT ``data`` (bytes) as ``ds_path``, replacing the file; never retried. Returns {"bytes", "sha256"}."""
        try:
            put = self.http.put(self.url(ds_path), data=data, headers={"Content-Type": "application/octet-stream"},
                                timeout=self.timeout, verify=self.verify)
        except Exception as exc:  # pylint: disable=broad-except
            raise VmdrError("PUT %s failed: %s" % (ds_path, vsphere_faults.describe(exc)[0]), site=self.site.name,
                            step="write replica disk",
                            hint="This recovery point was not recorded; rerun replica_sync")
        if put.status_code not in (200, 201, 204):
            raise VmdrError("PUT %s answered HTTP %s" % (ds_path, put.status_code), site=self.site.name,
                            step="write replica disk", hint="Check free space and datastore permissions")
        return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}

    def _broken_put(self, exc, body, src_path, target, dst_path):
        """A copy that failed while streaming. Never retried: the PUT may have written part of the file, or all of
        it when only its answer was lost. The recovery point is not recorded either way."""
        hint = "This recovery point was not recorded; rerun replica_sync, which writes a new recovery point folder"
        if body.broken is not None:  # requests may raise its own error for what the body raised
            message = vsphere_faults.describe(body.broken)[0]
            return VmdrError("reading %s failed after %d of %d bytes: %s" % (src_path, body.sent, body.len, message),
                             site=self.site.name, step="read source disk", hint=hint)
        message = vsphere_faults.describe(exc)[0]
        outcome = " (outcome unknown: every byte was sent, the answer was lost)" if body.sent == body.len else ""
        return VmdrError("PUT %s failed after %d of %d bytes were sent: %s%s" % (
            dst_path, body.sent, body.len, message, outcome), site=target.site.name, step="write replica disk",
            hint=hint)

    def close(self):
        self.http.close()
