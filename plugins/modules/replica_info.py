#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: replica_info
short_description: Replication status, RPO compliance and recovery points of many VMs in one read
version_added: 0.2.0
author:
  - vmdr.replication maintainers (@vmdr-replication)
description:
  - Reads the replication records of every VM at the source and/or target site with one bulk property read
    per site (Hyper-V, one WinRM command per host), and joins them per replication pair.
  - Works with only the target site (after losing the source site) or only the source site.
options:
  recovery_site:
    description:
      - Also report, in RV(recovery_site), what the target site has room for and which addresses its running VMs
        use, next to the CPU, memory and storage the source VMs of O(vms) need (the preflight compares them).
      - With it, VMs of O(vms) (by name) that are not replicated are left out of RV(replications) instead of
        failing the call.
      - Hyper-V reads each recovery host once (C(Get-VMHost), C(Get-VMHostNumaNode), the volume of its replica
        storage with C(Get-Volume), running VMs and their C(Get-VMNetworkAdapter) IPv4 addresses) and each source
        host holding O(vms) once (processors, startup memory, C(Get-VHD) sizes).
    type: bool
    default: false
  summary:
    description:
      - Leave out the per-VM lists RV(replications[].recovery_points) and RV(replications[].test_vms), and report
        RV(replications[].recovery_point_count) and RV(replications[].test_vm_count) instead. Every other key,
        including RV(replications[].last_sync) and RV(replications[].rpo_compliant), stays. For RPO checks over
        thousands of VMs, where the lists are most of the result that Ansible has to take in.
    type: bool
    default: false
  unreadable_site:
    description:
      - What to do when a site given in O(source) or O(target) cannot be read (wrong address, port or credentials,
        a host that does not answer). The same on every provider.
      - V(fail) fails the call, naming the site, the step and what to do, because the health of a VM read at one
        site only is unknown.
      - V(report) returns every VM with RV(replications[].health=unknown) and RV(replications[].rpo_compliant)
        null (never true), names the sites that were not read in RV(replications[].unread_sites), and warns once
        per site; the call itself succeeds. For monitoring that must see every VM, and alert on V(unknown).
      - A call that can read none of its sites fails either way.
    type: str
    choices: [fail, report]
    default: fail
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

- name: Monitoring that sees every VM even when a site cannot be read
  vmdr.replication.replica_info:
    unreadable_site: report
  register: dr_status
  delegate_to: localhost

- name: Alert on every VM that is not healthy, unknown included (rpo_compliant is null when unknown)
  ansible.builtin.assert:
    that: dr_status.replications | rejectattr('health', 'in', ['ok', 'failed_over']) | list | length == 0
    fail_msg: >-
      Not healthy: {{ dr_status.replications | rejectattr('health', 'in', ['ok', 'failed_over'])
      | map(attribute='name') | join(', ') }}

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
      description:
        - V(ok), V(warning) (paused), V(critical) (no replica or outside RPO), V(failed_over), or V(unknown) when a
          site could not be read and O(unreadable_site=report) was given (without it, the call fails instead).
      type: str
      sample: ok
    unread_sites:
      description: The sites that could not be read, when RV(replications[].health) is V(unknown).
      type: list
      elements: str
      returned: when a site could not be read and O(unreadable_site=report) was given
      sample: ["site-b"]
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
    recovery_point_count:
      description: Number of recovery points.
      type: int
      returned: when O(summary) is true
      sample: 3
    test_vm_count:
      description: Number of test failover copies that exist now.
      type: int
      returned: when O(summary) is true
      sample: 0
    recovery_points:
      description: Recovery points, newest first.
      type: list
      elements: dict
      returned: when O(summary) is false
      sample: [{"id": "20261121T101500Z", "time": "2026-11-21T10:15:00Z", "quiesced": false, "stored_bytes": 1048576,
                "transfer": {"bytes": 1048844, "seconds": 0.024}}]
    last_transfer:
      description:
        - What the newest recovery point's copy moved (vSphere copy engine), C(bytes) and C(seconds). Every sync is a full
          copy; each point's C(stored_bytes) is its full size at the recovery site.
      type: dict
      returned: vSphere (null before the first sync)
      sample: {"bytes": 1048844, "seconds": 0.024}
    rpo_seconds:
      description: The RPO in seconds.
      type: int
      sample: 900
    age_seconds:
      description: Age of the newest recovery point in seconds.
      type: int
      sample: 312
    rpo_compliant:
      description:
        - Whether the newest recovery point is no older than the RPO, measured on the clock of the site that holds
          the points; the same rule on every provider. A paused replication is never compliant.
        - Null (unknown) when a site could not be read (O(unreadable_site=report)); never true on evidence that was
          not read.
      type: bool
      sample: true
    replication_frequency_seconds:
      description: How often Hyper-V Replica sends changes (30, 300 or 900). Not part of the compliance rule.
      type: int
      returned: with O(provider=hyperv)
      sample: 300
    test_vms:
      description: Test failover copies that exist now.
      type: list
      elements: dict
      returned: when O(summary) is false
      sample: []
    failover:
      description: The failover that promoted the replica, if any.
      type: dict
      sample: {"mode": "planned", "time": "2026-11-21T11:00:00Z", "generation": "20261121T105959Z"}
