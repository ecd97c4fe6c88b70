#!/usr/bin/env bash
# ansible-test sanity on a copy of the collection at ansible_collections/vmdr/replication (where
# ansible-test requires it to be), with no ignore file, once per ansible-core version.
#
#   tests/sanity/run.sh [--core 2.17 --core 2.18 ...] [--prepare] [--require-all] [ansible-test args ...]
#
# --core VERSION   a version to run (repeatable); default: every version the collection claims, $CORES below
#                  (or the space separated list in VMDR_SANITY_CORES)
# --prepare        only create the venvs (one per version, under .build/sanity/venv-<version>)
# --require-all    fail when a version cannot run here because no supported Python is installed
# Each version runs with the first controller Python it supports that is on PATH; the summary lists the
# seconds each version took, and the versions that were skipped for want of a Python.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build="$root/.build/sanity"
dest="$build/ansible_collections/vmdr/replication"
CORES=${VMDR_SANITY_CORES:-"2.17 2.18 2.19 2.20"}

# controller Pythons of each ansible-core version (its Requires-Python and the versions ansible-test supports)
pythons_for() {
  case "$1" in
    2.17) echo "3.10 3.11 3.12" ;;
    2.18|2.19) echo "3.11 3.12 3.13" ;;
    2.20) echo "3.12 3.13 3.14" ;;
    *) echo "3.12 3.13 3.14" ;;
  esac
}

cores=() prepare=0 require_all=0 passthrough=()
while [ $# -gt 0 ]; do
  case "$1" in
    --core) cores+=("$2"); shift 2 ;;
    --prepare) prepare=1; shift ;;
    --require-all) require_all=1; shift ;;
    *) passthrough+=("$1"); shift ;;
  esac
done
[ ${#cores[@]} -gt 0 ] || read -r -a cores <<< "$CORES"

# a Python that runs: on PATH, or installed by pyenv but not selected (its shim then fails)
python_for() {
  local version candidate
  for version in $(pythons_for "$1"); do
    for candidate in "python$version" "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version".*/bin/"python$version"; do
      if "$candidate" -c 'import venv' >/dev/null 2>&1; then command -v "$candidate"; return 0; fi
    done
  done
  return 1
}

# its own venv per version: ansible-test pins the linters it runs, which must not fight the dev tools in .venv
make_venv() {
  local core=$1 python=$2
  venv="$build/venv-$core"
  if [ ! -x "$venv/bin/ansible-test" ]; then
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
    # the modules' own imports; netaddr is not one of them
    "$venv/bin/python" -m pip install -q "ansible-core==$core.*" pyvmomi requests pywinrm
  fi
}

copy_tree() {
  mkdir -p "$dest"
  # lab/, bench/ and the lab's own tests are not part of the collection (galaxy.yml build_ignore)
  rsync -a --delete --delete-excluded --exclude .venv --exclude .build --exclude /lab --exclude /bench \
    --exclude /tests/lab --exclude reports --exclude /.ansible --exclude tests/output --exclude .git \
    --exclude '__pycache__' --exclude '.pytest_cache' "$root/" "$dest/"
  # ansible-test lists files through git when it finds a repository; give it one with exactly this tree
  (cd "$dest" && rm -rf .git && git init -q . && git add -A >/dev/null \
    && git -c user.email=ci@localhost -c user.name=ci commit -qm sanity >/dev/null)
}

summary=() failed=0 skipped=0
[ "$prepare" = 1 ] || copy_tree
for core in "${cores[@]}"; do
  if ! python=$(python_for "$core"); then
    summary+=("ansible-core $core: SKIPPED, needs one of Python $(pythons_for "$core"), none is installed")
    skipped=$((skipped + 1))
    continue
  fi
  make_venv "$core" "$python"
  [ "$prepare" = 0 ] || { summary+=("ansible-core $core: venv ready ($venv, $python)"); continue; }
  # the pip versions this ansible-test bootstraps (a constant in 2.18/2.19, a pip='...' entry in 2.17 and 2.20)
  mkdir -p ~/.ansible/test/cache
  for pip_version in $("$venv/bin/python" - <<'PY'
import re
from ansible_test._internal import python_requirements
with open(python_requirements.__file__) as handle:
    text = handle.read()
print(" ".join(sorted(set(a or b for a, b in re.findall(r"PIP_VERSION = '([^']+)'|pip='([^']+)'", text)))))
PY
  ); do
    cp "$root/tests/sanity/get_pip_offline.py" ~/.ansible/test/cache/get_pip_"${pip_version//./_}".py
  done
  py_version=$("$venv/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  core_full=$("$venv/bin/python" -c 'from ansible.release import __version__; print(__version__)')
  echo "=== ansible-core $core_full, Python $py_version"
  started=$(date +%s)
  if (cd "$dest" && PATH="$venv/bin:$PATH" ansible-test sanity --local --python "$py_version" --requirements \
        --color no ${passthrough[@]+"${passthrough[@]}"}); then
    outcome=passed
  else
    outcome=FAILED
    failed=$((failed + 1))
  fi
  summary+=("ansible-core $core_full (Python $py_version): $outcome in $(( $(date +%s) - started )) s")
done
echo "=== sanity summary"
printf '%s\n' "${summary[@]}"
[ "$failed" = 0 ] || exit 1
[ "$require_all" = 0 ] || [ "$skipped" = 0 ] || exit 2
