# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write report.json, junit.xml and report.html of a run into its folder, atomically and without secrets."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import tempfile

from ansible_collections.vmdr.replication.plugins.module_utils.evidence import html_report, junit

FILES = ("report.json", "junit.xml", "report.html")
REDACTED = "********"
MIN_SECRET_LENGTH = 4


def scrub(value, secrets):
    """``value`` with every occurrence of a secret string replaced, however deep it sits."""
    if not secrets:
        return value
    if isinstance(value, dict):
        return dict((k, scrub(v, secrets)) for k, v in value.items())
    if isinstance(value, list):
        return [scrub(v, secrets) for v in value]
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
    return value


def usable_secrets(values):
    """Longest first, so a secret that contains another is redacted whole; too short to matter are left out."""
    return sorted(set(str(v) for v in values if v is not None and len(str(v)) >= MIN_SECRET_LENGTH),
                  key=len, reverse=True)


def render_all(report):
    return {"report.json": json.dumps(report, indent=2, sort_keys=False) + "\n",
            "junit.xml": junit.render(report),
            "report.html": html_report.render(report)}


def write_text(path, text):
    folder = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.rename(tmp, path)
    except Exception:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write(folder, report, secrets=(), only_changed=False):
    """Render and write the three files; returns {file name: (path, changed)}."""
    report = scrub(report, usable_secrets(secrets))
    if not os.path.isdir(folder):
        os.makedirs(folder)
    out = {}
    for name, text in render_all(report).items():
        path = os.path.join(folder, name)
        changed = True
        if only_changed and os.path.exists(path):
            with open(path) as handle:
                changed = handle.read() != text
        if changed:
            write_text(path, text)
        out[name] = (path, changed)
    return out
