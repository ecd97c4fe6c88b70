"""Session lab for tests: `vsphere_lab` starts a private two-site vSphere lab
(python -m lab.labctl up) in a tmp dir and returns the parsed lab.json."""
import importlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Small, harmless extras so the conformance tests can observe them.
LAB_OPTIONS = ["--delay-method", "CurrentTime:300", "--disable", "site-a:DC0_H0_VM0:PowerOnVM_Task"]


def load_lab(module):
    """Import ROOT/lab/<module> as vmdrlab.<module>. This test package is also
    called `lab`, so the repo's package cannot be imported by its own name here."""
    if "vmdrlab" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "vmdrlab", ROOT / "lab" / "__init__.py", submodule_search_locations=[str(ROOT / "lab")])
        package = importlib.util.module_from_spec(spec)
        sys.modules["vmdrlab"] = package
        spec.loader.exec_module(package)
    return importlib.import_module("vmdrlab." + module)


def labctl(*args, timeout=180):
    return subprocess.run([sys.executable, "-m", "lab.labctl", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def vsphere_run_dir(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("vmdr-lab")
    result = labctl("up", "--run-dir", run_dir, *LAB_OPTIONS)
    if result.returncode != 0:
        labctl("down", "--run-dir", run_dir)
        pytest.fail("lab up failed:\n%s\n%s" % (result.stdout, result.stderr[-4000:]))
    yield run_dir
    labctl("down", "--run-dir", run_dir)


@pytest.fixture(scope="session")
def vsphere_lab(vsphere_run_dir):
    """The parsed <run-dir>/lab.json of the session's private lab."""
    return json.loads((vsphere_run_dir / "lab.json").read_text())


@pytest.fixture(scope="session")
def lab_module():
    """lab_module("vsphere.connect") -> the repo module (see load_lab)."""
    return load_lab


@pytest.fixture(scope="session")
def lab_cli(vsphere_run_dir):
    """lab_cli("status") runs labctl against the session lab's run dir."""
    def run(command, *args):
        return labctl(command, "--run-dir", vsphere_run_dir, *args)
    return run


@pytest.fixture(scope="session")
def lab_options():
    return list(LAB_OPTIONS)
