"""Builds the collection tarball as a user gets it, and installs it into an empty collections path."""
import os
import subprocess
import sys
import tarfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)


def build(dest):
    """``ansible-galaxy collection build`` of the working tree into ``dest``; returns the tarball's path."""
    proc = subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--force", "--output-path",
                           str(dest), ROOT], capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    names = [n for n in os.listdir(str(dest)) if n.startswith("vmdr-replication-") and n.endswith(".tar.gz")]
    assert len(names) == 1, names
    return os.path.join(str(dest), names[0])


def members(tarball):
    with tarfile.open(tarball) as archive:
        return sorted(m.name for m in archive.getmembers())


def user_config(folder):
    """An empty ansible.cfg: a user's settings, not the repository's."""
    path = os.path.join(str(folder), "user-ansible.cfg")
    with open(path, "w") as handle:
        handle.write("[defaults]\n")
    return path


def install(tarball, collections_path):
    """Installs the tarball into ``collections_path``; returns the installed collection's folder."""
    # only this path counts: a copy installed in ~/.ansible would make ansible-galaxy skip the install
    env = dict(os.environ, ANSIBLE_CONFIG=user_config(os.path.dirname(tarball)),
               ANSIBLE_COLLECTIONS_PATH=str(collections_path))
    proc = subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--force", tarball, "-p",
                           str(collections_path)], capture_output=True, text=True, timeout=600, check=False, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return os.path.join(str(collections_path), "ansible_collections", "vmdr", "replication")