recovery_site:
  description: With O(recovery_site), the target site's room and the addresses in use there.
  returned: when O(recovery_site) is true
  type: dict
  contains:
    site:
      description: Name of the target site.
      type: str
      sample: site-b
    needs:
      description:
        - What the source VMs of O(vms) need, as C(vcpus), C(largest_vcpus), C(memory_mb) and C(storage_gb) (disk
          capacity), with the C(vms) found; null without O(vms) or source site.
      type: dict
      sample: {"vms": ["app-db-01"], "vcpus": 2, "largest_vcpus": 2, "memory_mb": 1024, "storage_gb": 1.0}
    capacity:
      description:
        - Connected hosts not in maintenance (C(hosts), C(cores), C(largest_host_cores), C(memory_mb),
          C(memory_free_mb)), vCPUs of the running VMs (C(running_vcpus)), and C(datastores) with C(name) and
          C(free_gb). With Hyper-V, C(datastores) has one entry per recovery host, the volume holding its replica
          storage, named C(<host> <path>) (C(free_gb) null for storage on a share), C(cores) are logical processors
          and C(memory_free_mb) is the hosts' available memory.
      type: dict
      sample: {"hosts": 3, "cores": 6, "largest_host_cores": 2, "running_vcpus": 2, "memory_mb": 12285,
               "memory_free_mb": 8073, "datastores": [{"name": "LocalDS_0", "free_gb": 224.1}]}
    addresses:
      description: Guest addresses of the running VMs at the target site, other than the VMs of O(vms).
      type: list
      elements: dict
      sample: [{"vm": "dr-dns-01", "ip": "10.20.0.53"}]
'''

from ansible_collections.vmdr.replication.plugins.module_utils.common.module_runner import VmdrModule
from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.plan import unreadable_site


def summarize(rows):
    """The rows without their per-VM lists, with the lists' lengths instead."""
    for row in rows:
        row["recovery_point_count"] = len(row.pop("recovery_points", None) or [])
        row["test_vm_count"] = len(row.pop("test_vms", None) or [])
    return rows


def read_rows(provider, refs, unreadable):
    """The replications[] rows; a site that could not be read fails the call unless ``unreadable`` is 'report'."""
    try:
        return provider.info(refs)
    except unreadable_site.UnreadableSites as exc:
        if unreadable != "report":
            raise
        return unreadable_site.report_unknown(exc, provider.warn)


def report(provider, refs, recovery_site, summary=False, unreadable=unreadable_site.DEFAULT):
    if not recovery_site:
        rows = read_rows(provider, refs, unreadable)
        return {"changed": False, "replications": summarize(rows) if summary else rows}
    if not hasattr(provider, "recovery_site"):
        raise InputError("recovery_site is not available with the %s provider yet" % provider.name,
                         step="read recovery site", hint="Leave recovery_site false")
    # a plan's check: VMs of vms that are not replicated are left out of replications, not an error
    names = set(ref.name for ref in refs)
    rows = [row for row in read_rows(provider, [], unreadable) if not refs or row.get("name") in names]
    return {"changed": False, "replications": summarize(rows) if summary else rows,
            "recovery_site": provider.recovery_site(refs)}


def main():
    vmdr = VmdrModule({"recovery_site": dict(type="bool", default=False), "summary": dict(type="bool", default=False),
                       "unreadable_site": dict(type="str", choices=list(unreadable_site.CHOICES),
                                               default=unreadable_site.DEFAULT)},
                      all_vms_when_empty=True)
    vmdr.run(lambda provider, refs: report(provider, refs, vmdr.params["recovery_site"], vmdr.params["summary"],
                                           vmdr.params["unreadable_site"]))


if __name__ == "__main__":
    main()
