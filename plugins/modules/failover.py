#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: failover
short_description: Test, planned and unplanned failover of replicated VMs, test cleanup and reverse replication
version_added: 0.2.0
author:
  - vmdr.replication maintainers (@vmdr-replication)
description:
  - Runs one failover step for a batch of VMs (for example one priority group) with one session per site.
    Every VM is validated first (replica present, recovery point, network map, re-IP plan, test network
    isolation); then each step runs for all VMs at once.
  - V(test) creates C(<vm>-test) from the chosen recovery point on an isolated network, re-IPs it, powers it
    on and waits until VMware Tools runs and the expected addresses are reported. The replica and the
    source are not touched, and a test network that reaches a physical network is refused. With
    O(provider=hyperv) the test VM is Hyper-V's C(<vm> - Test) on the test switch (O(test_suffix) and
    O(test_folder) do not apply), and External switches are refused as test networks.
  - V(cleanup_test) removes the test copies made by V(test) (only VMs that carry the test record).
  - V(planned) shuts the source guests down, makes a final recovery point, fences the sources, then starts
    the replicas on the live networks with re-IP. A replica is started only after its source was seen
    powered off, so both never run together. A VM that fails before its replica starts is put back as it
    was, newest step first (the replica demoted, the source unfenced and started again), and its result lists
    what was undone in RV(vms[].compensation). The VMs of one call may have replicas in different placements.
  - V(planned) and V(unplanned) check every VM before the first change (replica and roles, recovery point,
    networks, re-IP and the guest customization that carries it, the sources' own snapshots, placements);
    any problem refuses the whole call and names every VM and problem.
  - V(unplanned) starts the replicas from the chosen recovery point without needing the source site. If
    the source site answers and a source VM still runs, the call is refused unless
    O(allow_source_running=true).
  - V(reverse) replicates failed-over VMs back to their old primaries, which become their replicas (the
    first step of a failback; a planned failover in the other direction completes it).
  - V(cancel) (O(provider=hyperv) only) undoes a failover that is not committed (Stop-VMFailover) - the replica is
    turned off and replicates again, and a source left prepared by an interrupted planned failover replicates
    again and is started (O(power_on)). A committed failover is refused; use V(reverse).
  - Every mode is safe to rerun, because it continues from the roles recorded on the VMs.
  - With O(mode=test) on vSphere, a VM entry in O(vms) may carry C(wave), an integer (default 0), so that
    one call starts several recovery waves with one session and one inventory read. Every VM of every wave
    is validated first. The VMs of a wave are powered on only when every VM of the wave before it is ready;
    meanwhile the test copies of later waves are already prepared (copied, created and customized, powered
    off). If a VM of a wave fails, the later waves are not powered on and their VMs are reported failed;
    their prepared copies stay powered off until V(cleanup_test) removes them.
extends_documentation_fragment:
  - vmdr.replication.common
attributes:
  check_mode:
    support: full
    description: Validates everything and reports what would happen; starts no task.
  diff_mode:
    support: full
    description: Shows roles and power states (or test copies) before and after.
options:
  mode:
    description: The failover step.
    type: str
    required: true
    choices: [test, cleanup_test, planned, unplanned, reverse, cancel]
  recovery_point:
    description:
      - V(latest), a recovery point id (or, for Hyper-V, its name) as RV(vmdr.replication.replica_info#module:replications[].recovery_points)
        lists them, or a UTC time (C(2026-11-21T10:00:00Z)) meaning the newest point at or before it. A VM entry
        in O(vms) may carry its own C(recovery_point).
    type: str
    default: latest
  network_map:
    description: Networks at the recovery site.
    type: dict
    suboptions:
      live:
        description: Source network name -> recovery network name (planned and unplanned).
        type: dict
      test:
        description:
          - Isolated network name, or source network name -> isolated network name (test). Defaults to the
            test network staged with M(vmdr.replication.network_map).
        type: raw
  reip:
    description:
      - Re-IP rules (see M(vmdr.replication.reip)), applied by guest customization before power-on on vSphere,
        and as the replica's failover TCP/IP settings, injected at boot, on Hyper-V (IPv4 only).
    type: dict
    suboptions:
      rules:
        description: Subnet rules, tried in order (C(source), C(target), C(gateway), C(dns), C(dns_suffix)).
        type: list
        elements: dict
      overrides:
        description: Per-VM NIC addresses that win over the rules, for VMs of O(vms) and NICs they have.
        type: dict
      unmatched:
        description: What to do with an address no rule covers.
        type: str
        default: fail
        choices: [fail, keep]
      allow_sysprep:
        description: Accept re-IP of Windows guests through Sysprep (new SID, domain membership at risk).
        type: bool
        default: false
  power_on:
    description: Power on the test copies or recovered VMs.
    type: bool
    default: true
  wait_ready:
    description:
      - Wait until each VM runs VMware Tools and reports its expected addresses (Hyper-V, running with its
        heartbeat Ok when Hyper-V reports one).
    type: bool
    default: true
  wait_for_ip:
    description: Without a re-IP plan, also wait for the guest to report any address.
    type: bool
    default: true
  ready_timeout:
    description: Seconds to wait for readiness.
    type: int
    default: 600
  shutdown_timeout:
    description: Seconds to wait for source guests to shut down (planned).
    type: int
    default: 300
  force_power_off:
    description: Power a source off when its guest does not shut down in time (planned). Unflushed guest data may be lost.
    type: bool
    default: false
  allow_source_running:
    description: Accept an unplanned failover while source VMs still run (two copies will run).
    type: bool
    default: false
  test_suffix:
    description: Suffix of test copy names.
    type: str
    default: -test
  test_folder:
    description: VM folder for test copies (default the replica's folder).
    type: str
  run_id:
    description: Identifier of the drill or runbook run, recorded on what this call creates; cleanup with a run_id removes only that run's copies.
    type: str
  commit:
    description:
      - With O(mode=unplanned) and O(provider=hyperv), commit the failover (Complete-VMFailover), which deletes
        the other recovery points. O(mode=reverse) commits in any case. vSphere has nothing to commit.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Drill - start isolated, re-IPed copies of priority group 1
  vmdr.replication.failover:
    mode: test
    vms: [app-db-01, app-mq-01]
    network_map:
      test: dr-test
    reip:
      rules:
        - source: 10.10.0.0/16
          target: 10.99.0.0/16
    run_id: "drill-{{ ansible_date_time.iso8601_basic_short }}"
  register: drill
  delegate_to: localhost

- name: Drill - priority groups 1 and 2 in one call, group 2 started once group 1 is ready
  vmdr.replication.failover:
    mode: test
    vms:
      - {name: app-db-01, wave: 1}
      - {name: app-web-01, wave: 2}
      - {name: app-web-02, wave: 2}
    network_map:
      test: dr-test
  delegate_to: localhost

- name: Drill - remove the test copies
  vmdr.replication.failover:
    mode: cleanup_test
    vms: [app-db-01, app-mq-01]
  delegate_to: localhost

- name: Planned migration to the recovery site, no data loss
  vmdr.replication.failover:
    mode: planned
    vms: [app-db-01]
    network_map:
      live:
        prod-db: dr-db
    reip:
      rules:
        - source: 10.10.2.0/24
          target: 10.20.2.0/24
          gateway: 10.20.2.1
  delegate_to: localhost

- name: Disaster - recover from the recovery point before the corruption
  vmdr.replication.failover:
    mode: unplanned
    vms:
      - name: app-db-01
        recovery_point: "2026-11-21T09:45:00Z"
    network_map:
      live:
        prod-db: dr-db
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
      description: Whether this VM changed.
      type: bool
      sample: true
    failed:
      description: Whether this VM failed.
      type: bool
      sample: false
    recovery_point:
      description: The recovery point used (id and UTC time).
      type: dict
      returned: test, planned, unplanned, reverse
      sample: {"id": "20261121T101500Z", "time": "2026-11-21T10:15:00Z"}
    disks:
      description:
        - How a new vSphere test VM got its disks. C(kind) is C(linked clone), C(copied_bytes) is 0, C(parents) lists
          the recovery point disks it reads. The recovery point's files are never written.
      type: dict
      returned: mode=test, vSphere, for a new test VM
      sample: {"kind": "linked clone", "copied_bytes": 0, "parents": ["[ds-b] vmdr/app-web-01-5b0c1a2d/20261121T101500Z/2000/app-web-01.vmdk"]}
    achieved_rpo_seconds:
      description:
        - Seconds between the recovery point and the start of this failover (0 after a planned final sync to the
          newest point; the age of the chosen point when an older one was asked).
      type: int
      returned: when a failover ran
      sample: 95
    time_to_ready_seconds:
      description: Seconds from the start of the call until the VM was ready.
      type: float
      returned: when readiness was awaited
      sample: 41.2
    ready:
      description:
        - Whether the VM was seen ready - running, its guest agent answering, and every address the re-IP
          promised among the addresses the guest reports.
      type: bool
      returned: planned, unplanned, when readiness was awaited
      sample: true
    addresses_expected:
      description: The addresses the re-IP promised, as the readiness wait checked them.
      type: list
      elements: str
      returned: planned, unplanned, when readiness was awaited
      sample: ["10.20.2.21"]
    addresses_seen:
      description: The addresses the guest reported at the end of the readiness wait.
      type: list
      elements: str
      returned: planned, unplanned, when readiness was awaited
      sample: ["10.20.2.21"]
    compensation:
      description:
        - For a VM that failed, the steps that undid what the call had done, newest first, each with C(step),
          C(site), C(ok), C(changed) and C(error); C(not_run) lists undo steps left out because an earlier one
          failed, and C(reason) says why nothing was undone (once a replica may run, nothing is).
      type: dict
      returned: planned, unplanned, when a VM failed
      sample: {"ran": [{"step": "unfence source", "site": "site-a", "ok": true, "changed": true},
                       {"step": "start source again", "site": "site-a", "ok": true, "changed": true}]}
    test_vm:
      description: Name of the test copy.
      type: str
      returned: test
      sample: app-db-01-test
    recovered_vm:
      description: The replica brought into service.
      type: dict
      returned: planned, unplanned
      sample: {"name": "app-db-01", "moid": "vm-77", "power_state": "poweredOff"}
    networks:
      description: Network per NIC index.
      type: list
      elements: dict
      returned: test, planned, unplanned
      sample: [{"index": 0, "network": "dr-test"}]
    reip:
      description: The re-IP plan applied per NIC.
      type: list
      elements: dict
      returned: when re-IP was asked for
      sample: [{"index": 0, "source_ip": "10.10.2.21", "target_ip": "10.99.2.21", "target_prefix": 16}]
    removed:
      description: Test copies removed.
      type: list
      elements: str
      returned: cleanup_test
      sample: [app-db-01-test]
    error:
      description: What failed, where (VM, site, step) and what to do.
      type: dict
      returned: when the VM failed
'''

from ansible_collections.vmdr.replication.plugins.module_utils.common.module_runner import VmdrModule
from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.plan.reip import ReipPlanner
from ansible_collections.vmdr.replication.plugins.module_utils.engine.refusal import refuse_all
from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError

SETTINGS = ("recovery_point", "network_map", "power_on", "wait_ready", "wait_for_ip", "ready_timeout",
            "shutdown_timeout", "force_power_off", "allow_source_running", "test_suffix", "test_folder", "run_id",
            "commit")


def main():
    spec = dict(
        mode=dict(type="str", required=True,
                  choices=["test", "cleanup_test", "planned", "unplanned", "reverse", "cancel"]),
        recovery_point=dict(type="str", default="latest"),
        network_map=dict(type="dict", options=dict(live=dict(type="dict"), test=dict(type="raw"))),
        reip=dict(type="dict", options=dict(
            rules=dict(type="list", elements="dict"), overrides=dict(type="dict"),
            unmatched=dict(type="str", default="fail", choices=["fail", "keep"]),
            allow_sysprep=dict(type="bool", default=False))),
        power_on=dict(type="bool", default=True),
        wait_ready=dict(type="bool", default=True),
        wait_for_ip=dict(type="bool", default=True),
        ready_timeout=dict(type="int", default=600),
        shutdown_timeout=dict(type="int", default=300),
        force_power_off=dict(type="bool", default=False),
        allow_source_running=dict(type="bool", default=False),
        test_suffix=dict(type="str", default="-test"),
        test_folder=dict(type="str"),
        run_id=dict(type="str"),
        commit=dict(type="bool", default=False),
    )
    vmdr = VmdrModule(spec, vm_options=("recovery_point", "wave"))
    params = vmdr.params

    def operation(provider, refs):
        check_waves(refs, params["mode"], provider)
        settings = dict((k, params[k]) for k in SETTINGS)
        reip = params["reip"]
        if reip and (reip.get("rules") or reip.get("overrides")):
            settings["reip"] = ReipPlanner(reip.get("rules"), reip.get("overrides"), reip.get("unmatched"),
                                           reip.get("allow_sysprep"))
            refuse_all(settings["reip"].override_errors([ref.label for ref in refs]))
        if params["mode"] == "cancel" and not provider.supports_cancel:
            raise InputError("mode=cancel undoes an uncommitted Hyper-V failover; %s has nothing to cancel"
                             % provider.name, step="validate", hint="Use mode=reverse, then a planned failover back")
        return provider.failover(refs, params["mode"], settings)

    vmdr.run(operation)


def check_waves(refs, mode, provider):
    """``wave`` is an integer >= 0, for test failover on vSphere; refused before anything changes."""
    for ref in refs:
        if "wave" not in ref.options:
            continue
        wave = ref.options["wave"]
        if mode != "test" or not provider.supports_waves:
            raise InputError("the per-VM key wave applies to mode test on vSphere only", vm=ref.label,
                             step="validate vms", hint="Remove wave, or call failover once per wave")
        if isinstance(wave, bool) or not isinstance(wave, int) or wave < 0:
            raise InputError("wave must be an integer of 0 or more, got %r" % (wave,), vm=ref.label,
                             step="validate vms", hint="Give each VM entry an integer wave")


if __name__ == "__main__":
    main()
