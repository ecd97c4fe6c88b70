#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: replica_sync
short_description: Make a new recovery point for replicated VMs and check their RPO
version_added: 0.2.0
author:
  - vmdr.replication maintainers (@vmdr-replication)
description:
  - Syncs a batch of replicated VMs to the target site in one session per site.
  - By default only VMs whose newest recovery point is older than half their RPO are synced, so a run
    scheduled every RPO/2 (for example an AWX schedule) keeps every VM within its RPO and reports C(changed)
    only when it made a recovery point. O(force=true) makes a new recovery point for every VM.
  - With O(provider=vsphere) a sync snapshots the sources, streams their frozen disks to the target,
    points the powered-off replica at the new recovery point, removes the snapshots and drops the recovery
    points beyond the policy.
  - With O(provider=hyperv) Hyper-V replicates on its own schedule; the module starts an initial copy that
    O(vmdr.replication.replica_enable#module:initial_replication=defer) left waiting (a scheduled one is left to its
    schedule), resumes relationships in error or waiting for resynchronization, and refuses paused ones. O(force) cannot make Hyper-V send changes
    now and only adds a warning.
  - On every provider a VM is within its RPO when its newest recovery point is no older than the RPO, measured on
    the clock of the site that holds the points. Hyper-V's replication frequency is reported on its own.
extends_documentation_fragment:
  - vmdr.replication.common
attributes:
  check_mode:
    support: full
    description: Reports which VMs would be synced; takes no snapshot.
  diff_mode:
    support: full
    description: Shows the newest recovery point and RPO compliance before and after.
options:
  force:
    description: Sync every VM now, even those whose newest recovery point is younger than half their RPO.
    type: bool
    default: false
  wait_within_rpo:
    description: Fail the VMs that are still outside their RPO when the call ends.
    type: bool
    default: true
'''

EXAMPLES = r'''
- name: Keep the whole plan within its RPO (schedule this)
  vmdr.replication.replica_sync:
    vms: "{{ protected_vms }}"
  delegate_to: localhost

- name: Take a fresh recovery point of the database before a drill
  vmdr.replication.replica_sync:
    vms: [app-db-01]
    force: true
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
      sample: app-db-01
    changed:
      description: Whether a recovery point was made.
      type: bool
      sample: true
    failed:
      description: Whether this VM failed.
      type: bool
      sample: false
    state:
      description: Newest recovery point, its age and RPO compliance after the call.
      type: dict
      sample: {"latest_recovery_point": {"id": "20261121T101500Z", "time": "2026-11-21T10:15:00Z"}, "age_seconds": 0, "rpo_compliant": true}
    recovery_point:
      description: The recovery point this call made.
      type: dict
      returned: when a sync ran
      sample: {"id": "20261121T101500Z", "time": "2026-11-21T10:15:00Z", "quiesced": false}
    transfer:
      description:
        - How this call's copy of the VM went (vSphere copy engine). C(bytes) moved (every disk extent and descriptor,
          each through the controller once), C(seconds) from the first byte to the last, C(bytes_per_second), and
          C(path), the way the bytes took (C(vcenter-folder), the datastore /folder interface of each vCenter).
      type: dict
      returned: when a recovery point was made (vSphere)
      sample: {"bytes": 1048844, "seconds": 0.024, "bytes_per_second": 44064412, "path": "vcenter-folder"}
    stored_bytes:
      description: What the new recovery point holds at the recovery site. Every point is a full copy of every disk.
      type: int
      returned: when a recovery point was made (vSphere)
      sample: 1048576
    error:
      description: What failed, where (VM, site, step) and what to do.
      type: dict
      returned: when the VM failed
'''

from ansible_collections.vmdr.replication.plugins.module_utils.common.module_runner import VmdrModule


def main():
    spec = dict(force=dict(type="bool", default=False), wait_within_rpo=dict(type="bool", default=True))
    vmdr = VmdrModule(spec)
    vmdr.run(lambda provider, refs: provider.sync(
        refs, "always" if vmdr.params["force"] else "outside_rpo", vmdr.params["wait_within_rpo"]))


if __name__ == "__main__":
    main()
