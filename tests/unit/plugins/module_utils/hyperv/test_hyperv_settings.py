"""Hyper-V replica_enable settings and site parsing, refused before anything runs."""
import pytest

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import servers, sites
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import settings as hp

SITE = {"hostname": "hv-a1.lab.local", "address": "127.0.0.1", "port": 41001, "username": "u", "password": "p",
        "validate_certs": True, "transport": "ntlm"}


def test_initial_methods_and_their_options():
    assert hp.initial_settings("now")["method"] == "now"
    assert hp.initial_settings(None)["method"] == "now"
    scheduled = hp.initial_settings({"method": "scheduled", "start": "2026-11-22T23:30+01:00"})
    assert scheduled["start"] == "2026-11-22T22:30:00Z"
    assert hp.initial_settings({"method": "export", "media_path": "\\\\nas\\ir"})["media_path"] == "\\\\nas\\ir"
    assert hp.initial_settings({"method": "seed", "configure_replica_server": ["target"]})[
        "configure_replica_server"] == ["target"]


@pytest.mark.parametrize("settings, text", [
    ({"method": "scheduled"}, "needs initial_replication_start"),
    ({"method": "scheduled", "start": "tomorrow"}, "initial_replication_start 'tomorrow' is not a valid time"),
    ({"method": "scheduled", "start": "2026-02-30T10:00Z"}, "is not a valid time"),
    ({"method": "now", "start": "2026-11-22T10:00Z"}, "applies only to initial_replication=scheduled"),
    ({"method": "export"}, "absolute Windows path"),
    ({"method": "import", "media_path": "relative\\dir"}, "absolute Windows path"),
    ({"method": "now", "media_path": "E:\\IR"}, "applies only to initial_replication=export or import"),
    ({"method": "copy"}, "not supported by the hyperv provider"),
    ({"method": "now", "extended": {"hostname": "hv-c1.lab.local", "rpo": 0.5}}, "5 or 15"),
    ({"method": "now", "extended": {"hostname": "10.0.0.3"}}, "DNS name"),
])
def test_bad_settings_are_refused(settings, text):
    with pytest.raises(InputError) as err:
        hp.initial_settings(settings)
    assert text in str(err.value)


def test_extended_settings():
    assert hp.extended_settings(None) is None
    assert hp.extended_settings({"hostname": "hv-c1.lab.local", "rpo": 15}) == {
        "server": "hv-c1.lab.local", "port": 80, "frequency_sec": 900}


def test_replica_server_problems():
    facts = {"enabled": True, "any_server": False, "entries": ["*.lab.local"]}
    assert servers.server_problem(facts, "hv-a1.lab.local") is None
    assert "no replication authorization entry" in servers.server_problem(facts, "hv-a1.other.local")
    assert "not enabled" in servers.server_problem({"enabled": False}, "hv-a1.lab.local")
    assert servers.server_problem({"enabled": True, "any_server": True}, "x.y") is None


def test_a_site_is_its_hostname_then_its_hosts():
    site = sites.build_site("source", dict(SITE, hosts=[{"hostname": "hv-a2.lab.local", "port": 41003}]), 20)
    assert [h.hostname for h in site.hosts] == ["hv-a1.lab.local", "hv-a2.lab.local"] and site.multi
    assert site.by_hostname("HV-A2.lab.local") is site.hosts[1]
    single = sites.build_site("target", SITE, 20)
    assert not single.multi
    # one host: nothing to locate, every VM is on it
    missing, ambiguous = sites.locate(single, [{"i": 0, "label": "a"}, {"i": 1, "label": "b"}])
    assert (missing, ambiguous) == ([], {})
    assert sites.group(single, [{"i": 0, "label": "a"}]) == [(single.hosts[0], [{"i": 0, "label": "a"}])]


@pytest.mark.parametrize("hosts, text", [
    ([{"hostname": "hv-a1.lab.local"}], "listed twice"),
    ([{"hostname": "192.168.1.20"}], "source.hosts[0].hostname"),
])
def test_bad_hosts_are_refused(hosts, text):
    with pytest.raises(InputError) as err:
        sites.build_site("source", dict(SITE, hosts=hosts), 20)
    assert text in str(err.value)
