"""A private lab for the integration tests, and ways to drive the real modules and playbooks against it."""
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
RUNBOOKS = ("drill.yml", "preflight.yml", "enable_replication.yml", "test_failover.yml", "cleanup_test_failover.yml",
            "planned_failover.yml", "unplanned_failover.yml", "failback.yml")


class Lab(object):
    def __init__(self, run_dir):
        self.run_dir = run_dir
        with open(os.path.join(run_dir, "lab.json")) as handle:
            self.state = json.load(handle)
        self.plan_file = os.path.join(run_dir, "plan.yml")
        self.secrets_file = os.path.join(run_dir, "secrets.yml")

    @classmethod
    def start(cls, run_dir, extra_vms=0):
        subprocess.run([sys.executable, "-m", "lab.labctl", "up", "--run-dir", run_dir, "--extra-vms",
                        str(extra_vms)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([sys.executable, "-m", "lab.plan", "--run-dir", run_dir], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        return cls(run_dir)

    def stop(self):
        subprocess.run([sys.executable, "-m", "lab.labctl", "down", "--run-dir", self.run_dir], cwd=ROOT,
                       check=False, stdout=subprocess.DEVNULL)

    def lab_cli(self, *args):
        subprocess.run([sys.executable, "-m", "lab.labctl"] + list(args) + ["--run-dir", self.run_dir], cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL)

    def site(self, name):
        site = self.state["sites"][name]
        return {"name": name, "hostname": site["hostname"], "port": site["port"], "username": site["username"],
                "password": site["password"], "ca_path": self.state["ca_file"], "datacenter": site["datacenter"]}

    def env(self, source="site-a", target="site-b"):
        """Connection through the documented environment fallbacks, as AWX credentials would set them."""
        env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), PATH=BIN + ":" + os.environ["PATH"],
                   ANSIBLE_NOCOLOR="1")
        for role, name in (("SOURCE", source), ("TARGET", target)):
            site = self.site(name)
            env.update({"VMDR_%s_NAME" % role: name, "VMDR_%s_HOST" % role: site["hostname"], "VMDR_%s_PORT" % role: str(site["port"]),
                        "VMDR_%s_USERNAME" % role: site["username"], "VMDR_%s_PASSWORD" % role: site["password"],
                        "VMDR_%s_CA_PATH" % role: site["ca_path"], "VMDR_%s_DATACENTER" % role: site["datacenter"]})
        return env

    def module(self, name, args, check=False, diff=False, source="site-a", target="site-b"):
        return run_module(name, args, self.env(source, target), check=check, diff=diff)

    def playbook(self, playbook, *extra, **kw):
        """Runs a runbook of the collection; also checks the evidence it must leave (three valid files, no secret)."""
        cmd = [os.path.join(BIN, "ansible-playbook"), os.path.join(ROOT, "playbooks", playbook),
               "-e", "vmdr_plan_file=%s" % self.plan_file, "-e", "@%s" % self.secrets_file] + list(extra)
        env = self.env()
        env["VMDR_REPORT_DIR"] = os.path.join(self.run_dir, "reports")
        env.update(kw.get("env", {}))
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800, check=False)
        if playbook in RUNBOOKS and "--syntax-check" not in extra:
            from tests.integration import evidence_check
            proc.evidence = evidence_check.check_run_folder(evidence_check.run_folder(proc.stdout),
                                                            evidence_check.lab_secrets(self.run_dir))
        return proc

    def connect(self, name):
        from pyVim.connect import SmartConnect
        site = self.site(name)
        return SmartConnect(host=site["hostname"], port=site["port"], user=site["username"], pwd=site["password"],
                            sslContext=ssl.create_default_context(cafile=site["ca_path"]))


def run_module(name, args, env, check=False, diff=False):
    """Runs vmdr.replication.<name> in a one-task play (the real module path) and returns its registered result."""
    work = tempfile.mkdtemp(prefix="vmdr-module-")
    out = os.path.join(work, "result.json")
    play = [{"hosts": "localhost", "gather_facts": False, "tasks": [
        {"vmdr.replication." + name: args, "register": "r", "ignore_errors": True},
        {"ansible.builtin.copy": {"content": "{{ r | to_json }}", "dest": out}, "check_mode": False, "diff": False}]}]
    path = os.path.join(work, "play.yml")
    with open(path, "w") as handle:
        json.dump(play, handle)
    cmd = [os.path.join(BIN, "ansible-playbook"), path] + (["--check"] if check else []) + (["--diff"] if diff else [])
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)
    try:
        with open(out) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        raise AssertionError("no result from ansible: %s\n%s" % (proc.stdout[-3000:], proc.stderr[-2000:]))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def private_lab_fixture(name, why):
    """A module-scoped ``lab`` fixture with a lab of its own, for tests whose runs would change the shared session
    lab's VMs (``why`` says how)."""
    import pytest

    @pytest.fixture(scope="module")
    def lab(tmp_path_factory):
        own = Lab.start(str(tmp_path_factory.mktemp(name)))
        yield own
        own.stop()
    lab.__doc__ = "A lab of its own: %s." % why
    return lab
