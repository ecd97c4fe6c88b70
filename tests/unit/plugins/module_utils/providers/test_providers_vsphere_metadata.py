# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The replication record stored in VM extraConfig."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest
from pyVmomi import vim

from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import metadata


def test_encode_is_compact_sorted_and_versioned_without_touching_input():
    record = {"role": "replica", "pair": "5b0c", "generations": []}
    text = metadata.encode(record)
    assert text == '{"generations":[],"pair":"5b0c","role":"replica","v":%d}' % metadata.FORMAT
    assert "v" not in record


def test_decode_round_trip_and_custom_key():
    record = {"role": "source", "state": "enabled", "policy": {"rpo": 15}}
    extra = {metadata.REPLICATION_KEY: metadata.encode(record), metadata.TEST_KEY: metadata.encode({"plan": "t1"})}
    decoded = metadata.decode(extra)
    assert decoded == dict(record, v=metadata.FORMAT)
    assert metadata.decode(extra, key=metadata.TEST_KEY) == {"plan": "t1", "v": metadata.FORMAT}


@pytest.mark.parametrize("extra", [{}, {metadata.REPLICATION_KEY: ""}, {metadata.REPLICATION_KEY: None},
                                   {metadata.REPLICATION_KEY: "{not json"}, {metadata.REPLICATION_KEY: "[1, 2]"},
                                   {metadata.REPLICATION_KEY: '"text"'}])
def test_decode_ignores_missing_or_foreign_values(extra):
    assert metadata.decode(extra) is None


def test_option_values_encode_dicts_and_clear_none():
    values = metadata.option_values({"vmdr.test": None, "vmdr.replication": {"role": "replica"}, "guestinfo.x": "1"})
    assert all(isinstance(v, vim.option.OptionValue) for v in values)
    assert [(v.key, v.value) for v in values] == [
        ("guestinfo.x", "1"),
        ("vmdr.replication", metadata.encode({"role": "replica"})),
        ("vmdr.test", ""),
    ]
    assert json.loads(values[1].value)["v"] == metadata.FORMAT


def test_public_view_hides_internals():
    record = {"role": "replica", "pair": "p", "v": 1, "nics": [{"index": 0, "ip": "10.0.0.5"}],
              "generations": [{"id": "g1", "time": "2026-11-21T09:00:00Z", "quiesced": False, "disks": {"2000": "x"}},
                              {"id": "g2", "time": "2026-11-21T09:15:00Z"}]}
    view = metadata.public_view(record)
    assert view == {"role": "replica", "pair": "p",
                    "generations": [{"id": "g1", "time": "2026-11-21T09:00:00Z", "quiesced": False},
                                    {"id": "g2", "time": "2026-11-21T09:15:00Z", "quiesced": None}]}
    assert "disks" in record["generations"][0]
    assert metadata.public_view(None) is None
    assert metadata.public_view({}) is None
