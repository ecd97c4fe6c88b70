"""The execution environment: ansible-builder creates the build context of examples/ee/execution-environment.yml,
and the collection it installs brings its Python and system requirements through meta/execution-environment.yml,
read by the very introspection script the image build runs. No container runtime is needed (or used)."""
import ast
import glob
import os
import shutil
import subprocess
import sys
import tarfile

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
BUILD_DEFINITION = os.path.join("examples", "ee", "execution-environment.yml")

# top-level import -> the requirement that provides it (None: a dependency of ansible-core or of requests)
IMPORT_PROVIDERS = {"pyVmomi": "pyvmomi", "pyVim": "pyvmomi", "winrm": "pywinrm", "requests": "requests",
                    "yaml": None, "urllib3": None}
PYTHON2_STDLIB = {"httplib"}  # fallbacks under `except ImportError`


def requirement_names(lines):
    names = set()
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            names.add(line.split("[")[0].split(">")[0].split("=")[0].split("<")[0].strip().lower())
    return names


def read_lines(path):
    with open(path) as handle:
        return [line.rstrip("\n") for line in handle]


def galaxy_version():
    with open(os.path.join(ROOT, "galaxy.yml")) as handle:
        return yaml.safe_load(handle)["version"]


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    """Runs `ansible-galaxy collection build` and `ansible-builder create` as the docs say, in a copy of the
    layout the definition's relative paths expect (examples/ee/ and .build/ee/ under one folder)."""
    work = tmp_path_factory.mktemp("ee")
    os.makedirs(os.path.join(str(work), "examples", "ee"))
    shutil.copy(os.path.join(ROOT, BUILD_DEFINITION), os.path.join(str(work), BUILD_DEFINITION))
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--force", "--output-path",
                    os.path.join(str(work), ".build", "ee"), ROOT], check=True, capture_output=True, text=True)
    ctx = os.path.join(str(work), "context")
    proc = subprocess.run([os.path.join(BIN, "ansible-builder"), "create", "-f", os.path.join(str(work), BUILD_DEFINITION),
                           "--context", ctx, "--output-filename", "Containerfile"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No matches" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return ctx


@pytest.fixture(scope="module")
def introspected(context, tmp_path_factory):
    """The galaxy and builder stages of the Containerfile, without a container: install the collection from the
    context's requirements.yml (from /build, as the galaxy stage does), then run the context's introspect.py."""
    share = str(tmp_path_factory.mktemp("share"))
    build = os.path.join(context, "_build")
    # without the checkout's ansible.cfg: its collections path links this collection, which would count as installed
    env = {key: value for key, value in os.environ.items() if key != "ANSIBLE_CONFIG"}
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--force", "-r", "requirements.yml",
                    "--collections-path", share], cwd=build, check=True, capture_output=True, text=True, env=env)
    pip_out, bindep_out = os.path.join(share, "requirements.txt"), os.path.join(share, "bindep.txt")
    proc = subprocess.run([sys.executable, os.path.join(build, "scripts", "introspect.py"), "introspect", share,
                           "--write-pip", pip_out, "--write-bindep", bindep_out], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return {"share": share, "pip": read_lines(pip_out), "bindep": read_lines(bindep_out)}


def test_ansible_builder_writes_the_containerfile(context):
    with open(os.path.join(context, "Containerfile")) as handle:
        containerfile = handle.read()
    assert "FROM quay.io/centos/centos:stream10" not in containerfile  # the base image is a build argument
    assert 'ARG EE_BASE_IMAGE="quay.io/centos/centos:stream10"' in containerfile
    assert "ansible-galaxy collection install" in containerfile and "-r requirements.yml" in containerfile
    assert "introspect.py introspect" in containerfile
    assert "install-from-bindep" in containerfile
    assert "ansible-core>=2.17" in containerfile and "ansible-runner" in containerfile


def test_the_context_holds_this_collection(context):
    with open(os.path.join(context, "_build", "requirements.yml")) as handle:
        wanted = yaml.safe_load(handle)["collections"]
    tarball = "collections/vmdr-replication-%s.tar.gz" % galaxy_version()
    assert wanted == [{"name": tarball, "type": "file"}], "keep %s in step with galaxy.yml" % BUILD_DEFINITION
    path = os.path.join(context, "_build", tarball)
    assert os.path.isfile(path)
    with tarfile.open(path) as archive:
        for name in ("meta/execution-environment.yml", "meta/ee-requirements.txt", "meta/ee-bindep.txt"):
            member = archive.extractfile(name)
            assert member is not None, name
            with open(os.path.join(ROOT, name), "rb") as source:
                assert member.read() == source.read(), name + " in the tarball differs from the checkout"
        names = archive.getnames()
    assert "plugins/modules/failover.py" in names


def test_introspection_reads_the_collection_requirements(introspected):
    # these paths resolve against the collection root inside the image: a path relative to meta/ would not be found
    assert os.path.isdir(os.path.join(introspected["share"], "ansible_collections", "vmdr", "replication"))
    pip = [line.split("#")[0].strip() for line in introspected["pip"]]
    assert "pyvmomi>=8.0.3.0" in pip and "requests>=2.31" in pip
    assert "pywinrm[kerberos,credssp]>=0.5.0" in pip
    assert "jmespath" not in requirement_names(pip)
    bindep = [line.split("#")[0].strip() for line in introspected["bindep"]]
    for entry in ("gcc [platform:rpm compile]", "python3-devel [platform:rpm compile]", "krb5-devel [platform:rpm compile]",
                  "krb5-libs [platform:rpm]", "krb5-workstation [platform:rpm]",
                  "gcc [platform:dpkg compile]", "python3-dev [platform:dpkg compile]", "libkrb5-dev [platform:dpkg compile]",
                  "libgssapi-krb5-2 [platform:dpkg]", "krb5-user [platform:dpkg]"):
        assert entry in bindep, entry


def plugin_imports():
    """Top-level names imported anywhere under plugins/ that are neither the standard library nor Ansible."""
    found = {}
    for path in glob.glob(os.path.join(ROOT, "plugins", "**", "*.py"), recursive=True):
        with open(path) as handle:
            tree = ast.parse(handle.read(), path)
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in PYTHON2_STDLIB \
                        and top not in ("ansible", "ansible_collections", "__future__"):
                    found.setdefault(top, set()).add(os.path.relpath(path, ROOT))
    return found


def test_every_third_party_import_is_required():
    required = requirement_names(read_lines(os.path.join(ROOT, "meta", "ee-requirements.txt")))
    for top, files in sorted(plugin_imports().items()):
        assert top in IMPORT_PROVIDERS, "%s (imported by %s) is not in meta/ee-requirements.txt" % (top, sorted(files))
        if IMPORT_PROVIDERS[top]:
            assert IMPORT_PROVIDERS[top] in required, top
    unused = required - set(filter(None, (IMPORT_PROVIDERS[top] for top in plugin_imports())))
    assert not unused, "required but imported by nothing: %s" % sorted(unused)
