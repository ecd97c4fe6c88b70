#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: replica_enable
short_description: Enable, pause or remove VM replication to a recovery site
version_added: 0.2.0
author:
  - vmdr.replication maintainers (@vmdr-replication)
description:
  - Creates, updates, pauses or removes the replication of a batch of VMs from the O(source) site to the
    O(target) site, in one session per site.
  - With O(provider=vsphere) the C(copy) engine is used. Each sync snapshots the source, streams the frozen
    disks through the datastore HTTP interface into a new recovery point at the target, and keeps the
    powered-off replica VM pointed at the newest one. The relationship and its recovery points are recorded
    in vCenter on both VMs, so every controller (AWX node) sees the same state.
  - With O(provider=hyperv), Enable-VMReplication to the O(target) host (Kerberos, compression) and the initial
    copy chosen by O(initial_replication). The O(target) host must already accept replication from the
    O(source) host (replica server enabled, authorization entry), or the call fails naming the host and what to
    set; with O(configure_replica_server) the module configures it (with a warning).
  - Everything is validated for all VMs (names, policy limits, network mapping, placement) before anything
    changes.
extends_documentation_fragment:
  - vmdr.replication.common
attributes:
  check_mode:
    support: full
    description: Reports what would change and starts no task.
  diff_mode:
    support: full
    description: Shows the replication record before and after, per VM.
