"""Nothing was released before 0.2.0: every module, plugin, role and option says version_added 0.2.0."""
import os
import re

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VERSION_ADDED = re.compile(r"^\s*version_added:\s*['\"]?([^'\"\s#]+)", re.M)


def documented_files():
    for folder in ("plugins/modules", "plugins/callback", "plugins/filter", "plugins/doc_fragments", "roles"):
        for base, dummy, names in os.walk(os.path.join(ROOT, folder)):
            for name in names:
                if name.endswith((".py", ".yml")):
                    yield os.path.join(base, name)


def test_galaxy_version_is_the_first_release():
    with open(os.path.join(ROOT, "galaxy.yml")) as handle:
        assert yaml.safe_load(handle)["version"] == "0.2.0"


def test_every_version_added_is_the_first_release():
    wrong = []
    for path in documented_files():
        with open(path) as handle:
            for version in VERSION_ADDED.findall(handle.read()):
                if version != "0.2.0":
                    wrong.append("%s: %s" % (os.path.relpath(path, ROOT), version))
    assert wrong == []
