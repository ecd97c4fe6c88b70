# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The replication record kept in vCenter itself (VM extraConfig), so every controller sees one truth.

One JSON value per VM under ``vmdr.replication``:
- source VM: role "source", pair id, the peer vCenter and replica VM, state (enabled/paused), policy;
- replica VM: role "replica", pair id, the peer, recovery point generations, and the source NICs
  (network, addresses) as of the last sync, so network mapping and re-IP never need the source site;
- after a failover the replica's role becomes "promoted" and the old source's "failed_over" (fenced).
Test failover copies carry ``vmdr.test`` instead.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

try:
    from pyVmomi import vim
except ImportError:
    pass

REPLICATION_KEY = "vmdr.replication"
TEST_KEY = "vmdr.test"
FORMAT = 1

ROLE_SOURCE = "source"
ROLE_REPLICA = "replica"
ROLE_PROMOTED = "promoted"
ROLE_FAILED_OVER = "failed_over"


def decode(extra, key=REPLICATION_KEY):
    raw = extra.get(key)
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def encode(record):
    record = dict(record)
    record["v"] = FORMAT
    return json.dumps(record, sort_keys=True, separators=(",", ":"))


def option_values(changes):
    """extraConfig edits; a value of None removes the key (vSphere drops keys set to an empty string)."""
    return [vim.option.OptionValue(key=k, value=(encode(v) if isinstance(v, dict) else (v or "")))
            for k, v in sorted(changes.items())]


def public_view(record):
    """What modules return and diff: the record without bulky internals."""
    if not record:
        return None
    view = dict((k, v) for k, v in record.items() if k not in ("v", "nics"))
    if "generations" in view:
        view["generations"] = [dict((k, g.get(k)) for k in ("id", "time", "quiesced")) for g in view["generations"]]
    return view
