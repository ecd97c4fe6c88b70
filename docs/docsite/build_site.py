"""Builds the vmdr.replication docs site with antsibull-docs and Sphinx, warnings as errors.

    python docs/docsite/build_site.py --dest .build/docsite      # then open .build/docsite/build/html/index.html

The collection must be on the collections path of ansible-core (ANSIBLE_CONFIG=ansible.cfg of the checkout
points to .build/collections, which `make collection` links to the checkout). Steps: lint the collection's
docs (antsibull-docs lint-collection-docs, plugin docs and the extra docs of docs/docsite/), create the site
with `antsibull-docs sphinx-init --use-current`, point its intersphinx at the inventory of ansible_refs.yml
(so the build needs no network), and run the site's build.sh (antsibull-docs collection, sphinx-build -W).
"""
import argparse
import os
import subprocess
import sys
import zlib

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
COLLECTION = "vmdr.replication"
ANSIBLE_DOCS = "https://docs.ansible.com/projects/ansible/devel/"


def tool(name):
    """The tool next to this Python (the venv's), else the one on PATH."""
    local = os.path.join(os.path.dirname(sys.executable), name)
    return local if os.path.exists(local) else name


def write_inventory(path):
    """A Sphinx objects.inv (version 2) with the labels of ansible_refs.yml."""
    with open(os.path.join(HERE, "ansible_refs.yml")) as handle:
        refs = yaml.safe_load(handle)
    body = "".join("%s std:label -1 %s %s\n" % (label, ref["uri"], ref["title"]) for label, ref in sorted(refs.items()))
    header = ("# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n"
              "# The remainder of this file is compressed using zlib.\n")
    with open(path, "wb") as handle:
        handle.write(header.encode("utf-8") + zlib.compress(body.encode("utf-8")))


def run(cmd, cwd, env):
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    output = proc.stdout + proc.stderr
    return proc.returncode, output


def build(dest):
    """Returns (ok, output of every step)."""
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    env.setdefault("ANSIBLE_CONFIG", os.path.join(ROOT, "ansible.cfg"))
    log = []
    code, out = run([tool("antsibull-docs"), "lint-collection-docs", "--plugin-docs", "--check-extra-docs-refs", ROOT],
                    ROOT, env)
    log.append("$ antsibull-docs lint-collection-docs\n" + out)
    if code != 0 or out.strip():
        return False, "\n".join(log)
    os.makedirs(dest, mode=0o700, exist_ok=True)
    os.chmod(dest, 0o700)  # antsibull-docs refuses a destination others can write
    code, out = run([tool("antsibull-docs"), "sphinx-init", "--use-current", "--squash-hierarchy", "--fail-on-error",
                     "--project", COLLECTION, "--copyright", "contributors to vmdr.replication",
                     "--title", "vmdr.replication", "--html-short-title", "vmdr.replication",
                     "--dest-dir", dest, COLLECTION], ROOT, env)
    log.append("$ antsibull-docs sphinx-init\n" + out)
    if code != 0:
        return False, "\n".join(log)
    inventory = os.path.join(dest, "ansible_devel.inv")
    write_inventory(inventory)
    with open(os.path.join(dest, "conf.py"), "a") as handle:
        # replaces the generated mapping (python, jinja2 and ansible inventories fetched from the internet)
        handle.write("\nintersphinx_mapping = {'ansible_devel': (%r, %r)}\n" % (ANSIBLE_DOCS, inventory))
    build_sh = os.path.join(dest, "build.sh")
    with open(build_sh) as handle:
        script = handle.read()
    if "--fail-on-error" not in script:
        script = script.replace("    collection \\\n", "    collection \\\n    --fail-on-error \\\n")
        with open(build_sh, "w") as handle:
            handle.write(script)
    code, out = run(["bash", build_sh], dest, env)
    log.append("$ build.sh\n" + out)
    warnings = [line for line in out.splitlines() if "WARNING" in line or "ERROR" in line]
    return code == 0 and not warnings, "\n".join(log)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", default=os.path.join(ROOT, ".build", "docsite"), help="folder of the site")
    args = parser.parse_args()
    ok, log = build(os.path.abspath(args.dest))
    print(log)
    print("docs site: %s" % os.path.join(os.path.abspath(args.dest), "build", "html", "index.html") if ok
          else "docs site: FAILED (warnings are errors)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
