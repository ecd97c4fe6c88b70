# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which recovery-site network each source network lands on, for live and test failovers."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError

MODES = ("live", "test")


class NetworkMap(object):
    """``live`` maps source network -> recovery network; ``test`` maps to isolated networks.

    ``test`` may be a single network name (every NIC goes there) or a mapping.
    """

    def __init__(self, live=None, test=None):
        self.live = dict(live or {})
        self.test = test

    @classmethod
    def from_params(cls, params):
        params = params or {}
        live = params.get("live") or {}
        test = params.get("test")
        if not isinstance(live, dict):
            raise InputError("network_map.live must map source network names to recovery network names",
                             step="validate network map")
        if test is not None and not isinstance(test, (dict, str)):
            raise InputError("network_map.test must be a network name or a mapping", step="validate network map")
        return cls(live, test)

    def target_for(self, source_network, mode, vm=None, site=None):
        if mode not in MODES:
            raise InputError("unknown network mode %r" % mode, vm=vm, step="map networks")
        if mode == "test":
            if isinstance(self.test, dict):
                target = self.test.get(source_network)
            else:
                target = self.test
            if not target:
                raise InputError(
                    "source network '%s' has no test network" % source_network, vm=vm, site=site,
                    step="map networks", hint="Set network_map.test to an isolated network")
            return target
        target = self.live.get(source_network)
        if not target:
            raise InputError(
                "source network '%s' is not mapped to a recovery network" % source_network, vm=vm, site=site,
                step="map networks", hint="Add '%s: <recovery network>' to network_map.live" % source_network)
        return target

    def test_networks(self):
        if isinstance(self.test, dict):
            return sorted(set(self.test.values()))
        return [self.test] if self.test else []

    def live_networks(self):
        return sorted(set(self.live.values()))

    def check_test_apart_from_live(self):
        """A test network that is also a live recovery or source network would reach production."""
        clash = set(self.test_networks()) & (set(self.live_networks()) | set(self.live))
        if clash:
            raise InputError(
                "test network(s) %s are also production networks in network_map.live" % ", ".join(sorted(clash)),
                step="validate network map", hint="Use an isolated network for tests")
