"""The evidence records the collection version from MANIFEST.json when installed (a built collection has no
galaxy.yml), and from galaxy.yml in a source checkout."""
import glob
import importlib.util
import json
import os
import subprocess
import sys
import tarfile

from ansible_collections.vmdr.replication.plugins.callback import evidence

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))


def test_an_installed_collection_has_its_version_from_manifest_json(tmp_path):
    info = {"namespace": "vmdr", "name": "replication", "version": "0.2.0"}
    (tmp_path / "MANIFEST.json").write_text(json.dumps({"collection_info": info}))
    assert evidence._collection_version(str(tmp_path)) == "0.2.0"


def test_a_source_checkout_has_its_version_from_galaxy_yml(tmp_path):
    (tmp_path / "galaxy.yml").write_text("namespace: vmdr\nname: replication\nversion: 1.4.2\n")
    assert evidence._collection_version(str(tmp_path)) == "1.4.2"


def test_neither_file_gives_no_version(tmp_path):
    assert evidence._collection_version(str(tmp_path)) is None


def galaxy_version():
    with open(os.path.join(ROOT, "galaxy.yml")) as handle:
        return [line.split(":", 1)[1].strip() for line in handle if line.startswith("version:")][0]


def test_the_callback_in_the_source_checkout_reads_galaxy_yml():
    assert evidence._collection_version() == galaxy_version()


def test_the_callback_of_the_built_tarball_finds_the_version(tmp_path):
    subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-galaxy"), "collection", "build", ROOT,
                    "--output-path", str(tmp_path)], check=True, capture_output=True, timeout=300)
    tarball = glob.glob(str(tmp_path / "vmdr-replication-*.tar.gz"))[0]
    unpacked = tmp_path / "installed"
    with tarfile.open(tarball) as archive:
        archive.extractall(str(unpacked))
    callback_file = unpacked / "plugins" / "callback" / "evidence.py"
    assert not (unpacked / "galaxy.yml").exists() and callback_file.exists()
    # the callback file as installed: it finds its collection root from where it sits
    spec = importlib.util.spec_from_file_location("installed_vmdr_evidence", str(callback_file))
    installed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(installed)
    assert installed._collection_version() == galaxy_version()
