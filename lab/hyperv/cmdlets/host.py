"""Host capacity: Get-VMHost, Get-VMHostNumaNode, Get-VHD, and the Storage module's Get-Volume.

The hardware of each host lives in host["hardware"] (seeded; defaults for models persisted before it existed).
Free memory and free space follow the model: running VMs take their memory, VHDs take their size on their drive.
"""
from __future__ import annotations

from ..ps.commands import Param
from ..ps.values import CIDict, PSObject
from .common import HyperVCommand, computer_params

GB = 1024 ** 3
MB = 1024 ** 2
DEFAULT_HARDWARE = {"logical_processors": 16, "memory_mb": 65536, "host_reserve_mb": 4096,
                    "volumes": [{"letter": "C", "label": "OS", "size_gb": 127, "used_gb": 30},
                                {"letter": "D", "label": "VMs", "size_gb": 2048, "used_gb": 100}]}


def hardware(model, host):
    return model.hosts[host].setdefault("hardware", {k: (list(v) if isinstance(v, list) else v)
                                                     for k, v in DEFAULT_HARDWARE.items()})


def memory_available_mb(model, host):
    hw = hardware(model, host)
    used = sum(vm["memory_mb"] for vm in model.vms(host) if vm["state"] in ("Running", "Paused"))
    return max(0, hw["memory_mb"] - hw.get("host_reserve_mb", 0) - used)


def volume_used_bytes(model, host, letter):
    hw = hardware(model, host)
    vol = [v for v in hw["volumes"] if v["letter"].upper() == letter.upper()][0]
    disks = sum(d.get("size_gb", 0) for d in all_disks(model, host) if d["path"][:1].upper() == letter.upper())
    return int((vol.get("used_gb", 0) + disks) * GB)


def all_disks(model, host):
    """Every VHD file on the host: the disks of its VMs, then the files VMs removed with Remove-VM left."""
    return [d for vm in model.vms(host) for d in vm["disks"]] + list(model.hosts[host].get("files") or [])


def _obj(type_name, pairs, text):
    return PSObject(CIDict(pairs), type_names=[type_name, "System.Object"], to_string=lambda: text)


class GetVMHost(HyperVCommand):
    name = "Get-VMHost"
    class_name = "GetVMHost"
    params = computer_params()

    def process(self, ctx, b):
        model = self.model(ctx)
        for host in self.target_hosts(ctx, b):
            rec, hw = model.hosts[host], hardware(model, host)
            storage = rec["replication_server"].get("default_storage") or "C:\\ProgramData\\Microsoft\\Windows\\Hyper-V"
            ctx.write(_obj("Microsoft.HyperV.PowerShell.VMHost", [
                ("ComputerName", rec["netbios"]), ("Name", rec["netbios"]), ("FullyQualifiedDomainName", host),
                ("LogicalProcessorCount", hw["logical_processors"]), ("MemoryCapacity", hw["memory_mb"] * MB),
                ("VirtualHardDiskPath", "D:\\Hyper-V\\Virtual Hard Disks"), ("VirtualMachinePath", "D:\\Hyper-V"),
                ("NumaSpanningEnabled", True), ("MaximumStorageMigrations", 2), ("MaximumVirtualMachineMigrations", 2),
                ("VirtualMachineMigrationEnabled", False), ("DefaultReplicaStorage", storage)],
                "VMHost (Name = '%s')" % rec["netbios"]))


class GetVMHostNumaNode(HyperVCommand):
    name = "Get-VMHostNumaNode"
    class_name = "GetVMHostNumaNode"
    params = [Param("Id", "int")] + computer_params()

    def process(self, ctx, b):
        model = self.model(ctx)
        for host in self.target_hosts(ctx, b):
            if b.get("Id") not in (None, 0):
                self.fail(ctx, "InvalidParameter", "NUMA node %s was not found." % b["Id"], target=b["Id"])
                continue
            hw = hardware(model, host)
            ctx.write(_obj("Microsoft.HyperV.PowerShell.VMHostNumaNode", [
                ("NodeId", 0), ("ProcessorsAvailability", [100] * hw["logical_processors"]),
                ("MemoryAvailable", memory_available_mb(model, host)), ("MemoryTotal", hw["memory_mb"]),
                ("ComputerName", model.hosts[host]["netbios"])],
                "Microsoft.HyperV.PowerShell.VMHostNumaNode"))


