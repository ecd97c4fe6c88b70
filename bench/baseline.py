"""The "baseline" reference: how it is done today, a playbook that loops community.vmware / vmware.vmware
modules per VM for the steps of a test failover (network change, customization, power on, wait).

vmware.vmware.vm_apply_customization (the customization step) fails on vcsim 0.24: it calls
CheckCustomizationSpec, which vcsim does not implement (MethodNotFound), and community.vmware.vmware_guest
applies customization only when it deploys. So the loop here does network change, power on and wait, and
skips customization: the baseline is faster than the real per-VM loop, and ratios against it are conservative.
The usual wait modules break on vcsim 0.24 too: community.vmware.vmware_guest_tools_wait and
vmware_guest_info make vcsim drop the request ("Remote end closed connection without response"),
vmware_guest_tools_info fails ('NoneType' object has no attribute 'counter') and vmware.vmware.guest_info
needs the vSphere Automation SDK. The wait is therefore community.vmware.vmware_vm_info filtered by vm_name,
retried until the guest reports an address.

Runs with the `ansible` package from PyPI in its own venv (.build/bench-venv, made by `ensure_venv`), so the
product venv is untouched. Works on VMs that exist at the recovery site (site-b) and are powered off.

Usage: python bench/baseline.py --lab-json DIR/lab.json --vms bulk-0001,bulk-0002 [--probe FILE]
Prints one JSON line: {"vms", "seconds", "ok", "rc"}.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, ".build", "bench-venv")
PY = os.path.join(VENV, "bin", "python")
HOOK = os.path.join(ROOT, "bench", "hook")


def ensure_venv():
    if not os.path.exists(os.path.join(VENV, "bin", "ansible-playbook")):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([PY, "-m", "pip", "install", "-q", "ansible", "pyvmomi", "requests"], check=True)
    return os.path.join(VENV, "bin", "ansible-playbook")


def new_ip(ip):
    parts = ip.split(".")
    parts[1] = str(int(parts[1]) + 100)  # 10.110/16 -> 10.210/16 and 10.120/16 -> 10.220/16, the bench's rules
    return ".".join(parts)


def playbook(site, vms):
    conn = {"hostname": site["hostname"], "port": site["port"], "username": site["username"],
            "password": site["password"], "validate_certs": True}
    loop = {"loop": "{{ bench_vms }}", "loop_control": {"label": "{{ item.name }}"}}
    tasks = [
        dict({"name": "network change (one NIC to the isolated test network)",
              "community.vmware.vmware_guest_network": dict(conn, datacenter=site["datacenter"], name="{{ item.name }}",
                                                            label="Network adapter 1", network_name="dr-test",
                                                            state="present")}, **loop),
        dict({"name": "power on", "vmware.vmware.vm_powerstate": dict(
            conn, datacenter=site["datacenter"], name="{{ item.name }}", state="powered-on")}, **loop),
        dict({"name": "wait until the guest reports an address",
              "community.vmware.vmware_vm_info": dict(conn, vm_name="{{ item.name }}", show_tag=False,
                                                      show_attribute=False),
              "register": "waited", "retries": 60, "delay": 1,
              "until": "(waited.virtual_machines | default([{}]))[0].ip_address | default('', true) | length > 0"},
             **loop),
    ]
    return [{"hosts": "localhost", "gather_facts": False, "vars": {"bench_vms": vms}, "tasks": tasks}]


def run(state, names, probe=None):
    ansible_playbook = ensure_venv()
    site = state["sites"]["site-b"]
    ips = dict((vm["name"], vm["nics"][0]["ip"]) for vm in state["vms"] if vm["site"] == "site-a")
    vms = [{"name": n, "ip": new_ip(ips[n])} for n in names]
    work = tempfile.mkdtemp(prefix="vmdr-baseline-")
    path = os.path.join(work, "baseline.yml")
    inventory = os.path.join(work, "inventory.yml")
    with open(path, "w") as handle:
        json.dump(playbook(site, vms), handle)
    cfg = os.path.join(work, "ansible.cfg")
    with open(cfg, "w") as handle:
        handle.write("[defaults]\nhost_key_checking = False\nretry_files_enabled = False\ncallbacks_enabled = ansible.posix.profile_tasks\n")
    with open(inventory, "w") as handle:
        json.dump({"all": {"hosts": {"localhost": {"ansible_connection": "local",
                                                   "ansible_python_interpreter": PY}}}}, handle)
    env = dict(os.environ, REQUESTS_CA_BUNDLE=state["ca_file"], SSL_CERT_FILE=state["ca_file"], ANSIBLE_NOCOLOR="1",
               ANSIBLE_CONFIG=cfg, ANSIBLE_COLLECTIONS_PATH=os.path.join(work, "none"))
    env.pop("ANSIBLE_COLLECTIONS_PATHS", None)
    if probe:
        env.update(PYTHONPATH=HOOK, VMDR_BENCH_PROBE=probe)
    start = time.time()
    proc = subprocess.run([ansible_playbook, "-i", inventory, path], env=env, capture_output=True, text=True,
                          check=False)
    seconds = time.time() - start
    with open(os.path.join(work, "output.txt"), "w") as handle:
        handle.write(proc.stdout + proc.stderr)
    return {"vms": len(vms), "seconds": round(seconds, 3), "ok": proc.returncode == 0, "rc": proc.returncode,
            "log": os.path.join(work, "output.txt")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab-json", required=True)
    parser.add_argument("--vms", required=True, help="comma-separated VM names at site-b")
    parser.add_argument("--probe")
    args = parser.parse_args()
    with open(args.lab_json) as handle:
        state = json.load(handle)
    result = run(state, args.vms.split(","), args.probe)
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
