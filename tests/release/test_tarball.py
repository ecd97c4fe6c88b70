"""The built tarball ships what a user runs and none of the development, lab or test tooling (issue 14 item 6)."""
import fnmatch
import json
import tarfile

import pytest
import yaml

from tests.release import collection_build

# development files no user needs (several need the lab, which is not shipped)
NOT_SHIPPED = ["ansible.cfg", "conftest.py", "pytest.ini", "Makefile", "requirements-dev.txt", ".ansible-lint",
               "extensions/*", "lab/*", "bench/*", "tools/*", "reports/*", "tests/integration/*", "tests/lab/*",
               "tests/contract/*", "tests/release/*", "tests/sanity/*", ".ansible/*", ".build/*", ".venv/*",
               "*/__pycache__/*", "*.pyc", "tests/unit/plugins/module_utils/plan/test_schema_lab_plans.py"]
SHIPPED = ["MANIFEST.json", "FILES.json", "README.md", "COPYING", "requirements.txt", "meta/runtime.yml",
           "playbooks/drill.yml", "playbooks/callback_plugins/vmdr_evidence.py", "roles/runbook/tasks/main.yml",
           "roles/runbook/tasks/publish.yml", "roles/drill/tasks/main.yml", "plugins/callback/evidence.py",
           "plugins/modules/replica_info.py", "changelogs/changelog.yaml"]


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    return collection_build.build(tmp_path_factory.mktemp("tarball"))


def test_tarball_ships_no_dev_files(tarball):
    names = collection_build.members(tarball)
    leaked = sorted(n for n in names if any(fnmatch.fnmatch(n, p) or n == p.rstrip("/*") for p in NOT_SHIPPED))
    assert leaked == []


def test_tarball_ships_the_runbooks(tarball):
    names = set(collection_build.members(tarball))
    assert [n for n in SHIPPED if n not in names] == []


def test_tarball_version_is_the_release(tarball):
    with tarfile.open(tarball) as archive:
        manifest = json.load(archive.extractfile("MANIFEST.json"))
    assert manifest["collection_info"]["version"] == "0.2.0"
    assert tarball.endswith("vmdr-replication-0.2.0.tar.gz")


def test_one_action_group_per_real_difference():
    """Every module that talks to the sites takes the same connection options for both providers: one group."""
    with open(collection_build.ROOT + "/meta/runtime.yml") as handle:
        groups = yaml.safe_load(handle)["action_groups"]
    lists = [tuple(sorted(v for v in members if isinstance(v, str))) for members in groups.values()]
    assert len(lists) == len(set(lists)), groups
    assert "all" in groups
