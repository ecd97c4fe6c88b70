#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: reip
short_description: Compute and stage new IP addresses for replicas at the recovery site
version_added: 0.2.0
author:
  - vmdr.replication maintainers (@vmdr-replication)
description:
  - Computes a re-IP plan for every NIC of each replica from the addresses its source had at the last sync.
    Rules move an address from a source subnet to a target subnet keeping the host part (first matching
    rule wins); per-VM overrides set an address outright. The whole plan is checked before anything changes,
    and every problem found is reported at once. Refused are malformed subnets; addresses no host may have (the
    network and broadcast addresses of an IPv4 subnet up to /30, the subnet-router anycast address of an IPv6
    subnet up to /126), also when a rule's translation lands on one; gateways outside the subnet, equal to such
    an address, or equal to the NIC's own address (a /32 or /128 has no gateway; a /31 or /127 uses both
    addresses); overrides for VMs not in O(vms) or for NICs a VM does not have; and two NICs given one address,
    or an address that is another NIC's gateway.
  - With O(provider=vsphere) the plan is recorded on the powered-off replica and applied by the failover as its
    one guest customization right before power-on; a later call replaces it. Staging the same plan again changes
    nothing. A replica with a different customization already pending (one this tool did not make) is refused.
  - With O(provider=hyperv) the source addresses are the IPv4 addresses the source guest reports, and the plan
    is applied as the replica's failover TCP/IP settings (Set-VMNetworkAdapterFailoverConfiguration).
  - M(vmdr.replication.failover) takes the same rules to re-IP test copies and failed-over VMs in one call.
extends_documentation_fragment:
  - vmdr.replication.common
attributes:
  check_mode:
    support: full
    description: Returns the computed plan; stages nothing.
  diff_mode:
    support: full
    description: Shows the staged plan before and after.
options:
  rules:
    description: Subnet rules, tried in order.
    type: list
    elements: dict
    default: []
    suboptions:
      source:
        description: Source subnet in CIDR notation.
        type: str
        required: true
      target:
        description: Target subnet, at least as large as the source.
        type: str
        required: true
      gateway:
        description: Default gateway in the target subnet.
        type: str
      dns:
        description: DNS servers for NICs moved by this rule.
        type: list
        elements: str
      dns_suffix:
        description: DNS domain for NICs moved by this rule.
        type: str
  overrides:
    description:
      - Per-VM addresses that win over the rules. VM name -> list of C(nic) (index) or C(network) (source
        network name), C(ip) (address/prefix), C(gateway), C(dns), C(dns_suffix).
      - Each VM must be one of O(vms), named as there, and each C(nic) or C(network) must pick a NIC the VM has.
    type: dict
    default: {}
  unmatched:
    description: What to do with an address no rule or override covers.
    type: str
    default: fail
    choices: [fail, keep]
  allow_sysprep:
    description:
      - vSphere re-IPs Windows guests only through Sysprep, which gives them a new SID and can break their
        domain membership. Windows VMs are refused unless this is V(true). Not used by Hyper-V.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Move the web and database subnets to the recovery site's subnets
  vmdr.replication.reip:
    vms: [app-web-01, app-db-01]
    rules:
      - source: 10.10.1.0/24
        target: 10.20.1.0/24
        gateway: 10.20.1.1
        dns: [10.20.0.53]
      - source: 10.10.2.0/24
        target: 10.20.2.0/24
        gateway: 10.20.2.1
    overrides:
      app-db-01:
        - nic: 0
          ip: 10.20.2.100/24
          gateway: 10.20.2.1
  register: plan
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
      description: Whether a new plan was staged.
      type: bool
      sample: true
    failed:
      description: Whether this VM failed.
      type: bool
      sample: false
    nics:
      description: The re-IP plan per NIC.
      type: list
      elements: dict
      sample:
        - index: 0
          network: prod-web
          source_ip: 10.10.1.11
          target_ip: 10.20.1.11
          target_prefix: 24
          gateway: 10.20.1.1
          dns: [10.20.0.53]
          action: translate
          rule: 0
    state:
      description: Fingerprint of the staged plan.
      type: dict
      sample: {"staged": "3f1c0a9b2d4e5f60"}
    error:
      description: What failed, where (VM, site, step) and what to do.
      type: dict
      returned: when the VM failed
'''

from ansible_collections.vmdr.replication.plugins.module_utils.common.module_runner import VmdrModule
from ansible_collections.vmdr.replication.plugins.module_utils.plan.reip import ReipPlanner
from ansible_collections.vmdr.replication.plugins.module_utils.engine.refusal import refuse_all


def main():
    spec = dict(
        rules=dict(type="list", elements="dict", default=[], options=dict(
            source=dict(type="str", required=True), target=dict(type="str", required=True),
            gateway=dict(type="str"), dns=dict(type="list", elements="str"), dns_suffix=dict(type="str"))),
        overrides=dict(type="dict", default={}),
        unmatched=dict(type="str", default="fail", choices=["fail", "keep"]),
        allow_sysprep=dict(type="bool", default=False),
    )
    vmdr = VmdrModule(spec)

    def operation(provider, refs):
        planner = ReipPlanner(vmdr.params["rules"], vmdr.params["overrides"], vmdr.params["unmatched"],
                              vmdr.params["allow_sysprep"])
        refuse_all(planner.override_errors([ref.label for ref in refs]))
        return provider.reip(refs, planner)

    vmdr.run(operation)


if __name__ == "__main__":
    main()
