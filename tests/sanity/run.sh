#!/usr/bin/env bash
# ansible-test sanity on a copy of the collection at ansible_collections/vmdr/replication (where
# ansible-test requires it to be), with no ignore file. Extra args go to ansible-test.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dest="$root/.build/sanity/ansible_collections/vmdr/replication"
mkdir -p "$dest"
# lab/, bench/ and the lab's own tests are not part of the collection (galaxy.yml build_ignore)
rsync -a --delete --delete-excluded --exclude .venv --exclude .build --exclude /lab --exclude /bench --exclude /tests/lab --exclude reports \
  --exclude tests/output --exclude .git --exclude '__pycache__' --exclude '.pytest_cache' "$root/" "$dest/"
cd "$dest"
# ansible-test lists files through git when it finds a repository; give it one with exactly this tree
git init -q . && git add -A >/dev/null && git -c user.email=ci@localhost -c user.name=ci commit -qm sanity >/dev/null
# its own venv: ansible-test pins the linters it runs, which must not fight the dev tools in .venv
venv="$root/.build/sanity-venv"
core=$(grep -E '^ansible-core' "$root/requirements.txt")
if [ ! -x "$venv/bin/ansible-test" ]; then
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
  "$venv/bin/python" -m pip install -q "$core" pyvmomi requests netaddr pywinrm
fi
pip_version=$("$venv/bin/python" -c 'from ansible_test._internal.python_requirements import PIP_VERSION; print(PIP_VERSION)' 2>/dev/null || echo 24.2)
mkdir -p ~/.ansible/test/cache
cp "$root/tests/sanity/get_pip_offline.py" ~/.ansible/test/cache/get_pip_"${pip_version//./_}".py
PATH="$venv/bin:$PATH" ansible-test sanity --local --python "$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" --requirements --color no "$@"
