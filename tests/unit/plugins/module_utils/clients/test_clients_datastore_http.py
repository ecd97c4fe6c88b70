# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Datastore paths, the streaming body and copy_to against fake HTTP sessions (no network)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import hashlib

import pytest

from ansible_collections.vmdr.replication.plugins.module_utils.clients import datastore_http
from ansible_collections.vmdr.replication.plugins.module_utils.clients.datastore_http import (
    DatastoreHttp, _StreamBody, parse_ds_path)
from ansible_collections.vmdr.replication.plugins.module_utils.errors import VmdrError

PAYLOAD = bytes(bytearray((i * 7 + 3) % 256 for i in range(5000)))


@pytest.mark.parametrize("path, expected", [
    ("[ds1] folder/vm.vmdk", ("ds1", "folder/vm.vmdk")),
    ("[ds1]folder/vm.vmdk", ("ds1", "folder/vm.vmdk")),
    ("[shared ds 01]   a b/c d.vmdk", ("shared ds 01", "a b/c d.vmdk")),
    ("[ds1] ", ("ds1", "")),
    ("[ds1]", ("ds1", "")),
])
def test_parse_ds_path_valid(path, expected):
    assert parse_ds_path(path) == expected


@pytest.mark.parametrize("path", ["", None, "ds1/folder/vm.vmdk", "[] folder/vm.vmdk", "[ds1 folder/vm.vmdk",
                                  " [ds1] folder/vm.vmdk"])
def test_parse_ds_path_invalid(path):
    with pytest.raises(VmdrError) as err:
        parse_ds_path(path)
    assert err.value.step == "parse datastore path"
    assert "'%s' is not a datastore path" % path in err.value.message


class FakeResponse(object):
    def __init__(self, status=200, chunks=(), headers=None, content=b""):
        self.status_code = status
        self.chunks = list(chunks)
        self.headers = dict(headers or {})
        self.content = content
        self.closed = False
        self.chunk_sizes = []

    def iter_content(self, chunk_size):
        self.chunk_sizes.append(chunk_size)
        return iter(self.chunks)

    def close(self):
        self.closed = True


def split(data, sizes):
    out, pos, index = [], 0, 0
    while pos < len(data):
        size = sizes[index % len(sizes)]
        out.append(data[pos:pos + size])
        pos += size
        index += 1
    return out


@pytest.mark.parametrize("read_sizes", [[1], [7, 13, 1], [4096], [999, 1, 2500]])
def test_stream_body_delivers_exact_bytes_in_odd_reads(read_sizes):
    response = FakeResponse(chunks=split(PAYLOAD, [1000, 3, 1500, 17]))
    body = _StreamBody(response, len(PAYLOAD))
    assert response.chunk_sizes == [datastore_http.CHUNK]
    assert body.len == len(PAYLOAD)
    received = []
    index = 0
    while True:
        size = read_sizes[index % len(read_sizes)]
        data = body.read(size)
        if not data:
            break
        assert len(data) <= size
        received.append(data)
        index += 1
    assert b"".join(received) == PAYLOAD
    # every read but the last fills the size asked for
    assert all(len(r) == read_sizes[i % len(read_sizes)] for i, r in enumerate(received[:-1]))
    assert body.sent == len(PAYLOAD)
    assert body.digest.hexdigest() == hashlib.sha256(PAYLOAD).hexdigest()


def test_stream_body_read_all_and_after_end():
    body = _StreamBody(FakeResponse(chunks=[b"abc", b"", b"defg"]), 7)
    assert body.read(2) == b"ab"
    assert body.read() == b"cdefg"
    assert body.read(10) == b""
    assert body.read() == b""
    assert body.sent == 7
    assert body.digest.hexdigest() == hashlib.sha256(b"abcdefg").hexdigest()


def test_stream_body_read_zero_consumes_nothing():
    body = _StreamBody(FakeResponse(chunks=[b"xyz"]), 3)
    assert body.read(0) == b""
    assert body.read(5) == b"xyz"
    assert body.sent == 3


class FakeSite(object):
    def __init__(self, name, hostname="vc.example", port=443, datacenter="DC 1", cookie='vmware_soap_session="abc"',
                 verify=True):
        self.name = name
        self.hostname = hostname
        self.port = port
        self.datacenter_name = datacenter
        self._cookie = cookie
        self._verify = verify

    def session_cookie(self):
        return self._cookie

    def ssl_verify(self):
        return self._verify


