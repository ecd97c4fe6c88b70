"""Installs the awx.awx collection from the `ansible` package on PyPI, for controllers that cannot reach Galaxy.

    python examples/awx/install_awx_collection.py --dest .build/awx-collections
    ANSIBLE_COLLECTIONS_PATH=.build/awx-collections ansible-playbook examples/awx/workflow.yml ...

awx.awx is not on PyPI by itself, but the community `ansible` package bundles it. This downloads that one
wheel (`pip download --no-deps`, nothing is installed into the Python environment) and extracts only
ansible_collections/awx/awx/ into DEST. With Galaxy access, `ansible-galaxy collection install awx.awx` does the same.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

# ansible 12.3.0 bundles awx.awx 24.6.1
ANSIBLE_PACKAGE = "ansible==12.3.0"
PREFIX = "ansible_collections/awx/awx/"


def installed_version(dest):
    try:
        with open(os.path.join(dest, PREFIX, "MANIFEST.json")) as handle:
            return json.load(handle)["collection_info"]["version"]
    except (OSError, ValueError, KeyError):
        return None


def install(dest, package=ANSIBLE_PACKAGE):
    """Extracts awx.awx from the wheel of ``package`` into ``dest``; returns its version."""
    work = tempfile.mkdtemp(prefix="awx-collection-")
    try:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", work, package],
                       check=True)
        wheels = [name for name in os.listdir(work) if name.endswith(".whl")]
        if len(wheels) != 1:
            raise SystemExit("expected one wheel of %s, found %s" % (package, wheels))
        target = os.path.join(dest, PREFIX)
        shutil.rmtree(target, ignore_errors=True)
        with zipfile.ZipFile(os.path.join(work, wheels[0])) as wheel:
            members = [name for name in wheel.namelist() if name.startswith(PREFIX)]
            if not members:
                raise SystemExit("%s does not bundle awx.awx" % wheels[0])
            wheel.extractall(dest, members)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return installed_version(dest)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", required=True, help="collections folder (gets ansible_collections/awx/awx)")
    parser.add_argument("--package", default=ANSIBLE_PACKAGE, help="pip requirement of the ansible package")
    args = parser.parse_args()
    dest = os.path.abspath(args.dest)
    version = installed_version(dest) or install(dest, args.package)
    print("awx.awx %s in %s" % (version, dest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
