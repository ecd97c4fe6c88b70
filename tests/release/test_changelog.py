"""The first release is 0.2.0 and its changelog holds only what ships (issue 14 item 6): no fragment describes lab,
benchmark, Makefile or test work."""
import os
import re

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FRAGMENTS = os.path.join(ROOT, "changelogs", "fragments")
# an entry about the lab, the benchmark, make targets or the test suites (mentioning that the tarball leaves them
# out is about what ships, so "ships"/"no longer ships" lines are fine)
DEV_WORK = re.compile(r"``lab/|``bench/|\bHyper-V lab\b|\bmake [a-z]|``tests/|molecule scenario \(|/lab/|lab/plan\.py")


def entries():
    for name in sorted(os.listdir(FRAGMENTS)):
        with open(os.path.join(FRAGMENTS, name)) as handle:
            fragment = yaml.safe_load(handle) or {}
        for section, items in fragment.items():
            for item in items if isinstance(items, list) else [items]:
                yield name, section, item


def test_fragments_describe_only_what_ships():
    dev = ["%s: %s" % (name, text[:100]) for name, dummy, text in entries()
           if DEV_WORK.search(text) and "no longer ships" not in text and "instead of loading" not in text]
    assert dev == []


def test_release_0_2_0_is_in_the_changelog():
    with open(os.path.join(ROOT, "changelogs", "changelog.yaml")) as handle:
        changelog = yaml.safe_load(handle)
    release = changelog["releases"]["0.2.0"]
    assert release["changes"]["release_summary"]
    assert "runbook" in [r["name"] for r in release.get("objects", {}).get("role", [])]
    with open(os.path.join(ROOT, "CHANGELOG.rst")) as handle:
        assert "v0.2.0" in handle.read()
