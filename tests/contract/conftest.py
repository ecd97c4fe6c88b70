"""The contract suite runs every scenario once per provider, each against a private lab of its own."""
import pytest

from tests.contract.sites import PROFILES


@pytest.fixture(scope="session", params=sorted(PROFILES))
def site(request, tmp_path_factory):
    profile = PROFILES[request.param](str(tmp_path_factory.mktemp("contract-%s" % request.param)))
    yield profile
    profile.stop()
