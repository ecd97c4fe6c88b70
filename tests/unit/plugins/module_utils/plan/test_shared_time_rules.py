"""One time parser, one recovery point grammar, one RPO rule for every provider."""
import datetime

import pytest

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError, NotFoundError
from ansible_collections.vmdr.replication.plugins.module_utils.plan import recovery_point, rpo, timeparse

UTC = datetime.timezone.utc


@pytest.mark.parametrize("text, expected", [
    ("2026-11-21T10:20:00Z", "2026-11-21T10:20:00Z"),
    ("2026-11-21T10:20:00+01:00", "2026-11-21T09:20:00Z"),
    ("2026-11-21T10:20+01:00", "2026-11-21T09:20:00Z"),
    ("2026-11-21T10:20", "2026-11-21T10:20:00Z"),
    ("2026-11-21 10:20:30", "2026-11-21T10:20:30Z"),
    ("2026-11-21T10:20:30.1234567Z", "2026-11-21T10:20:30Z"),
    ("2026-11-21T10:20:30-0530", "2026-11-21T15:50:30Z"),
    ("/Date(1763683200000)/", "2025-11-21T00:00:00Z"),
])
def test_accepted_forms(text, expected):
    assert timeparse.iso(timeparse.parse(text)) == expected


@pytest.mark.parametrize("text", ["20261121T101500Z", "2026-13-01T00:00:00Z", "2026-02-30T00:00Z", "yesterday",
                                  "2026-11-21T25:00:00Z", "2026-11-21T10:20:00+25:00", "", None, 5])
def test_refused_forms(text):
    assert timeparse.parse(text) is None


def test_require_names_the_option():
    with pytest.raises(InputError) as err:
        timeparse.require("2026-02-30T00:00Z", "recovery_point", vm="web", step="choose recovery point")
    assert "recovery_point '2026-02-30T00:00Z' is not a valid time" in str(err.value) and err.value.vm == "web"


POINTS = [{"id": "20261121T090000Z", "time": "2026-11-21T09:00:00Z"},
          {"id": "20261121T100000Z", "time": "2026-11-21T10:00:00Z"},
          {"id": "20261121T110000Z", "time": "2026-11-21T11:00:00Z"}]


@pytest.mark.parametrize("text, chosen", [
    (None, "20261121T110000Z"), ("latest", "20261121T110000Z"), ("LATEST", "20261121T110000Z"),
    ("20261121T090000Z", "20261121T090000Z"),
    ("2026-11-21T10:30:00Z", "20261121T100000Z"),
    ("2026-11-21T11:30:00+01:00", "20261121T100000Z"),  # 10:30 UTC
    ("2026-11-21T10:00", "20261121T100000Z"),  # minute precision, at the point itself
])
def test_choose(text, chosen):
    spec = recovery_point.PointSpec.parse(text)
    assert recovery_point.choose(list(reversed(POINTS)), spec)["id"] == chosen


def test_a_date_that_is_no_time_is_refused_not_taken_as_an_id():
    with pytest.raises(InputError):
        recovery_point.PointSpec.parse("2026-11-21T10:61:00Z", vm="web")


def test_no_matching_point_lists_the_points():
    with pytest.raises(NotFoundError) as err:
        recovery_point.choose(POINTS, recovery_point.PointSpec.parse("2026-11-20T00:00:00Z"), vm="web", site="b")
    assert "Available: 20261121T090000Z (2026-11-21T09:00:00Z)" in str(err.value)
    with pytest.raises(NotFoundError):
        recovery_point.choose([], recovery_point.PointSpec.parse("latest"), vm="web")


def test_rpo_compliant_is_age_within_rpo_on_the_site_clock():
    now = "2026-11-21T10:20:00Z"
    expected = {"rpo_seconds": 900, "age_seconds": 900, "rpo_compliant": True}
    assert rpo.status(900, "2026-11-21T10:05:00Z", now) == expected
    assert not rpo.status(900, "2026-11-21T10:04:59Z", now)["rpo_compliant"]
    assert not rpo.status(900, "2026-11-21T10:19:00Z", now, paused=True)["rpo_compliant"]
    assert rpo.status(900, None, now) == {"rpo_seconds": 900, "age_seconds": None, "rpo_compliant": False}
    assert rpo.status(900, "2026-11-21T10:25:00Z", now)["age_seconds"] == 0


def test_sync_due_at_half_the_rpo():
    assert rpo.sync_due(None, 900) and rpo.sync_due(451, 900) and not rpo.sync_due(450, 900)