options:
  state:
    description:
      - V(present) enables (or resumes) replication, V(paused) keeps the relationship but stops syncs,
        V(absent) removes the relationship from both VMs.
    type: str
    default: present
    choices: [present, paused, absent]
  policy:
    description: Replication policy of every VM in O(vms).
    type: dict
    suboptions:
      rpo:
        description:
          - Recovery point objective in minutes, 5 to 1440 for vSphere (15 or more with O(policy.quiesce)), and
            0.5, 5 or 15 (the replication frequency) for Hyper-V.
          - The C(copy) engine makes a recovery point each time M(vmdr.replication.replica_sync) runs;
            schedule it at least every RPO/2.
        type: float
        default: 15
      recovery_points:
        description: How many recovery points to keep (1 to 24). Any of them can be chosen at failover.
        type: int
        default: 3
      quiesce:
        description:
          - Quiesce the guest file systems (VMware Tools) when taking the sync snapshot. With Hyper-V, hourly
            application-consistent (VSS) recovery points.
        type: bool
        default: false
  placement:
    description:
      - Where replicas are created at the target site. When a choice is unambiguous (one cluster, one
        datastore) it may be left out. Ignored by O(provider=hyperv), where the replica server decides.
    type: dict
    suboptions:
      cluster:
        description: Cluster whose root resource pool holds the replicas.
        type: str
      host:
        description: Host to register replicas on.
        type: str
      resource_pool:
        description: Resource pool for the replicas (wins over O(placement.cluster)).
        type: str
      datastore:
        description: Datastore for replica disks and recovery points.
        type: str
      folder:
        description: VM folder for the replicas.
        type: str
  initial_replication:
    description:
      - V(now) makes the first recovery point immediately (with Hyper-V, an initial copy over the network).
        V(seed) adopts a powered-off VM of the same name already at the target (for example restored from
        backup) as the replica; with Hyper-V the restored copy (same VM Id) is made a replica
        (Enable-VMReplication -AsReplica) and the initial replication sends only the differences (-UseBackup).
        V(defer) records the relationship only; the first M(vmdr.replication.replica_sync) makes the replica.
      - Hyper-V only. V(scheduled) starts the network copy at O(initial_replication_start).
        V(export) writes each VM's initial copy to the folder C(<VM name>_<VM Id>) Hyper-V creates under
        O(media_path) on the source host; after the media reached the target host, V(import) imports it there
        from that folder under O(media_path)
        (Import-VMInitialReplication) and replication starts.
    type: str
    default: now
    choices: [now, seed, defer, scheduled, export, import]
  initial_replication_start:
    description:
      - With O(initial_replication=scheduled), when the initial copy starts, ISO 8601 (UTC unless an offset is
        given), between the source host's current time and 7 days later. Hyper-V only.
    type: str
  media_path:
    description:
      - With O(initial_replication=export) or V(import), the folder on the source host (export) or on the
        target host (import) holding the initial copies, for example C(E:\IR). Hyper-V only.
    type: str
  configure_replica_server:
    description:
      - Hyper-V only. Sites whose host this call may configure as a replica server when it does not accept
        replication from its peer yet - enable Hyper-V Replica (Kerberos) and add an authorization entry for
        the peer host. V(target) receives this replication; V(source) prepares the protected host for
        reverse replication (planned failover and reverse need it). Without it nothing on the hosts' replica
        server configuration is changed.
    type: list
    elements: str
    choices: [source, target]
    default: []
  extended_replica:
    description:
      - Hyper-V only. Extended (chained) replication - the replica host forwards each VM to a third Hyper-V
        server (Enable-VMReplication on the replica, then its initial copy). It starts once the replica has its
        initial copy; until then the VM reports it as pending and a later run starts it. With O(state=absent)
        the extended relationship is removed on the replica host first (the copy on the third server keeps its
        one-sided record).
    type: dict
    suboptions:
      hostname:
        description: DNS name of the third Hyper-V server, which must accept replication from the O(target) host.
        type: str
        required: true
      port:
        description: Its Kerberos (HTTP) replication port.
        type: int
        default: 80
      rpo:
        description: Extended replication frequency in minutes, 5 or 15, not below O(policy.rpo).
        type: float
        default: 5
  network_map:
    description:
      - Recovery network for each source network, used to place the replica's NICs.
      - A source network that is not mapped must exist with the same name at the target, or the call is
        refused before anything changes.
    type: dict
    suboptions:
      live:
        description: Source network name -> recovery network name.
        type: dict
      test:
        description:
          - Isolated network (name) or source network -> isolated network mapping for test failovers. It is
            recorded on the replica and used by M(vmdr.replication.failover) O(vmdr.replication.failover#module:mode=test)
            when that call names no test network. Isolation is checked when the test failover runs.
        type: raw
  delete_replica:
    description:
      - With O(state=absent), also delete the replica VM and its recovery points. By default the replica
        is kept, powered off, without its replication record. With Hyper-V the replica VM is removed (Remove-VM).
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Protect the web tier with a 15 minute RPO and 4 recovery points
  vmdr.replication.replica_enable:
    source:
      hostname: vcenter-a.example.com
      username: dr-svc@vsphere.local
      password: "{{ vault_vcenter_a_password }}"
    target:
      hostname: vcenter-b.example.com
      username: dr-svc@vsphere.local
      password: "{{ vault_vcenter_b_password }}"
    vms: [app-web-01, app-web-02]
    policy:
      rpo: 15
      recovery_points: 4
    placement:
      cluster: dr-cluster
      datastore: dr-ds01
      folder: vmdr-replicas
    network_map:
      live:
        prod-web: dr-web
  delegate_to: localhost

- name: Pause replication during a maintenance window
  vmdr.replication.replica_enable:
    vms: [app-db-01]
    state: paused
  delegate_to: localhost

- name: Stop replicating and delete the replica
  vmdr.replication.replica_enable:
    vms: [app-old-01]
    state: absent
    delete_replica: true
  delegate_to: localhost

- name: Hyper-V - export the initial copies to removable media, ship it, then import it at the recovery host
  vmdr.replication.replica_enable:
    provider: hyperv
    vms: [hv-web-01, hv-db-01]
    initial_replication: "{{ 'import' if media_shipped | default(false) else 'export' }}"
    media_path: 'E:\IR'
    configure_replica_server: [target]
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
      description: Whether this VM changed.
      type: bool
      sample: true
    failed:
      description: Whether this VM failed; see RV(vms[].error).
      type: bool
      sample: false
    state:
      description: The replication record after the call (none when removed).
      type: dict
      sample: {"role": "source", "pair": "5b0c...", "state": "enabled", "policy": {"rpo": 15, "recovery_points": 3, "quiesce": false}}
    replica:
      description: The replica VM at the target, when it existed before the call.
      type: dict
      sample: {"name": "app-web-01", "moid": "vm-123", "power_state": "poweredOff"}
    recovery_point:
      description: The recovery point made by the initial replication.
      type: dict
      sample: {"id": "20261121T101500Z", "time": "2026-11-21T10:15:00Z"}
    extended:
      description: Extended replication from the replica host (Hyper-V), when O(extended_replica) is given.
      type: dict
      returned: when O(extended_replica) is given
      sample: {"replica_server": "hv-c1.example.com", "replication_state": "Replicating", "pending": false}
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
    deleted_files:
      description: The replica's virtual disk files removed with it (Hyper-V; Remove-VM itself deletes no disk).
      type: list
      elements: str
      returned: when O(state=absent) with O(delete_replica=true) removed a Hyper-V replica
      sample: ["D:\\Replica\\hv-web-01\\disk0.vhdx"]
    error:
      description: What failed, where (VM, site, step) and what to do.
      type: dict
      returned: when the VM failed
'''

from ansible_collections.vmdr.replication.plugins.module_utils.common.module_runner import VmdrModule
from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError

OPTION_NAMES = {"start": "initial_replication_start", "media_path": "media_path",
                "configure_replica_server": "configure_replica_server", "extended": "extended_replica"}


def main():
    spec = dict(
        state=dict(type="str", default="present", choices=["present", "paused", "absent"]),
        policy=dict(type="dict", options=dict(
            rpo=dict(type="float", default=15),
            recovery_points=dict(type="int", default=3),
            quiesce=dict(type="bool", default=False))),
        placement=dict(type="dict", options=dict(
            cluster=dict(type="str"), host=dict(type="str"), resource_pool=dict(type="str"),
            datastore=dict(type="str"), folder=dict(type="str"))),
        initial_replication=dict(type="str", default="now",
                                 choices=["now", "seed", "defer", "scheduled", "export", "import"]),
        initial_replication_start=dict(type="str"),
        media_path=dict(type="str"),
        configure_replica_server=dict(type="list", elements="str", choices=["source", "target"], default=[]),
        extended_replica=dict(type="dict", options=dict(hostname=dict(type="str", required=True),
                                                        port=dict(type="int", default=80),
                                                        rpo=dict(type="float", default=5))),
        network_map=dict(type="dict", options=dict(live=dict(type="dict"), test=dict(type="raw"))),
        delete_replica=dict(type="bool", default=False),
    )
    vmdr = VmdrModule(spec)
    params = vmdr.params

    def operation(provider, refs):
        initial = params["initial_replication"]
        settings = dict(method=initial, start=params["initial_replication_start"], media_path=params["media_path"],
                        configure_replica_server=params["configure_replica_server"],
                        extended=params["extended_replica"])
        unsupported = [OPTION_NAMES[k] for k in ("start", "media_path", "configure_replica_server", "extended")
                       if settings[k] and k not in provider.initial_options]
        if initial not in provider.initial_methods:
            unsupported.insert(0, "initial_replication=%s" % initial)
        if unsupported:
            raise InputError("%s: not offered by provider %s" % (", ".join(unsupported), provider.name),
                             step="validate", hint="Use initial_replication %s with provider %s"
                             % (" or ".join(provider.initial_methods), provider.name))
        return provider.enable(refs, params["state"], params["policy"], params["placement"],
                               settings if provider.initial_options else initial, params["network_map"],
                               params["delete_replica"])

    vmdr.run(operation)


if __name__ == "__main__":
    main()
