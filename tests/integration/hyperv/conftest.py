"""A private Hyper-V site (three simulated hosts over WinRM/HTTPS with a lab CA) for the hyperv provider tests."""
import pytest

from tests.integration.hyperv.hv_session import HvLab


@pytest.fixture(scope="session")
def hv(tmp_path_factory):
    lab = HvLab.start(str(tmp_path_factory.mktemp("hyperv-lab")))
    yield lab
    lab.stop()


@pytest.fixture
def fresh(hv):
    """Every test starts from the seeded site."""
    hv.lab("/reset")
    return hv
