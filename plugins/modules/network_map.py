#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: network_map
short_description: Put replica NICs on recovery networks, or stage an isolated test network
version_added: 0.2.0
author:
  - vmdr.replication maintainers (@vmdr-replication)
description:
  - Maps every NIC of each replica, by the network its source NIC was on at the last sync, to a network at
    the recovery site. Works without the source site.
  - O(mode=live) moves the replica NICs to the recovery networks in O(network_map.live) now (standard and
    distributed portgroups).
  - O(mode=test) checks that every test network is isolated (a standard portgroup on a vSwitch without
    physical uplinks on every host) and records it on the replica for later test failovers. A test network
    that could reach production is refused.
  - With O(provider=hyperv), V(live) connects the replica's adapters to the recovery switches
    (Connect-VMNetworkAdapter) and V(test) sets their test switch (TestReplicaSwitchName), which must be a
    Private or Internal switch.
  - A source network with no mapping is refused for every VM before anything changes.
extends_documentation_fragment:
  - vmdr.replication.common
attributes:
  check_mode:
    support: full
    description: Reports the mapping and what would change.
  diff_mode:
    support: full
    description: Shows each replica's networks before and after.
options:
  mode:
    description: Map for a real failover (V(live)) or for test failovers (V(test)).
    type: str
    default: live
    choices: [live, test]
  network_map:
    description: The mapping.
    type: dict
    required: true
    suboptions:
      live:
        description: Source network name -> recovery network name.
        type: dict
      test:
        description: One isolated network name for every NIC, or source network name -> isolated network name.
        type: raw
'''

EXAMPLES = r'''
- name: Place the replicas on the recovery networks
  vmdr.replication.network_map:
    vms: [app-web-01, app-db-01]
    network_map:
      live:
        prod-web: dr-web
        prod-db: dr-db
  delegate_to: localhost

- name: Stage the isolated drill network
  vmdr.replication.network_map:
    vms: [app-web-01, app-db-01]
    mode: test
    network_map:
      test: dr-test
  delegate_to: localhost
'''

RETURN = r'''
vms:
  description: One entry per VM, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The VM as named in O(vms).
      type: str
      sample: app-web-01
    changed:
      description: Whether a NIC moved or a test network was staged.
      type: bool
      sample: true
    failed:
      description: Whether this VM failed.
      type: bool
      sample: false
    nics:
      description: Per NIC, the source network and the network chosen at the recovery site.
      type: list
      elements: dict
      sample: [{"index": 0, "source_network": "prod-web", "target_network": "dr-web"}]
    state:
      description: The replica's networks (live) or staged test network (test) after the call.
      type: dict
      sample: {"networks": ["dr-web"]}
    error:
      description: What failed, where (VM, site, step) and what to do.
      type: dict
      returned: when the VM failed
'''

from ansible_collections.vmdr.replication.plugins.module_utils.common.module_runner import VmdrModule


def main():
    spec = dict(
        mode=dict(type="str", default="live", choices=["live", "test"]),
        network_map=dict(type="dict", required=True, options=dict(live=dict(type="dict"), test=dict(type="raw"))),
    )
    vmdr = VmdrModule(spec)
    vmdr.run(lambda provider, refs: provider.map_networks(refs, vmdr.params["network_map"], vmdr.params["mode"]))


if __name__ == "__main__":
    main()