class GetVHD(HyperVCommand):
    name = "Get-VHD"
    class_name = "GetVHD"
    params = [Param("Path", "string[]", position=0, aliases=("FullName",), not_empty=True),
              Param("VMId", "guid[]", position=0, aliases=("Id",))] + computer_params()

    def process(self, ctx, b):
        model = self.model(ctx)
        for host in self.target_hosts(ctx, b):
            attached = set(d["path"].lower() for vm in model.vms(host) for d in vm["disks"])
            if b.get("VMId") is not None:
                for gid in b["VMId"]:
                    vm = model.vm(host, str(gid))
                    if vm is None:
                        self.fail(ctx, "InvalidParameter", 'Hyper-V was unable to find a virtual machine with id '
                                  '"%s".' % gid, target=str(gid))
                        continue
                    for d in vm["disks"]:
                        ctx.write(self._vhd(model, host, d, True))
                continue
            disks = dict((d["path"].lower(), d) for d in all_disks(model, host))
            for path in b.get("Path") or []:
                d = disks.get(path.lower())
                if d is None:
                    self.fail(ctx, "ObjectNotFound", "Getting the mounted storage instance for the path '%s' failed."
                              % path, target=path)
                    continue
                ctx.write(self._vhd(model, host, d, path.lower() in attached))

    @staticmethod
    def _vhd(model, host, d, attached):
        size = int(d.get("size_gb", 0) * GB)
        return _obj("Microsoft.Vhd.PowerShell.VirtualHardDisk", [
            ("ComputerName", model.hosts[host]["netbios"]), ("Path", d["path"]), ("VhdFormat", "VHDX"),
            ("VhdType", "Dynamic"), ("FileSize", size // 4), ("Size", size), ("MinimumSize", size),
            ("LogicalSectorSize", 512), ("PhysicalSectorSize", 4096), ("BlockSize", 33554432),
            ("ParentPath", None), ("Attached", attached)], "Microsoft.Vhd.PowerShell.VirtualHardDisk")


class GetVolume(HyperVCommand):
    """Storage module (MSFT_Volume CIM instances); only -DriveLetter and no argument are modeled."""
    name = "Get-Volume"
    fq_class = "Get-Volume"  # cmdletization: FullyQualifiedErrorId is "<id>,Get-Volume"
    params = [Param("DriveLetter", "string[]", position=0)]

    def process(self, ctx, b):
        model = self.model(ctx)
        host = self.hv(ctx).host_name
        vols = hardware(model, host)["volumes"]
        wanted = [str(x)[:1].upper() for x in b.get("DriveLetter") or []]
        for letter in wanted:
            if not [v for v in vols if v["letter"] == letter]:
                ctx.error("No MSFT_Volume objects found with property 'DriveLetter' equal to '%s'.  Verify the value "
                          "of the property and retry." % letter, "CmdletizationQuery_NotFound_DriveLetter",
                          "ObjectNotFound", target=letter)
        for v in vols:
            if wanted and v["letter"] not in wanted:
                continue
            size = int(v["size_gb"] * GB)
            ctx.write(_obj("Microsoft.Management.Infrastructure.CimInstance#ROOT/Microsoft/Windows/Storage/MSFT_Volume", [
                ("DriveLetter", v["letter"]), ("FileSystemLabel", v.get("label", "")), ("FileSystem", "NTFS"),
                ("FileSystemType", "NTFS"), ("DriveType", "Fixed"), ("HealthStatus", "Healthy"),
                ("OperationalStatus", "OK"), ("SizeRemaining", max(0, size - volume_used_bytes(model, host, v["letter"]))),
                ("Size", size)], "MSFT_Volume (DriveLetter = '%s')" % v["letter"]))


COMMANDS = [GetVMHost(), GetVMHostNumaNode(), GetVHD(), GetVolume()]
