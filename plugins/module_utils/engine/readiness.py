# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""When a recovered VM counts as ready, the same on every provider.

A VM is ready when it runs, its guest agent answers (VMware Tools, Hyper-V heartbeat, the QEMU guest agent) and every
address the run promised it (the re-IP plan) is among the addresses the guest reports. A VM that reports its
addresses but not the promised ones is not ready; at the deadline it fails naming both lists, so no runbook calls a
VM ready on evidence it did not read.

Adapters poll into a state dict: {"power": "on"|"off"|..., "agent": True|False, "addresses": [..],
"expected": [..]}, and optionally "need_address": True when nothing is promised but the VM
must report some address (vSphere's wait_for_ip).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.engine import waits


def _acceptor(state):
    if state.get("power") != "on":
        return waits.RETRY, None
    if not state.get("agent"):
        return waits.RETRY, None
    expected = set(state.get("expected") or [])
    seen = set(state.get("addresses") or [])
    if expected - seen:
        return waits.RETRY, None
    if state.get("need_address") and not seen:  # nothing promised, but the caller waits for some address
        return waits.RETRY, None
    return waits.SUCCESS, None


def describe(state):
    if not state:
        return "nothing"
    text = "power %s, guest agent %s" % (state.get("power"), "answering" if state.get("agent") else "silent")
    expected = sorted(state.get("expected") or [])
    if expected:
        text += ", expected addresses %s, seen %s" % (", ".join(expected),
                                                      ", ".join(sorted(state.get("addresses") or [])) or "none")
    elif state.get("need_address"):
        text += ", addresses seen %s" % (", ".join(sorted(state.get("addresses") or [])) or "none (waited for any)")
    return text


GUEST_READY = waits.Waiter("ready (running, guest agent answering, promised addresses seen)", _acceptor,
                           delay=0.5, describe=describe)


def missing_addresses(state):
    return sorted(set(state.get("expected") or []) - set(state.get("addresses") or []))
