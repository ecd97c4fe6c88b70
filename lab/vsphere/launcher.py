"""Build, start, probe and stop vcsim site launcher processes."""
import fcntl
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOURCE_DIR = os.path.join(REPO, "lab", "vsphere", "vcsim")
BINARY = os.path.join(REPO, ".build", "vcsim")
GOPATH = "/usr/share/gocode"


def _newest_source():
    return max(os.path.getmtime(os.path.join(SOURCE_DIR, f)) for f in os.listdir(SOURCE_DIR) if f.endswith(".go"))


def build(force=False):
    """go build the launcher into .build/vcsim unless it is newer than its sources."""
    os.makedirs(os.path.dirname(BINARY), exist_ok=True)
    with open(BINARY + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # concurrent `up`s (parallel test sessions) build once
        if not force and os.path.exists(BINARY) and os.path.getmtime(BINARY) >= _newest_source():
            return BINARY
        env = dict(os.environ, GOPATH=GOPATH, GO111MODULE="off")
        if "GOCACHE" not in env and not os.access(os.path.expanduser("~"), os.W_OK):
            env["GOCACHE"] = os.path.join(REPO, ".build", "gocache")
        tmp = BINARY + ".tmp"
        # A directory build: the launcher is split into one-job files.
        subprocess.run(["go", "build", "-o", tmp, "./lab/vsphere/vcsim"], cwd=REPO, env=env, check=True)
        os.replace(tmp, BINARY)
    return BINARY


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(log_path, pid_path, port, args, timeout=30):
    """Start a launcher in its own session; returns (pid, readiness line)."""
    cmd = [BINARY, "-l", "127.0.0.1:%d" % port] + args
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, close_fds=True)
    with open(pid_path, "w") as f:
        f.write("%d\n" % proc.pid)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = _ready_line(log_path)
        if line:
            return proc.pid, line
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    stop(pid_path)
    raise RuntimeError("vcsim on port %d did not become ready; log %s:\n%s" % (port, log_path, _tail(log_path)))


def _ready_line(log_path):
    with open(log_path, "rb") as f:
        for line in f.read().decode(errors="replace").splitlines():
            if line.startswith("VCSIM READY"):
                return line
    return None


def _tail(path, lines=20):
    with open(path, "rb") as f:
        return "\n".join(f.read().decode(errors="replace").splitlines()[-lines:])


def read_pid(pid_path):
    try:
        with open(pid_path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def is_ours(pid):
    """The pid is alive and runs the lab binary (guards against pid reuse)."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            argv = f.read().split(b"\0")
        with open("/proc/%d/stat" % pid, "rb") as f:
            state = f.read().rsplit(b")", 1)[1].split()[0]
    except OSError:
        return False
    return state != b"Z" and bool(argv) and os.path.basename(argv[0].decode(errors="replace")) == "vcsim"


def stop(pid_path, timeout=5):
    pid = read_pid(pid_path)
    if pid and is_ours(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while is_ours(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if is_ours(pid):
            os.kill(pid, signal.SIGKILL)
    if os.path.exists(pid_path):
        os.remove(pid_path)


def responds(hostname, port, ca_file, timeout=3):
    """The SDK answers over HTTPS with a certificate the lab CA verifies."""
    ctx = ssl.create_default_context(cafile=ca_file)
    url = "https://%s:%d/sdk/vimServiceVersions.xml" % (hostname, port)
    try:
        with urllib.request.urlopen(url, context=ctx, timeout=timeout) as r:
            return r.status == 200
    except OSError as e:
        print("probe %s: %s" % (url, e), file=sys.stderr)
        return False
