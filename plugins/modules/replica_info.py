#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: replica_info
short_description: Replication status, RPO compliance and recovery points of many VMs in one read
version_added: 0.1.0
author:
  - vmdr.replication maintainers (@vmdr-replication)
description:
  - Reads the replication records of every VM at the source and/or target site with one bulk property read
    per site (Hyper-V, one WinRM command per host), and joins them per replication pair.
  - Works with only the target site (after losing the source site) or only the source site.
extends_documentation_fragment:
  - vmdr.replication.common
attributes:
  check_mode:
    support: full
    description: Read-only; behaves the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
'''

EXAMPLES = r'''
- name: Every replicated VM and whether it meets its RPO
  vmdr.replication.replica_info:
  register: dr
  delegate_to: localhost

- name: Fail the play when a VM is outside its RPO
  ansible.builtin.assert:
    that: dr.replications | rejectattr('rpo_compliant') | list | length == 0

- name: Status of two VMs from the recovery site only
  vmdr.replication.replica_info:
    target:
      hostname: vcenter-b.example.com
    vms: [app-web-01, app-db-01]
  delegate_to: localhost
'''

RETURN = r'''
replications:
  description: One entry per replication pair.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the protected VM.
      type: str
      sample: app-db-01
    state:
      description: V(enabled), V(paused) or V(unknown) (source site not read).
      type: str
      sample: enabled
    health:
      description: V(ok), V(warning) (paused), V(critical) (no replica or outside RPO) or V(failed_over).
      type: str
      sample: ok
    source:
      description: The source VM (name, moid, instance_uuid, power_state, role), when read.
      type: dict
      sample: {"name": "app-db-01", "moid": "vm-42", "power_state": "poweredOn", "role": "source"}
    replica:
      description: The replica VM at the target, when read.
      type: dict
      sample: {"name": "app-db-01", "moid": "vm-77", "power_state": "poweredOff", "role": "replica"}
    policy:
      description: RPO (minutes), recovery points kept, quiescing.
      type: dict
      sample: {"rpo": 15, "recovery_points": 3, "quiesce": false}
    last_sync:
      description: Time of the newest recovery point (UTC).
      type: str
      sample: "2026-11-21T10:15:00Z"
    recovery_points:
      description: Recovery points, newest first.
      type: list
      elements: dict
      sample: [{"id": "20261121T101500Z", "time": "2026-11-21T10:15:00Z", "quiesced": false}]
    rpo_seconds:
      description: The RPO in seconds.
      type: int
      sample: 900
    age_seconds:
      description: Age of the newest recovery point in seconds.
      type: int
      sample: 312
    rpo_compliant:
      description: Whether the newest recovery point is within the RPO.
      type: bool
      sample: true
    test_vms:
      description: Test failover copies that exist now.
      type: list
      elements: dict
      sample: []
    failover:
      description: The failover that promoted the replica, if any.
      type: dict
      sample: {"mode": "planned", "time": "2026-11-21T11:00:00Z", "generation": "20261121T105959Z"}
'''

from ansible_collections.vmdr.replication.plugins.module_utils.common.module_runner import VmdrModule


def main():
    vmdr = VmdrModule({})
    vmdr.run(lambda provider, refs: {"changed": False, "replications": provider.info(refs)})


if __name__ == "__main__":
    main()
