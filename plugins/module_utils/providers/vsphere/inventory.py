# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bulk inventory reads for one site: VMs, networks, placement objects. One PropertyCollector call each."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError, NotFoundError, VmdrError
from ansible_collections.vmdr.replication.plugins.module_utils.clients.vsphere_props import (
    retrieve_view, retrieve_objects, extra_config)
from ansible_collections.vmdr.replication.plugins.module_utils.plan import timeparse
from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere import metadata

try:
    from pyVmomi import vim
except ImportError:
    pass

VM_ID_PATHS = ("name", "config.instanceUuid", "config.uuid", "runtime.powerState", "config.extraConfig")
# replica_info names VMs by name, moid or instance uuid only: it does not need config.uuid
INFO_PATHS = ("name", "config.instanceUuid", "runtime.powerState", "config.extraConfig")


class VmRecord(object):
    """A VM as read in bulk: the object, its properties, and its replication record."""

    def __init__(self, obj, props, paths=()):
        self.obj = obj
        self.props = props
        self.paths = set(paths)  # paths read (an unset property is simply absent from props)
        self.extra = extra_config(props)
        self.record = metadata.decode(self.extra)
        self.test = metadata.decode(self.extra, metadata.TEST_KEY)

    name = property(lambda self: self.props.get("name"))
    moid = property(lambda self: self.obj._moId)
    instance_uuid = property(lambda self: self.props.get("config.instanceUuid"))
    power_state = property(lambda self: self.props.get("runtime.powerState"))

    def summary(self):
        return {"name": self.name, "moid": self.moid, "instance_uuid": self.instance_uuid,
                "power_state": self.power_state}


