"""TLS settings are checked before a site is contacted, the same for every provider (issue 17, items 4 and 6)."""
from ansible_collections.vmdr.replication.plugins.module_utils.common import site_checks

PEM = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def test_missing_ca_file_is_an_input_problem_naming_the_site(tmp_path):
    [error] = site_checks.problems("target", {"name": "site-b", "hostname": "vc-b", "ca_path": str(tmp_path / "no.pem"),
                                              "validate_certs": True})
    assert error.site == "site-b" and error.step == "check TLS settings"
    assert "does not exist" in error.message and "cannot reach" not in str(error)


def test_a_ca_file_that_is_not_pem_is_refused_with_the_conversion(tmp_path):
    der = tmp_path / "ca.cer"
    der.write_bytes(b"\x30\x82\x01\x0a binary DER")
    [error] = site_checks.problems("source", {"hostname": "hv-a1", "ca_path": str(der)})
    assert "holds no PEM certificate" in error.message and "openssl x509 -inform der" in error.hint
    assert error.site == "hv-a1"


def test_a_pem_ca_file_passes(tmp_path):
    pem = tmp_path / "ca.pem"
    pem.write_bytes(PEM)
    assert site_checks.problems("source", {"hostname": "vc-a", "ca_path": str(pem)}) == []


def test_validate_certs_false_is_warned_naming_the_site():
    text = site_checks.warnings("source", {"name": "site-a", "hostname": "vc-a.example.com", "validate_certs": False})
    assert "source site 'site-a'" in text and "not verified" in text and "vc-a.example.com" in text
    assert site_checks.warnings("source", {"hostname": "vc-a", "validate_certs": True}) is None
    assert site_checks.warnings("source", None) is None
