"""ansible-lint with the production profile passes on the collection, with the repository's .ansible-lint and no
skip list (issue 14 item 6)."""
import os
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)


def test_config_is_production_and_skips_nothing():
    with open(os.path.join(ROOT, ".ansible-lint")) as handle:
        config = yaml.safe_load(handle)
    assert config["profile"] == "production"
    assert not config.get("skip_list") and not config.get("warn_list")
    assert not os.path.exists(os.path.join(ROOT, ".ansible-lint-ignore"))


def awx_collection():
    """examples/awx/workflow.yml uses awx.awx: its installer puts it in .build/awx-collections (idempotent)."""
    dest = os.path.join(ROOT, ".build", "awx-collections")
    installer = os.path.join(ROOT, "examples", "awx", "install_awx_collection.py")
    subprocess.run([sys.executable, installer, "--dest", dest], cwd=ROOT, check=True, capture_output=True,
                   timeout=900)
    return dest


def test_ansible_lint_production_is_clean(tmp_path):
    # ANSIBLE_HOME: a collection installed in ~/.ansible would be linted instead of this tree
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_HOME=str(tmp_path),
               PATH=BIN + os.pathsep + os.environ["PATH"], NO_COLOR="1",
               ANSIBLE_COLLECTIONS_PATH=os.pathsep.join([os.path.join(ROOT, ".build", "collections"), awx_collection()]))
    proc = subprocess.run([os.path.join(BIN, "ansible-lint"), "--format", "pep8"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-4000:]
    assert "Profile 'production' was required, and it passed" in proc.stderr, proc.stderr[-4000:]
