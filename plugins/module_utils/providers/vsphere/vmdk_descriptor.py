# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The text descriptor of a VMDK: which extent files hold the data, and the copy a replica gets.

Extent lines follow VMware's Virtual Disk Format: ``<access> <size in sectors> <type> ["<file>" [<offset>]]``, for
example ``RW 2097152 VMFS "web01-flat.vmdk"``. The copy engine copies an extent byte for byte only when the file
is the data itself: ``VMFS`` and ``FLAT`` extents (``ZERO`` extents hold no file). Sparse and snapshot deltas
(``VMFSSPARSE``, ``SESPARSE``, ``VSANSPARSE``, ``SPARSE``), raw device mappings (``VMFSRDM``, ``VMFSRAW``) and
objects that are not files (``vsan://``, ``vvol://``) are refused with the reason.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import posixpath
import re

COPYABLE = ("VMFS", "FLAT")
NO_FILE = ("ZERO",)
REASONS = {
    "VMFSSPARSE": "a snapshot delta (vmfsSparse) whose data is only complete with its parent disk",
    "SESPARSE": "an SEsparse delta whose data is only complete with its parent disk",
    "VSANSPARSE": "a vSAN sparse delta, which has no file on the datastore",
    "SPARSE": "a hosted sparse extent, which ESXi cannot attach without conversion",
    "VMFSRDM": "a raw device mapping (virtual compatibility): the data is on a LUN, not in a file",
    "VMFSRAW": "a raw device mapping (physical compatibility): the data is on a LUN, not in a file",
    "VMFSPASSTHROUGHRAW": "a raw device mapping (physical compatibility): the data is on a LUN, not in a file",
}
_EXTENT = re.compile(r'^(?P<access>RW|RDONLY|NOACCESS)\s+(?P<sectors>\d+)\s+(?P<type>[A-Za-z]+)'
                     r'(?:\s+"(?P<file>[^"]*)"(?:\s+(?P<offset>\d+))?)?\s*$')
_KEY = re.compile(r'^(?P<key>[A-Za-z0-9_.]+)\s*=\s*"?(?P<value>[^"]*)"?\s*$')
# change tracking belongs to the source disk: its -ctk file is not copied, so the replica must not point at one
CBT_KEYS = ("changeTrackPath",)


class DescriptorError(Exception):
    """The descriptor cannot be copied faithfully; the message says why."""


class Extent(object):
    def __init__(self, line_no, access, sectors, kind, file_name, offset):
        self.line_no = line_no
        self.access = access
        self.sectors = sectors
        self.kind = kind
        self.file = file_name
        self.offset = offset

    @property
    def size(self):
        return self.sectors * 512


class Descriptor(object):
    """A parsed descriptor: its lines, settings (``createType``, ``parentFileNameHint``, ``ddb.*``) and extents."""

    def __init__(self, text):
        self.lines = text.splitlines()
        self.settings = {}
        self.extents = []
        for index, raw in enumerate(self.lines):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            match = _EXTENT.match(line)
            if match:
                self.extents.append(Extent(index, match.group("access"), int(match.group("sectors")),
                                           match.group("type").upper(), match.group("file"),
                                           int(match.group("offset") or 0)))
                continue
            match = _KEY.match(line)
            if match:
                self.settings[match.group("key")] = match.group("value")

    @classmethod
    def parse(cls, data):
        if isinstance(data, bytes):
            if b"\0" in data[:4096]:
                raise DescriptorError("the descriptor is binary (a monolithic sparse or stream-optimized disk)")
            data = data.decode("utf-8", "replace")
        return cls(data)

    def data_extents(self):
        """The extents whose files the copy engine copies; raises DescriptorError for any it cannot copy."""
        if not self.extents:
            raise DescriptorError("the descriptor names no extent")
        if self.settings.get("parentFileNameHint") or self.settings.get("parentCID", "ffffffff").lower() != \
                "ffffffff":
            raise DescriptorError("the disk is a child of %s (a linked clone or snapshot delta)"
                                  % (self.settings.get("parentFileNameHint") or "another disk"))
        files = []
        for extent in self.extents:
            if extent.kind in NO_FILE:
                continue
            if extent.kind not in COPYABLE:
                raise DescriptorError("extent %s is %s" % (extent.file or extent.kind, REASONS.get(
                    extent.kind, "of type %s, which the copy engine does not copy" % extent.kind)))
            if not extent.file or "://" in extent.file:
                raise DescriptorError("extent %s is an object, not a file on the datastore (vSAN or vVols)"
                                      % (extent.file or "(unnamed)"))
            files.append(extent)
        if not files:
            raise DescriptorError("the descriptor names no data file")
        return files

    def for_copy(self):
        """The descriptor text for the copy: extents named by their base name (they are copied next to it) and
        change tracking removed."""
        wanted = dict((e.line_no, e) for e in self.data_extents())
        out = []
        for index, raw in enumerate(self.lines):
            match = _KEY.match(raw.strip())
            if match and (match.group("key") in CBT_KEYS or "ctk" in match.group("key").lower()):
                continue
            extent = wanted.get(index)
            if extent is not None:
                raw = '%s %d %s "%s"%s' % (extent.access, extent.sectors, extent.kind,
                                           posixpath.basename(extent.file),
                                           " %d" % extent.offset if extent.offset else "")
            out.append(raw)
        return ("\n".join(out) + "\n").encode("utf-8")


def extent_path(datastore, descriptor_rel, extent):
    """The datastore path of ``extent`` of the descriptor at ``[datastore] descriptor_rel``."""
    if extent.file.startswith("/"):
        raise DescriptorError("extent %s is named by an absolute path" % extent.file)
    return "[%s] %s" % (datastore, posixpath.normpath(posixpath.join(posixpath.dirname(descriptor_rel), extent.file)))
