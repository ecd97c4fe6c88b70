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


def disk_image(ident, size, seed):
    """Header + deterministic pseudo-random payload, `size` bytes in total."""
    header = build_header(ident)
    return header + random.Random(seed).randbytes(max(size - len(header), 0))
