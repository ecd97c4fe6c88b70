"""Client of the launcher's lab-only fault-injection endpoint (/vmdrlab/...)."""
import requests


def set_methods(site, ca_file, vm, methods, disabled=True):
    """Disable (or re-enable) SOAP methods, e.g. ["PowerOnVM_Task"], on every VM
    named `vm` at that site; the simulator then answers MethodDisabled."""
    action = "disable" if disabled else "enable"
    r = requests.post("https://%s:%d/vmdrlab/%s" % (site["hostname"], site["port"], action),
                      data={"vm": vm, "method": ",".join(methods)},
                      auth=(site["username"], site["password"]), verify=ca_file, timeout=10)
    if r.status_code != 200:
        raise RuntimeError("%s %s on %s: HTTP %d %s" % (action, methods, vm, r.status_code, r.text.strip()))


def set_delay(site, ca_file, delay_ms, per_method=""):
    """Latency for every later SOAP call at that site (ms), plus per-method extras like PowerOnVM_Task:500."""
    r = requests.post("https://%s:%d/vmdrlab/delay" % (site["hostname"], site["port"]),
                      data={"delay": str(delay_ms), "method": per_method},
                      auth=(site["username"], site["password"]), verify=ca_file, timeout=10)
    if r.status_code != 200:
        raise RuntimeError("delay %s ms: HTTP %d %s" % (delay_ms, r.status_code, r.text.strip()))
