"""WinRS shells and commands: Create/Command/Receive/Signal/Delete against one Hyper-V host.

A Command starts its process on a worker thread and returns at once; Receive waits up to the
request's OperationTimeout and answers w:TimedOut while the command still runs, like WinRM.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid

from . import cmdline, wsman

log = logging.getLogger("lab.hyperv.shells")
CHUNK = 96 * 1024  # keeps each ReceiveResponse under pywinrm's 150 KB MaxEnvelopeSize


class CommandRun:
    def __init__(self, command_id):
        self.id = command_id
        self.done = threading.Event()
        self.stdout = b""
        self.stderr = b""
        self.code = None
        self.out_pos = 0
        self.err_pos = 0


class Shell:
    def __init__(self, shell_id, env, codepage, user, scheme):
        self.id = shell_id
        self.env = env
        self.codepage = codepage
        self.user = user
        self.scheme = scheme
        self.commands = {}


class ShellManager:
    def __init__(self, site, host):
        self.site = site
        self.host = host
        self.lock = threading.Lock()
        self.shells = {}

    # ------------------------------------------------------------------ operations
    def create(self, req, user, scheme):
        if req.resource_uri.lower() != wsman.SHELL_CMD:
            raise wsman.WSManFault("s:Sender", "w:DestinationUnreachable",
                                   "The WS-Management service cannot process the request because the resource URI "
                                   "%s is not served by the Hyper-V simulator (only the cmd shell is)."
                                   % req.resource_uri, wsman.FAULT_RESOURCE_UNSUPPORTED)
        env, codepage = wsman.parse_create(req)
        shell = Shell(str(uuid.uuid4()).upper(), env, codepage, user, scheme)
        with self.lock:
            self.shells[shell.id] = shell
        self.site.count(self.host, "shells")
        return shell

    def get(self, shell_id):
        with self.lock:
            shell = self.shells.get((shell_id or "").upper())
        if shell is None:
            raise wsman.shell_not_found(shell_id)
        return shell

    def delete(self, shell_id):
        with self.lock:
            shell = self.shells.pop((shell_id or "").upper(), None)
        if shell is None:
            raise wsman.shell_not_found(shell_id)

    def start_command(self, shell, req):
        command, args, skip_cmd = wsman.parse_command(req)
        line = command + ("".join(" " + a for a in args) if args else "")
        run = CommandRun(str(uuid.uuid4()).upper())
        shell.commands[run.id] = run
        worker = threading.Thread(target=self._execute, args=(shell, run, line, skip_cmd), daemon=True,
                                  name="winrs-%s" % run.id[:8])
        worker.start()
        return run

    def _execute(self, shell, run, line, skip_cmd):
        try:
            delay = self.site.latency_ms.get(self.host, 0) / 1000.0
            if delay > 0:
                time.sleep(delay)

            def run_ps(script, non_interactive):
                return self.site.run_powershell(self.host, script, shell.env, shell.codepage, shell.scheme,
                                                shell.user, non_interactive)
            res = cmdline.run(line, shell.env, skip_cmd, run_ps, self.site.model.hosts[self.host]["netbios"])
            run.stdout, run.stderr, run.code = res.stdout, res.stderr, res.code
        except Exception:
            log.exception("command failed inside the simulator")
            run.stderr = b"Hyper-V simulator internal error (see simulator.log).\r\n"
            run.code = 1
        finally:
            run.done.set()

    def receive(self, shell, req):
        command_id = wsman.parse_receive(req)
        run = shell.commands.get((command_id or "").upper())
        if run is None:
            raise wsman.WSManFault("s:Sender", "w:InvalidParameter", "The command %s was not found in shell %s."
                                   % (command_id, shell.id), 2150858752)
        if not run.done.wait(timeout=max(0.1, min(req.timeout, 120.0))):
            raise wsman.timeout_fault()
        out = run.stdout[run.out_pos:run.out_pos + CHUNK]
        room = CHUNK - len(out)
        err = run.stderr[run.err_pos:run.err_pos + room] if room > 0 else b""
        run.out_pos += len(out)
        run.err_pos += len(err)
        finished = run.out_pos >= len(run.stdout) and run.err_pos >= len(run.stderr)
        return wsman.receive_response(run.id, [out] if out else [], [err] if err else [], finished, run.code)

    def signal(self, shell, req):
        command_id, _code = wsman.parse_signal(req)
        shell.commands.pop((command_id or "").upper(), None)
