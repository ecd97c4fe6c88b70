import pytest

from tests.integration.lab_session import Lab


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    lab = Lab.start(str(tmp_path_factory.mktemp("integration-lab")), extra_vms=15)
    yield lab
    lab.stop()


@pytest.fixture(scope="session")
def site_a(lab):
    from pyVim.connect import Disconnect
    si = lab.connect("site-a")
    yield si
    Disconnect(si)


@pytest.fixture(scope="session")
def site_b(lab):
    from pyVim.connect import Disconnect
    si = lab.connect("site-b")
    yield si
    Disconnect(si)
