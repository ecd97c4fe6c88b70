"""Guest disk identity, the lab-only convention shared with the Go guest agent.

The first 4 KiB of a disk's -flat.vmdk hold b"VMDRLAB1\\n" + one compact JSON
line {"hostname":..,"nics":[{"ip":..,"prefix":..,"gateway":..}]} + zero
padding; the rest is data. No header = a DHCP guest without an address.
"""
import json
import random

MAGIC = b"VMDRLAB1\n"
HEADER_SIZE = 4096


def identity(hostname, nics):
    """Identity dict from lab nic dicts ({"ip","prefix","gateway"?,...})."""
    out = []
    for nic in nics:
        entry = {"ip": nic["ip"], "prefix": nic["prefix"]}
        if nic.get("gateway"):
            entry["gateway"] = nic["gateway"]
        out.append(entry)
    return {"hostname": hostname, "nics": out}


def build_header(ident):
    line = MAGIC + json.dumps(ident, separators=(",", ":")).encode() + b"\n"
    if len(line) > HEADER_SIZE:
        raise ValueError("guest identity does not fit in %d bytes" % HEADER_SIZE)
    return line + b"\0" * (HEADER_SIZE - len(line))


def parse_header(data):
    """The identity dict in the first bytes of a flat disk, or None."""
    if not data.startswith(MAGIC):
        return None
    line = data[len(MAGIC):HEADER_SIZE].split(b"\n", 1)[0].rstrip(b"\0")
    try:
        return json.loads(line)
    except ValueError:
        return None


def descriptor(extent, size):
    """The text descriptor of a flat disk whose data is the file ``extent`` of ``size`` bytes (a VMFS thin disk,
    as ESXi writes it; the copy engine reads the extent from here, it never guesses -flat)."""
    return ("# Disk DescriptorFile\nversion=1\nencoding=\"UTF-8\"\nCID=fffffffe\nparentCID=ffffffff\n"
            "createType=\"vmfs\"\nchangeTrackPath=\"%s\"\n\n# Extent description\nRW %d VMFS \"%s\"\n\n# The Disk Data Base\n#DDB\n\n"
            "ddb.adapterType = \"lsilogic\"\nddb.thinProvisioned = \"1\"\nddb.virtualHWVersion = \"13\"\n"
            % (extent.replace("-flat.vmdk", "-ctk.vmdk"), size // 512, extent)).encode()


def disk_image(ident, size, seed):
    """Header + deterministic pseudo-random payload, `size` bytes in total."""
    header = build_header(ident)
    return header + random.Random(seed).randbytes(max(size - len(header), 0))
