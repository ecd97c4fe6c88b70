"""Example playbooks parse: ansible-playbook --syntax-check on every example and playbook."""
import glob
import os
import subprocess

import pytest

from tests.integration.lab_session import BIN, ROOT

PLAYBOOKS = sorted(glob.glob(os.path.join(ROOT, "examples", "**", "*.yml"), recursive=True)
                   + glob.glob(os.path.join(ROOT, "playbooks", "*.yml")))


@pytest.mark.parametrize("playbook", PLAYBOOKS, ids=[os.path.relpath(p, ROOT) for p in PLAYBOOKS])
def test_syntax(playbook):
    proc = subprocess.run([os.path.join(BIN, "ansible-playbook"), "--syntax-check", playbook], cwd=ROOT,
                          env=dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg")),
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
