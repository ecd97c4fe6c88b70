"""A lab guest that writes its disk, and the model of what the disk held at every snapshot.

Each write fills one 4 KiB block with content that names itself: block number, generation and sequence
(``VMDRBLK block=12 gen=3 seq=41``, repeated). The launcher (/vmdrlab/write) puts the write into the head of the
VM's disk chain and answers the epoch it landed in; /vmdrlab/snapshots says the epoch of every snapshot. A
snapshot holds exactly the writes of its epoch and earlier, so ``image_at(epoch)`` is the disk as the snapshot
froze it, computed from the writes alone, without reading the lab's disk files.
"""
import threading

import requests

BLOCK = 4096


def block_content(block, gen, seq):
    stamp = b"VMDRBLK block=%d gen=%d seq=%d\n" % (block, gen, seq)
    return (stamp * (BLOCK // len(stamp) + 1))[:BLOCK]


def identify(data):
    """(block, gen, seq) a written block names, or None for data the writer did not write."""
    if not data.startswith(b"VMDRBLK "):
        return None
    fields = dict(item.split(b"=") for item in data.split(b"\n", 1)[0].split()[1:])
    return int(fields[b"block"]), int(fields[b"gen"]), int(fields[b"seq"])


class LabDisk(object):
    """The launcher's disk endpoints for one site."""

    def __init__(self, site, ca_file):
        self.base = "https://%s:%d/vmdrlab/" % (site["hostname"], site["port"])
        self.http = requests.Session()
        self.http.trust_env = False
        self.http.auth = (site["username"], site["password"])
        self.http.verify = ca_file

    def _post(self, action, data=None, **params):
        r = self.http.post(self.base + action, params=params, data=data, timeout=30)
        if r.status_code != 200:
            raise RuntimeError("%s %s: HTTP %d %s" % (action, params, r.status_code, r.text.strip()))
        return r

    def write(self, vm, offset, data):
        return self._post("write", data=data, vm=vm, offset=offset).json()["epoch"]

    def read(self, vm, offset, length):
        return self._post("read", vm=vm, offset=offset, length=length).content

    def snapshots(self, vm):
        """{snapshot name: {"epoch", "open", "writes_while_open"}} of every snapshot the VM had."""
        return dict((s["name"], s) for s in self._post("snapshots", vm=vm).json() or [])

    def resize(self, vm, size):
        self._post("resize", vm=vm, bytes=size)

    def calls(self):
        return self._post("calls").json()


class GuestWriter(object):
    """Writes blocks of one VM's disk and remembers each write with the epoch it landed in."""

    def __init__(self, disk, vm, base_image, first_block=1):
        self.disk, self.vm, self.base = disk, vm, base_image
        self.blocks = range(first_block, len(base_image) // BLOCK)  # block 0 holds the guest identity
        self.log = []  # (epoch, block, data) in write order
        self.seq = 0
        self._lock = threading.Lock()
        self._stop = None
        self._thread = None

    def write(self, block, gen):
        with self._lock:
            self.seq += 1
            data = block_content(block, gen, self.seq)
            epoch = self.disk.write(self.vm, block * BLOCK, data)
            self.log.append((epoch, block, data))
            return epoch

    def write_many(self, gen, count, stride=7):
        for i in range(count):
            self.write(self.blocks[(i * stride + gen * 13) % len(self.blocks)], gen)

    def image_at(self, epoch=None):
        """The disk holding every write of ``epoch`` and earlier (None: every write)."""
        image = bytearray(self.base)
        for when, block, data in self.log:
            if epoch is None or when <= epoch:
                image[block * BLOCK:(block + 1) * BLOCK] = data
        return bytes(image)

    def start(self, gen, pause=0.002):
        """Keeps writing in the background (during a sync) until stop()."""
        self._stop = threading.Event()

        def run():
            i = 0
            while not self._stop.is_set():
                self.write(self.blocks[(i * 11 + gen) % len(self.blocks)], gen)
                i += 1
                self._stop.wait(pause)
        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=30)
        return self