class FakeHttp(object):
    """Answers GET/HEAD with ``responses`` in order; PUT reads the body in 333-byte blocks like a socket."""

    def __init__(self, responses=(), put_status=201, put_block=333):
        self.responses = list(responses)
        self.put_status = put_status
        self.put_block = put_block
        self.calls = []
        self.uploaded = None
        self.uploaded_len = None
        self.closed = False

    def get(self, url, **kwargs):
        self.calls.append(("GET", url, kwargs))
        return self.responses.pop(0)

    def head(self, url, **kwargs):
        self.calls.append(("HEAD", url, kwargs))
        return self.responses.pop(0)

    def put(self, url, data=None, **kwargs):
        self.calls.append(("PUT", url, kwargs))
        self.uploaded_len = data.len
        parts = []
        while True:
            block = data.read(self.put_block)
            if not block:
                break
            parts.append(block)
        self.uploaded = b"".join(parts)
        return FakeResponse(status=self.put_status)

    def close(self):
        self.closed = True


def make_pair(src_responses, put_status=201):
    src = DatastoreHttp(FakeSite("site-a"), timeout=30)
    dst = DatastoreHttp(FakeSite("site-b", hostname="vc-b.example", port=8443, datacenter="DR/DC", verify="/ca.pem"),
                        timeout=30)
    src.http = FakeHttp(src_responses)
    dst.http = FakeHttp(put_status=put_status)
    return src, dst


def test_session_setup_and_url_quoting():
    http = DatastoreHttp(FakeSite("site-a"), timeout=12)
    assert http.http.headers["Cookie"] == 'vmware_soap_session="abc"'
    assert http.verify is True
    assert http.timeout == 12
    assert http.url("[ds 1] vm one/disk#1.vmdk") == (
        "https://vc.example:443/folder/vm%20one/disk%231.vmdk?dcPath=DC%201&dsName=ds%201")
    http.close()


def test_no_cookie_header_without_session_cookie():
    http = DatastoreHttp(FakeSite("site-a", cookie="", verify=False))
    assert "Cookie" not in http.http.headers
    assert http.verify is False
    http.close()


def test_copy_to_streams_with_length_and_digest():
    source = FakeResponse(chunks=split(PAYLOAD, [4096, 5, 77]), headers={"Content-Length": str(len(PAYLOAD))})
    src, dst = make_pair([source])
    result = src.copy_to("[ds1] vm/disk.vmdk", dst, "[ds2] vmdr/vm-1/disk.vmdk")

    assert result == {"bytes": len(PAYLOAD), "sha256": hashlib.sha256(PAYLOAD).hexdigest()}
    assert dst.http.uploaded == PAYLOAD
    assert dst.http.uploaded_len == len(PAYLOAD)
    assert source.closed
    method, url, kwargs = src.http.calls[0]
    assert method == "GET" and kwargs["stream"] is True and kwargs["verify"] is True and kwargs["timeout"] == 30
    assert url == "https://vc.example:443/folder/vm/disk.vmdk?dcPath=DC%201&dsName=ds1"
    method, url, kwargs = dst.http.calls[0]
    assert method == "PUT"
    assert url == "https://vc-b.example:8443/folder/vmdr/vm-1/disk.vmdk?dcPath=DR%2FDC&dsName=ds2"
    assert kwargs["headers"] == {"Content-Type": "application/octet-stream"}
    # the target's own verify setting is used for the PUT
    assert kwargs["verify"] == "/ca.pem"


def test_copy_to_missing_source_fails_instead_of_returning_nothing():
    """A missing extent (404) used to return None, which the copy engine recorded as a good recovery point."""
    source = FakeResponse(status=404)
    src, dst = make_pair([source])
    with pytest.raises(VmdrError) as caught:
        src.copy_to("[ds1] vm/gone-flat.vmdk", dst, "[ds2] x-flat.vmdk")
    assert caught.value.message == "[ds1] vm/gone-flat.vmdk is missing on the source datastore (HTTP 404)"
    assert (caught.value.site, caught.value.step) == ("site-a", "read source disk")
    assert dst.http.calls == []
    assert source.closed


class FakeStub(object):
    pass


class FakeServiceInstance(object):
    def __init__(self):
        self._stub = FakeStub()


def test_dcpath_is_the_inventory_path_of_the_datacenter(monkeypatch):
    """vCenter wants dcPath=Folder/Sub/DC; the bare name fails for a datacenter inside a folder."""
    from pyVmomi import vim
    from ansible_collections.vmdr.replication.plugins.module_utils.clients import vsphere_props
    root, region, sub, dc = vim.Folder("group-d1"), vim.Folder("group-f9"), vim.Folder("group-f10"), \
        vim.Datacenter("datacenter-3")
    tree = {"datacenter-3": ("dc b", sub), "group-f10": ("sub", region), "group-f9": ("Region B", root),
            "group-d1": ("Datacenters", None)}
    reads = []

    def retrieve(si, objs, paths, obj_type=None):
        [obj] = list(objs)
        reads.append(obj._moId)
        name, parent = tree[obj._moId]
        return [(obj, {"name": name, "parent": parent} if parent is not None else {"name": name})]
    monkeypatch.setattr(vsphere_props, "retrieve_objects", retrieve)
    site = FakeSite("site-b", datacenter="dc b")
    site.si, site.datacenter = FakeServiceInstance(), dc
    http = DatastoreHttp(site)
    assert http.url("[ds1] vm/a.vmdk") == \
        "https://vc.example:443/folder/vm/a.vmdk?dcPath=Region%20B%2Fsub%2Fdc%20b&dsName=ds1"
    assert DatastoreHttp(site).dc_path == "Region B/sub/dc b" and len(reads) == 4  # read once per session