class SiteInventory(object):
    """Reads of one connected VsphereSite, scoped to its datacenter."""

    def __init__(self, site):
        self.site = site
        self._networks = None

    def vms(self, paths=None, identity=VM_ID_PATHS):
        wanted = sorted(set(identity) | set(paths or []))
        dc = self.site.datacenter
        rows = retrieve_view(self.site.si, dc, vim.VirtualMachine, wanted)
        return [VmRecord(obj, props, wanted) for obj, props in rows]

    def load(self, records, paths):
        """Read ``paths`` for just these records (one bulk call), e.g. hardware of the VMs a step acts on,
        instead of reading them for every VM of the datacenter."""
        paths = set(paths)
        todo = [rec for rec in records if not paths <= rec.paths]
        if not todo:
            return
        by_moid = dict((rec.moid, rec) for rec in todo)
        wanted = sorted(set().union(*[paths - rec.paths for rec in todo]))
        if not wanted:
            return
        for obj, props in retrieve_objects(self.site.si, [rec.obj for rec in todo], wanted,
                                           obj_type=vim.VirtualMachine):
            rec = by_moid.get(obj._moId)
            if rec is not None:
                rec.props.update(props)
        for rec in todo:
            rec.paths.update(wanted)

    def resolve(self, refs, paths=None, records=None):
        """Map each VmRef to its VmRecord; refuses unknown and ambiguous names (all of them at once).

        ``paths`` beyond the identity ones are read afterwards for the VMs found only (one bulk call)."""
        found, errors = self.resolve_each(refs, paths=paths, records=records)
        if errors:
            missing = [e.vm for e in errors if e.message.startswith("not found")]
            ambiguous = [e.vm for e in errors if e.vm not in missing]
            parts = []
            if missing:
                parts.append("not found: %s" % ", ".join(missing))
            if ambiguous:
                parts.append("more than one VM named: %s" % ", ".join(ambiguous))
            raise NotFoundError("; ".join(parts), vm=errors[0].vm, site=self.site.name, step=errors[0].step,
                                hint=errors[0].hint)
        return found

    def resolve_each(self, refs, paths=None, records=None):
        """As ``resolve``, but returns ({label: VmRecord}, [NotFoundError per VM not found or ambiguous]), so a
        validation can list every problem of the call."""
        records = records if records is not None else self.vms()
        by_name, by_uuid, by_moid = {}, {}, {}
        for rec in records:
            by_name.setdefault(rec.name, []).append(rec)
            for uuid in (rec.props.get("config.instanceUuid"), rec.props.get("config.uuid")):
                if uuid:
                    by_uuid.setdefault(uuid.lower().replace("-", ""), []).append(rec)
            by_moid[rec.moid] = [rec]
        found, errors = {}, []
        step = "find VMs in datacenter '%s'" % self.site.datacenter_name
        hint = "Check the names, or name the VM by uuid or moid"
        for ref in refs:
            if ref.name is not None:
                hits = by_name.get(ref.name, [])
            elif ref.uuid is not None:
                hits = by_uuid.get(ref.uuid.replace("-", ""), [])
            else:
                hits = by_moid.get(ref.moid, [])
            if not hits:
                errors.append(NotFoundError("not found: %s" % ref.label, vm=ref.label, site=self.site.name,
                                            step=step, hint=hint))
            elif len(hits) > 1:
                errors.append(NotFoundError("more than one VM named: %s" % ref.label, vm=ref.label,
                                            site=self.site.name, step=step, hint=hint))
            else:
                found[ref.label] = hits[0]
        if paths:
            self.load(found.values(), paths)
        return found, errors

    def refresh(self, records, paths=()):
        """The same VMs read again (identity, records and ``paths``) in one bulk call: {moid: VmRecord}."""
        records = list(records)
        if not records:
            return {}
        wanted = sorted(set(VM_ID_PATHS) | set(paths))
        rows = retrieve_objects(self.site.si, [rec.obj for rec in records], wanted, obj_type=vim.VirtualMachine)
        return dict((obj._moId, VmRecord(obj, props, wanted)) for obj, props in rows)

    def now(self):
        """The site's clock (naive UTC), so ages and recovery point times do not depend on the controller's."""
        return timeparse.parse_naive(self.site.si.CurrentTime())

    def by_record(self, records=None, key=metadata.REPLICATION_KEY):
        """Index VMs by (role, peer_vm) of their replication record; used to find replicas without a name."""
        index = {}
        for rec in records if records is not None else self.vms():
            data = rec.record if key == metadata.REPLICATION_KEY else rec.test
            if data:
                index.setdefault(data.get("pair"), []).append(rec)
        return index

    def networks(self):
        """{name: {"obj", "kind": standard|distributed, "switch_uuid", "key"}} of the datacenter."""
        if self._networks is not None:
            return self._networks
        rows = retrieve_view(self.site.si, self.site.datacenter.networkFolder, vim.Network, ["name"])
        nets = {}
        dvpgs = []
        for obj, props in rows:
            if isinstance(obj, vim.dvs.DistributedVirtualPortgroup):
                dvpgs.append(obj)
                continue
            nets[props["name"]] = {"obj": obj, "kind": "standard", "switch_uuid": None, "key": None}
        if dvpgs:
            pg_rows = retrieve_objects(self.site.si, dvpgs, ["name", "key", "config.distributedVirtualSwitch"],
                                       obj_type=vim.dvs.DistributedVirtualPortgroup)
            switches = dict((p["config.distributedVirtualSwitch"]._moId, p["config.distributedVirtualSwitch"])
                            for _o, p in pg_rows if p.get("config.distributedVirtualSwitch") is not None)
            uuids = dict((o._moId, p.get("uuid")) for o, p in retrieve_objects(
                self.site.si, switches.values(), ["uuid"], obj_type=vim.DistributedVirtualSwitch))
            for obj, props in pg_rows:
                switch = props.get("config.distributedVirtualSwitch")
                nets[props["name"]] = {"obj": obj, "kind": "distributed", "key": props.get("key"),
                                       "switch_uuid": uuids.get(switch._moId) if switch is not None else None}
        self._networks = nets
        return nets

    def network(self, name, vm=None, step="map networks"):
        nets = self.networks()
        if name not in nets:
            raise NotFoundError("network '%s' does not exist in datacenter '%s'" % (name, self.site.datacenter_name),
                                vm=vm, site=self.site.name, step=step,
                                hint="Known networks: %s" % ", ".join(sorted(nets)))
        return nets[name]

    def uplinks_of_standard_portgroups(self):
        """{portgroup name: set of physical NICs behind it on any host} from every host's network system."""
        hosts = retrieve_view(self.site.si, self.site.datacenter.hostFolder, vim.HostSystem,
                              ["configManager.networkSystem"])
        systems = [p["configManager.networkSystem"] for _o, p in hosts if p.get("configManager.networkSystem")]
        uplinks = {}
        for _obj, props in retrieve_objects(self.site.si, systems, ["networkInfo.vswitch", "networkInfo.portgroup"],
                                            obj_type=vim.host.NetworkSystem):
            pnics_by_switch = dict((sw.name, set(sw.pnic or [])) for sw in props.get("networkInfo.vswitch") or [])
            for pg in props.get("networkInfo.portgroup") or []:
                uplinks.setdefault(pg.spec.name, set()).update(pnics_by_switch.get(pg.spec.vswitchName, set()))
        return uplinks

    def check_isolated(self, names):
        """A test network must be a standard portgroup whose vSwitch has no physical uplink on any host."""
        uplinks = self.uplinks_of_standard_portgroups()
        for name in names:
            net = self.network(name, step="check test network isolation")
            if net["kind"] != "standard":
                raise InputError(
                    "test network '%s' is a distributed portgroup, which has uplinks to the physical network"
                    % name, site=self.site.name, step="check test network isolation",
                    hint="Use a standard portgroup on a vSwitch without physical NICs for test failovers")
            if name not in uplinks:
                raise InputError("test network '%s' is on no host" % name, site=self.site.name,
                                 step="check test network isolation")
            if uplinks[name]:
                raise InputError(
                    "test network '%s' is bridged to physical NICs %s, so a test VM could reach production"
                    % (name, ", ".join(sorted(uplinks[name]))), site=self.site.name,
                    step="check test network isolation",
                    hint="Use a portgroup on a vSwitch without uplinks")

    def find_by_name(self, obj_type, name, root=None, what="object"):
        root = root or self.site.datacenter
        hits = [o for o, p in retrieve_view(self.site.si, root, obj_type, ["name"]) if p.get("name") == name]
        if not hits:
            raise NotFoundError("%s '%s' not found in datacenter '%s'" % (what, name, self.site.datacenter_name),
                                site=self.site.name, step="resolve placement")
        if len(hits) > 1:
            raise VmdrError("more than one %s named '%s'" % (what, name), site=self.site.name,
                            step="resolve placement", hint="Name a more specific object")
        return hits[0]
