# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Streams datastore files between sites through vCenter's ``/folder`` HTTP interface.

The body is streamed from the source GET straight into the target PUT with a Content-Length,
so a disk never lands on the controller's disk or in its memory.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib
import re

from ansible_collections.vmdr.replication.plugins.module_utils.errors import VmdrError

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
        self.len = length
        self.digest = hashlib.sha256()
        self.sent = 0

    def read(self, size=-1):
        while size < 0 or len(self._buffer) < size:
            try:
                self._buffer += next(self._iter)
            except StopIteration:
                break
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        self.digest.update(data)
        self.sent += len(data)
        return data


class DatastoreHttp(object):
    """File access on one site's datastores, authenticated with the site's SOAP session."""

    def __init__(self, site, timeout=60):
        if not HAS_REQUESTS:
            raise VmdrError("the python library requests is required", site=site.name, step="datastore transfer")
        self.site = site
        self.timeout = timeout
        self.http = requests.Session()
        # passed on every request: a Session-level verify loses to REQUESTS_CA_BUNDLE in the environment
        self.verify = site.ssl_verify()
        cookie = site.session_cookie()
        if cookie:
            self.http.headers["Cookie"] = cookie

    def url(self, ds_path):
        datastore, path = parse_ds_path(ds_path)
        return "https://%s:%s/folder/%s?dcPath=%s&dsName=%s" % (
            self.site.hostname, self.site.port, quote(path), quote(self.site.datacenter_name, safe=""),
            quote(datastore, safe=""))

    def exists(self, ds_path):
        response = self.http.head(self.url(ds_path), timeout=self.timeout, verify=self.verify)
        return response.status_code == 200

    def read(self, ds_path, max_bytes=None):
        headers = {"Range": "bytes=0-%d" % (max_bytes - 1)} if max_bytes else {}
        response = self.http.get(self.url(ds_path), headers=headers, timeout=self.timeout, verify=self.verify)
        if response.status_code not in (200, 206):
            raise VmdrError("GET %s answered HTTP %s" % (ds_path, response.status_code), site=self.site.name,
                            step="read datastore file")
        return response.content

    def copy_to(self, src_path, target, dst_path):
        """Stream ``src_path`` on this site to ``dst_path`` on ``target`` (a DatastoreHttp).

        Returns {"bytes", "sha256"} of what was sent; a missing source file returns None.
        """
        response = self.http.get(self.url(src_path), stream=True, timeout=self.timeout, verify=self.verify)
        try:
            if response.status_code == 404:
                return None
            if response.status_code != 200:
                raise VmdrError("GET %s answered HTTP %s" % (src_path, response.status_code),
                                site=self.site.name, step="read source disk",
                                hint="Check the datastore and that the user may browse it")
            if response.headers.get("Content-Length") is None:
                raise VmdrError("the source answered %s without a Content-Length" % src_path, site=self.site.name,
                                step="read source disk", hint="The datastore HTTP interface must send file sizes")
            length = int(response.headers["Content-Length"])
            body = _StreamBody(response, length)
            put = target.http.put(target.url(dst_path), data=body,
                                  headers={"Content-Type": "application/octet-stream"}, timeout=self.timeout,
                                  verify=target.verify)
            if put.status_code not in (200, 201, 204):
                raise VmdrError("PUT %s answered HTTP %s" % (dst_path, put.status_code), site=target.site.name,
                                step="write replica disk", hint="Check free space and datastore permissions")
            if body.sent != length:
                raise VmdrError("sent %d of %d bytes of %s" % (body.sent, length, src_path), site=self.site.name,
                                step="copy disk", hint="The connection dropped; rerun replica_sync")
            return {"bytes": body.sent, "sha256": body.digest.hexdigest()}
        finally:
            response.close()

    def close(self):
        self.http.close()
