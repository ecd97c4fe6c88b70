"""One provider-neutral view of each lab, so the contract table can run unchanged on every provider.

A profile knows only how to reach its lab, which VMs and subnets it has, and how to read the truth at the sites
independently of the product (power state, role, test copies). Every other line of the suite is shared."""
import itertools

from tests.integration import vcenter
from tests.integration.hyperv.hv_session import A, B, HvLab
from tests.integration.lab_session import Lab


class VsphereProfile(object):
    name = "vsphere"
    live = {"prod-web": "dr-web", "prod-db": "dr-db"}
    test_network = "dr-test"
    placement = {"cluster": "DC0_C0", "datastore": "LocalDS_0", "folder": "vmdr-replicas"}
    rules = [{"source": "10.110.0.0/16", "target": "10.210.0.0/16", "gateway": "10.210.0.1"}]
    target_subnet = "10.210.0.0/16"
    source_site, target_site = "site-a", "site-b"

    test_rules_list = [{"source": "10.110.0.0/16", "target": "10.199.0.0/16", "gateway": "10.199.0.1"}]

    def __init__(self, run_dir):
        self.lab = Lab.start(run_dir, extra_vms=140)
        self.a, self.b = self.lab.connect("site-a"), self.lab.connect("site-b")
        self._pool = ("bulk-%04d" % i for i in itertools.count(41, 2))  # odd: prod-web, 10.110.0.0/16

    def stop(self):
        self.lab.stop()

    def module(self, name, args, check=False, diff=False, back=False):
        source, target = ("site-b", "site-a") if back else ("site-a", "site-b")
        return self.lab.module(name, args, check=check, diff=diff, source=source, target=target)

    def enable_args(self, names):
        return {"vms": list(names), "placement": self.placement, "network_map": {"live": self.live}}

    def test_rules(self):
        return self.test_rules_list

    def back_live(self):
        return dict((v, k) for k, v in self.live.items())

    def fresh_vms(self, count):
        """``count`` VMs seen by no earlier scenario, replicated with one recovery point."""
        names = [next(self._pool) for dummy in range(count)]
        enabled = self.module("replica_enable", self.enable_args(names))
        assert not enabled["failed"], enabled
        return names

    def make_point(self, names):
        synced = self.module("replica_sync", {"vms": names, "force": True})
        assert not synced["failed"], synced

    def truth(self, name):
        """{source_power, replica_power, test_copy} read straight from the sites."""
        paths = ("name", "runtime.powerState", "config.extraConfig")
        at_a, at_b = vcenter.vms(self.a, paths=paths), vcenter.vms(self.b, paths=paths)
        source = (at_a.get(name) or [None])[0]
        replica = [p for p in at_b.get(name) or [] if (vcenter.record(p) or {}).get("role")]
        return {"source_power": _power(source), "replica_power": _power(replica[0] if replica else None),
                "test_copy": bool(at_b.get(name + "-test"))}

    # the vCenter method whose failure makes each step of a planned failover fail, and the site it runs at
    STEP_FAULTS = {"stop source": ("site-a", "ShutdownGuest"),
                   "final recovery point": ("site-a", "CreateSnapshot_Task"),
                   "promote replica": ("site-b", "CustomizeVM_Task"),
                   "start replica": ("site-b", "PowerOnVM_Task")}

    def break_step(self, step, name):
        site, method = self.STEP_FAULTS[step]
        self.lab.lab_cli("disable", site, name, method)

    def repair(self, name):
        for site, method in self.STEP_FAULTS.values():
            self.lab.lab_cli("enable", site, name, method)


class HypervProfile(object):
    name = "hyperv"
    live = {"prod-web": "dr-web", "prod-db": "dr-db"}
    test_network = "dr-test"
    rules = [{"source": "10.10.1.0/24", "target": "10.20.1.0/24", "gateway": "10.20.1.1"},
             {"source": "10.10.2.0/24", "target": "10.20.2.0/24", "gateway": "10.20.2.1"}]
    target_subnet = "10.20.1.0/24"
    source_site, target_site = A, B
    VMS = ("hv-web-01", "hv-db-01")

    def __init__(self, run_dir):
        self.lab = HvLab.start(run_dir)

    def enable_args(self, names):
        return {"vms": list(names), "policy": {"rpo": 5, "recovery_points": 4}, "network_map": {"live": self.live},
                "configure_replica_server": ["source"]}

    def test_rules(self):
        return [{"source": "10.10.0.0/16", "target": "10.99.0.0/16", "gateway": "10.99.0.1"}]

    def back_live(self):
        return dict((v, k) for k, v in self.live.items())

    def stop(self):
        self.lab.stop()

    def module(self, name, args, check=False, diff=False, back=False):
        source, target = (B, A) if back else (A, B)
        return self.lab.module(name, args, check=check, diff=diff, source=source, target=target)

    def fresh_vms(self, count):
        self.lab.lab("/reset")
        names = list(self.VMS[:count])
        enabled = self.module("replica_enable", self.enable_args(names))
        assert not enabled["failed"], enabled
        self.lab.advance(120)
        return names

    def make_point(self, names):
        self.lab.advance(310)

    def truth(self, name):
        on = {"Running": "on", "Off": "off"}
        vms_b = self.lab.vms(B)
        source = self.lab.nic(A, name)["state"] if name in self.lab.vms(A) else None
        replica = self.lab.nic(B, name)["state"] if name in vms_b else None
        return {"source_power": on.get(source, source), "replica_power": on.get(replica, replica),
                "test_copy": (name + " - Test") in vms_b}

    # the cmdlet whose failure makes each step of a planned failover fail, and the host it runs on
    STEP_FAULTS = {"stop source": (A, "Stop-VM"), "final recovery point": (A, "Start-VMFailover"),
                   "promote replica": (B, "Start-VMFailover"), "start replica": (B, "Start-VM")}

    def break_step(self, step, name):
        host, cmdlet = self.STEP_FAULTS[step]
        self.lab.lab("/fault", body={"host": host, "cmdlet": cmdlet, "error_id": "OperationFailed",
                                     "message": "Injected failure of %s." % cmdlet,
                                     "category": "InvalidOperation", "count": 1})

    def repair(self, name):
        self.lab.lab("/fault/clear")


def _power(props):
    if props is None:
        return None
    return {"poweredOn": "on", "poweredOff": "off"}.get(props["runtime.powerState"], props["runtime.powerState"])


PROFILES = {"vsphere": VsphereProfile, "hyperv": HypervProfile}