class PutRecorder(object):
    def __init__(self, status):
        self.status = status
        self.calls = []

    def put(self, url, data=None, **kwargs):
        self.calls.append((url, data))
        return FakeResponse(status=self.status)


def test_write_puts_bytes_once_and_a_refused_put_fails():
    _src, dst = make_pair([])
    dst.http = PutRecorder(201)
    assert dst.write("[ds2] vmdr/a.vmdk", b"# Disk DescriptorFile\n") == {
        "bytes": 22, "sha256": hashlib.sha256(b"# Disk DescriptorFile\n").hexdigest()}
    assert dst.http.calls == [("https://vc-b.example:8443/folder/vmdr/a.vmdk?dcPath=DR%2FDC&dsName=ds2",
                               b"# Disk DescriptorFile\n")]
    dst.http = PutRecorder(507)
    with pytest.raises(VmdrError) as caught:
        dst.write("[ds2] vmdr/a.vmdk", b"x")
    assert caught.value.message == "PUT [ds2] vmdr/a.vmdk answered HTTP 507" and len(dst.http.calls) == 1


def test_copy_to_source_error_status():
    source = FakeResponse(status=403)
    src, dst = make_pair([source])
    with pytest.raises(VmdrError) as err:
        src.copy_to("[ds1] vm/disk.vmdk", dst, "[ds2] x.vmdk")
    assert err.value.message == "GET [ds1] vm/disk.vmdk answered HTTP 403"
    assert (err.value.site, err.value.step) == ("site-a", "read source disk")
    assert "browse" in err.value.hint
    assert dst.http.calls == []
    assert source.closed


@pytest.mark.parametrize("status", [200, 201, 204])
def test_copy_to_accepts_put_success_statuses(status):
    src, dst = make_pair([FakeResponse(chunks=[b"data"], headers={"Content-Length": "4"})], put_status=status)
    assert src.copy_to("[ds1] a", dst, "[ds2] b")["bytes"] == 4


def test_copy_to_target_error_status():
    source = FakeResponse(chunks=[b"0123456789"], headers={"Content-Length": "10"})
    src, dst = make_pair([source], put_status=507)
    with pytest.raises(VmdrError) as err:
        src.copy_to("[ds1] vm/disk.vmdk", dst, "[ds2] vmdr/disk.vmdk")
    assert err.value.message == "PUT [ds2] vmdr/disk.vmdk answered HTTP 507"
    assert (err.value.site, err.value.step) == ("site-b", "write replica disk")
    assert source.closed


def test_copy_to_short_body_is_an_error():
    source = FakeResponse(chunks=[b"012345"], headers={"Content-Length": "10"})
    src, dst = make_pair([source])
    with pytest.raises(VmdrError) as err:
        src.copy_to("[ds1] vm/disk.vmdk", dst, "[ds2] vmdr/disk.vmdk")
    assert err.value.message == "sent 6 of 10 bytes of [ds1] vm/disk.vmdk"
    assert (err.value.site, err.value.step) == ("site-a", "copy disk")
    assert "rerun replica_sync" in err.value.hint
    assert source.closed


def test_exists_and_read():
    src, dst = make_pair([FakeResponse(status=200), FakeResponse(status=404),
                          FakeResponse(status=206, content=b"# Disk Descriptor"), FakeResponse(status=200, content=b"all"),
                          FakeResponse(status=500)])
    assert src.exists("[ds1] vm/vm.vmx") is True
    assert src.exists("[ds1] vm/none.vmx") is False
    assert src.read("[ds1] vm/disk.vmdk", max_bytes=17) == b"# Disk Descriptor"
    assert src.http.calls[2][2]["headers"] == {"Range": "bytes=0-16"}
    assert src.read("[ds1] vm/vm.vmx") == b"all"
    assert src.http.calls[3][2]["headers"] == {}
    with pytest.raises(VmdrError, match="GET \\[ds1\\] vm/vm.nvram answered HTTP 500"):
        src.read("[ds1] vm/vm.nvram")
    assert all(call[2]["verify"] is True for call in src.http.calls)
    dst.close()
    assert dst.http.closed
