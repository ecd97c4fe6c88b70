"""The running site: one shared model for all hosts, the simulated clock, per-host counters,
latency and fault injection, and persistence to the state directory."""
from __future__ import annotations

import logging
import os
import threading
import time

from . import seed as seeding
from .cmdlets import COMMANDS as HYPERV_COMMANDS
from .model import engine, store
from .model.clock import SimClock
from .model.core import Model
from .ps.builtins import BUILTINS
from .ps.host import CommandTable, ScriptHost, run_powershell
from .ps.values import CIDict, PSDateTime
from .session import HyperVSession

log = logging.getLogger("lab.hyperv.site")


def _zero_stats():
    return {"commands": 0, "shells": 0, "requests": 0, "auth_failures": 0, "scripts": 0, "dropped": 0,
            "cmdlets": {}, "steps": {}}


class Site:
    def __init__(self, state_dir, time_factor=1.0, latency_ms=0, topology="standard"):
        self.state_dir = state_dir
        os.makedirs(state_dir, exist_ok=True)
        self.model_path = os.path.join(state_dir, "model.json")
        self.stats_path = os.path.join(state_dir, "stats.json")
        self.lock = threading.RLock()
        self._counter_lock = threading.Lock()
        data = store.load(self.model_path)
        sim = (data or {}).get("clock", {}).get("sim")
        self.clock = SimClock(sim_now=sim, factor=time_factor)
        if data is None:
            data = seeding.seed(self.clock.now(), topology)
        self.topology = data.get("topology") or "standard"
        self.model = Model(data)
        saved = store.load(self.stats_path) or {}
        self.stats = {h: saved.get("hosts", {}).get(h, _zero_stats()) for h in self.model.hosts}
        self.latency_ms = {h: int(latency_ms) for h in self.model.hosts}
        self.faults = {h: {"drop_at": [], "drop_mode": "before", "cmdlets": []} for h in self.model.hosts}
        self.commands = CommandTable(BUILTINS)
        self.commands.add(HYPERV_COMMANDS)
        self.dirty = False
        self.save()

    # ------------------------------------------------------------------ persistence
    def mark_dirty(self):
        self.dirty = True

    def save(self):
        with self.lock:
            self.model.data["clock"] = self.clock.snapshot()
            store.save(self.model_path, self.model.data)
            self.dirty = False
            self.save_stats()

    def save_stats(self):
        with self._counter_lock:
            store.save(self.stats_path, {"hosts": self.stats, "sim_time": self.clock.now(), "written_at": time.time()})

    def reset(self):
        with self.lock:
            self.model = Model(seeding.seed(self.clock.now(), self.topology))
            for h in self.model.hosts:
                self.stats[h] = _zero_stats()
                self.faults[h] = {"drop_at": [], "drop_mode": "before", "cmdlets": []}
            self.save()

    # ------------------------------------------------------------------ time
    def tick(self):
        with self.lock:
            engine.advance(self.model, self.clock.now())

    def advance(self, seconds):
        with self.lock:
            self.clock.advance(seconds)
            self.tick()
            self.save()
            return self.clock.now()

    def set_time_factor(self, factor):
        with self.lock:
            self.clock.set_factor(factor)
            self.save()

    # ------------------------------------------------------------------ counters and faults
    def count(self, host, key, n=1):
        with self._counter_lock:
            self.stats[host][key] = self.stats[host].get(key, 0) + n
            return self.stats[host][key]

    def stats_snapshot(self):
        with self._counter_lock:
            return {h: dict(v, cmdlets=dict(v["cmdlets"]), steps=dict(v.get("steps") or {}))
                    for h, v in self.stats.items()}

    def reset_stats(self):
        with self._counter_lock:
            for h in self.stats:
                self.stats[h] = _zero_stats()
        self.save_stats()

    def count_cmdlet(self, host, name):
        with self._counter_lock:
            c = self.stats[host]["cmdlets"]
            c[name] = c.get(name, 0) + 1

    def count_step(self, host, step):
        """Commands per step: the client names the step in the shell variable VMDR_STEP (vmdr's WinRM runner)."""
        with self._counter_lock:
            steps = self.stats[host].setdefault("steps", {})
            steps[step or "(unnamed)"] = steps.get(step or "(unnamed)", 0) + 1

    def count_command(self, host):
        """Called for every WS-Man Command message; returns (count, drop_mode or None)."""
        with self._counter_lock:
            st = self.stats[host]
            st["commands"] += 1
            n = st["commands"]
            f = self.faults[host]
            if n in f["drop_at"]:
                f["drop_at"].remove(n)
                st["dropped"] += 1
                return n, f["drop_mode"]
            return n, None

    def take_cmdlet_fault(self, host, cmdlet):
        f = self.faults.get(host)
        if not f:
            return None
        for fault in f["cmdlets"]:
            if fault["cmdlet"].lower() == cmdlet.lower():
                fault["remaining"] -= 1
                if fault["remaining"] <= 0:
                    f["cmdlets"].remove(fault)
                return fault
        return None

    def add_fault(self, host, spec):
        hosts = [host] if host else list(self.model.hosts)
        with self._counter_lock:
            for h in hosts:
                f = self.faults[h]
                if "drop_on_command" in spec:
                    f["drop_at"].append(int(spec["drop_on_command"]))
                if "drop_next" in spec:
                    f["drop_at"].append(self.stats[h]["commands"] + int(spec["drop_next"]))
                if spec.get("drop_mode"):
                    f["drop_mode"] = spec["drop_mode"]
                if spec.get("cmdlet"):
                    f["cmdlets"].append({"cmdlet": spec["cmdlet"], "error_id": spec.get("error_id", "OperationFailed"),
                                         "message": spec.get("message"), "category": spec.get("category"),
                                         "remaining": int(spec.get("count", 1))})

    def clear_faults(self, host=None):
        with self._counter_lock:
            for h in ([host] if host else list(self.faults)):
                self.faults[h] = {"drop_at": [], "drop_mode": "before", "cmdlets": []}

    # ------------------------------------------------------------------ running scripts
    def base_env(self, host, user):
        rec = self.model.hosts[host]
        short = (user or "hvadmin").split("\\")[-1].split("@")[0]
        return {
            "COMPUTERNAME": rec["netbios"], "USERNAME": short, "USERDOMAIN": rec["netbios"],
            "USERDNSDOMAIN": seeding.DOMAIN.upper(), "USERPROFILE": "C:\\Users\\%s" % short,
            "HOMEDRIVE": "C:", "HOMEPATH": "\\Users\\%s" % short, "SystemRoot": "C:\\Windows",
            "windir": "C:\\Windows", "SystemDrive": "C:", "TEMP": "C:\\Users\\%s\\AppData\\Local\\Temp" % short,
            "TMP": "C:\\Users\\%s\\AppData\\Local\\Temp" % short, "ProgramData": "C:\\ProgramData",
            "ProgramFiles": "C:\\Program Files", "ComSpec": "C:\\Windows\\system32\\cmd.exe",
            "PATH": "C:\\Windows\\system32;C:\\Windows;C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\",
            "PATHEXT": ".COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC;.CPL",
            "PSModulePath": "C:\\Users\\%s\\Documents\\WindowsPowerShell\\Modules;C:\\Program Files\\"
                            "WindowsPowerShell\\Modules;C:\\Windows\\system32\\WindowsPowerShell\\v1.0\\Modules" % short,
            "OS": "Windows_NT", "PROCESSOR_ARCHITECTURE": "AMD64", "NUMBER_OF_PROCESSORS": "8",
        }

    def run_powershell(self, host, script, env, codepage=437, auth_scheme="basic", user="",
                       non_interactive=False):
        """Run one powershell.exe invocation on `host`; returns (stdout bytes, stderr bytes, exit code)."""
        with self.lock:
            self.tick()
            session = HyperVSession(self, host, auth_scheme, user)
            full_env = CIDict(self.base_env(host, user))
            for k, v in env.items():
                full_env[k] = v
            script_host = ScriptHost(full_env, lambda: PSDateTime.from_epoch(self.clock.now(), "Local"),
                                     self.commands, codepage=codepage, hyperv=session,
                                     non_interactive=non_interactive)
            code = run_powershell(script, script_host)
            self.count(host, "scripts")
            if self.dirty:
                self.save()
            else:
                self.save_stats()
            return script_host.stdout_bytes(), script_host.stderr_bytes(), code
