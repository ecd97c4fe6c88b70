# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run Windows PowerShell 5.1 scripts on a Hyper-V host over WinRM (pywinrm) and parse their one JSON answer.

A step (providers/hyperv/scripts.py) is an advanced function; one command sends the shared functions, the step
and one call of it by name, each payload field as its parameter (``-MediaPath:$in.media_path``) and
``-WhatIf`` in check mode. Values never become script text: every input travels as one base64 (UTF-8 JSON)
literal that the script decodes into ``$in``; only field names, checked against the step's parameters, are
written into the call. Scripts too long for the cmd.exe command line travel in shell environment variables,
started by a short ``-EncodedCommand`` bootstrap.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import atexit
import base64
import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile

from ansible_collections.vmdr.replication.plugins.module_utils.errors import VmdrError
from ansible_collections.vmdr.replication.plugins.module_utils.clients import retry
from ansible_collections.vmdr.replication.plugins.module_utils.plan import timeparse

try:
    from winrm.protocol import Protocol
    from winrm.exceptions import WinRMError, WinRMTransportError, WinRMOperationTimeoutError, InvalidCredentialsError
    HAS_PYWINRM = True
except ImportError:
    Protocol = None
    WinRMError = WinRMTransportError = WinRMOperationTimeoutError = InvalidCredentialsError = Exception
    HAS_PYWINRM = False

try:
    import requests
    REQUEST_ERRORS = (requests.exceptions.RequestException,)
except ImportError:
    REQUEST_ERRORS = ()

TRANSPORTS = ("ntlm", "kerberos", "credssp", "certificate", "basic")
KINIT_HINT = ("Install the MIT Kerberos client tools (kinit: krb5-user, krb5-workstation) on the controller, or get a "
              "ticket before (kinit) and leave the password unset")
NO_TICKET_HINT = ("No usable Kerberos ticket: give the site's password (the module then gets a ticket itself) or run "
                  "kinit for the user first; check the realm in krb5.conf (KRB5_CONFIG) and that the host's SPN is "
                  "HTTP/<hostname>")
# cmd.exe refuses command lines over 8191 characters; keep a margin for "powershell -NoProfile ..."
MAX_COMMAND_LINE = 8191
COMMAND_PREFIX = "powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand "
# one Windows environment variable holds at most 32767 characters
ENV_CHUNK = 30000
ENV_PREFIX = "VMDR_SCRIPT_"

ENVELOPE_HEAD = r"""$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$WarningPreference = 'SilentlyContinue'
try { [Console]::OutputEncoding = [Text.Encoding]::UTF8 } catch { $null = $_ }
function ConvertTo-VmdrError($err) {
    $category = $null
    if ($err.CategoryInfo) { $category = $err.CategoryInfo.Category.ToString() }
    return [ordered]@{ message = $err.Exception.Message; fqid = $err.FullyQualifiedErrorId; category = $category;
        type = $err.Exception.GetType().FullName }
}
"""

ENVELOPE_BODY = r"""try {
    $in = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('%s')) | ConvertFrom-Json
    $data = $null
%s
    $now = (Get-Date).ToUniversalTime().ToString('o')
    ConvertTo-Json -InputObject ([ordered]@{ ok = $true; now = $now; data = $data }) -Depth 12 -Compress
} catch {
    ConvertTo-Json -InputObject ([ordered]@{ ok = $false; error = (ConvertTo-VmdrError $_) }) -Depth 4 -Compress
}
"""

_BASE64 = re.compile(r"^[A-Za-z0-9+/=]*$")
_FIELD = re.compile(r"^[a-z][a-z0-9_]*$")
_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


def encode_payload(payload):
    """UTF-8 JSON, then base64: the alphabet cannot close a single-quoted PowerShell string."""
    text = base64.b64encode(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")).decode("ascii")
    if not _BASE64.match(text):
        raise ValueError("base64 produced an unexpected character")
    return text


def parameter_name(field):
    """The PowerShell parameter that receives a payload field: ``media_path`` -> ``MediaPath``."""
    return "".join(part[:1].upper() + part[1:] for part in field.split("_"))


def step_call(step, payload):
    """The statements that run ``step`` (a str with ``function``, ``parameters`` and ``should_process``, see
    providers/hyperv/scripts.py): ``$data = <function> -<Parameter>:$in.<field> ...`` for each field of
    ``payload`` that is not None, and ``-WhatIf:$check`` (``$in.check``) when the step supports ShouldProcess.
    Raises ValueError for a field the step has no parameter for."""
    declared = dict((name.lower(), name) for name, dummy in step.parameters)
    args = []
    for field in sorted(payload):
        if field == "check" or payload[field] is None:
            continue
        name = declared.get(parameter_name(field).lower()) if _FIELD.match(field) else None
        if name is None:
            raise ValueError("the step %s has no parameter for the payload field %r" % (step.function, field))
        args.append(" -%s:$in.%s" % (name, field))
    lines = []
    if step.should_process:
        lines.append("    $check = [bool]$in.check")
        args.append(" -WhatIf:$check")
    return "\n".join(lines + ["    $data = %s%s" % (step.function, "".join(args))])


def build_script(body, payload, functions=""):
    """The full script of one command: the envelope's helpers, ``functions`` (the shared functions), then for a
    step its definition and ``step_call``, inside the envelope that decodes the payload as ``$in`` and writes
    ``$data`` as JSON. A plain string ``body`` (no ``function`` attribute) runs as it is and sets ``$data``
    from ``$in`` itself."""
    if getattr(body, "function", None):
        definitions, statements = body, step_call(body, payload)
    else:
        definitions, statements = "", body
    return ENVELOPE_HEAD + functions + "\n" + definitions + "\n" + ENVELOPE_BODY % (encode_payload(payload), statements)


def encode_command(script):
    return base64.b64encode(script.encode("utf-16-le")).decode("ascii")


def command_plan(script):
    """(environment variables, command line) that run ``script``.

    Short scripts go inline with ``-EncodedCommand``. Longer ones go in environment variables of the shell
    (split at 30,000 characters) and a short bootstrap joins them and runs the script block."""
    inline = COMMAND_PREFIX + encode_command(script)
    if len(inline) <= MAX_COMMAND_LINE:
        return {}, inline
    chunks = [script[pos:pos + ENV_CHUNK] for pos in range(0, len(script), ENV_CHUNK)]
    env = dict(("%s%d" % (ENV_PREFIX, index), chunk) for index, chunk in enumerate(chunks))
    joined = " + ".join("$env:%s%d" % (ENV_PREFIX, index) for index in range(len(chunks)))
    bootstrap = "& ([ScriptBlock]::Create(%s))" % joined
    return env, COMMAND_PREFIX + encode_command(bootstrap)


def parse_ms_date(value):
    """'/Date(1763683200000)/' (5.1 ConvertTo-Json) -> ISO 8601 UTC; other values unchanged."""
    if not isinstance(value, str):
        return value
    match = _MS_DATE.match(value.replace("\\/", "/"))
    if not match:
        return value
    stamp = datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=int(match.group(1)))
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def normalize(value):
    """Undo Windows PowerShell 5.1 JSON quirks: /Date(ms)/ strings, Get-Date wrappers {value, DisplayHint, DateTime}."""
    if isinstance(value, dict):
        if set(value) == set(["value", "DisplayHint", "DateTime"]):
            return normalize(value["value"])
        return dict((k, normalize(v)) for k, v in value.items())
    if isinstance(value, list):
        return [normalize(v) for v in value]
    return parse_ms_date(value)


def parse_time(text):
    """ISO 8601 (7 fractional digits and Z or an offset, as .NET 'o' writes) or /Date(ms)/ -> aware UTC datetime,
    or None: the collection's one time parser (plan/timeparse.py)."""
    return timeparse.parse(text) if text else None


def enum_name(value, names):
    """5.1 writes enums as numbers: accept a number, a numeric string or a name."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return names.get(value, str(value))
    if isinstance(value, str) and value.isdigit():
        return names.get(int(value), value)
    return value


def parse_output(stdout, stderr=b"", status=0):
    """The last JSON document on stdout (the envelope writes exactly one); raises ValueError when missing."""
    text = stdout.decode("utf-8", "replace") if isinstance(stdout, bytes) else (stdout or "")
    text = text.lstrip("\ufeff")
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{") and line.endswith("}"):
            try:
                return normalize(json.loads(line))
            except ValueError:
                continue
    err = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else (stderr or "")
    raise ValueError("no JSON answer (exit code %s): %s" % (status, clean_stderr(err) or text.strip()[-500:]))


def clean_stderr(text):
    """Readable text from CLIXML on stderr (error records only; progress records are dropped)."""
    if not text.startswith("#< CLIXML"):
        return text.strip()[-1000:]
    found = re.findall(r'<S S="Error">(.*?)</S>', text, re.S)
    out = "".join(found).replace("_x000D__x000A_", "\n").replace("&lt;", "<").replace("&gt;", ">") \
        .replace("&amp;", "&").replace("&quot;", '"').replace("&apos;", "'")
    return out.strip()[-1000:]


HINTS = {
    "InvalidState": "The VM's replication state does not allow this step; check it with vmdr.replication.replica_info",
    "OperationFailed": "Hyper-V refused the operation; see the message and the host's Hyper-V-VMMS event log",
    "InvalidParameter": "A value was refused by Hyper-V; check the module options",
    "ObjectNotFound": "Check the VM name and that it lives on this host",
    "VmdrVMNotFound": "Check the VM name and that it lives on this host",
    "VmdrVMAmbiguous": "Several VMs have this name; name the VM by uuid instead",
    "VmdrPaused": "Resume it with vmdr.replication.replica_enable state=present",
}


def error_from(error, vm=None, site=None, step=None):
    """A VmdrError from the script's {message, fqid, category, type}."""
    error = error or {}
    fqid = error.get("fqid") or ""
    error_id = fqid.split(",")[0] if fqid else ""
    message = error.get("message") or "unknown error"
    if error_id and error_id not in message:
        message = "%s [%s]" % (message, fqid)
    return VmdrError(message, vm=vm, site=site, step=step, hint=HINTS.get(error_id),
                     fault={"fqid": fqid, "category": error.get("category"), "type": error.get("type")})


# Tickets this process got itself: one private credential cache collection (a DIR: cache in a 0700 folder, one
# cache per principal in it), removed at exit
_KERBEROS = {"folder": None, "logins": set()}


def kerberos_login(principal, password, site=None, kinit="kinit"):
    """Gets a ticket for ``principal`` with ``password`` (``kinit``, the password on its standard input) into this
    process's private credential cache collection, and names the collection in KRB5CCNAME: pywinrm's Kerberos
    library (pykerberos) reads only the default cache. Once per principal and password."""
    key = (principal.lower(), hashlib.sha256(password.encode("utf-8")).hexdigest())
    if key in _KERBEROS["logins"]:
        return
    if _KERBEROS["folder"] is None:
        _KERBEROS["folder"] = tempfile.mkdtemp(prefix="vmdr-krb5cc-")
        atexit.register(shutil.rmtree, _KERBEROS["folder"], True)
    cache = "DIR:" + _KERBEROS["folder"]
    try:
        proc = subprocess.run([kinit, "-c", cache, principal], input=password + "\n", capture_output=True,
                              text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise VmdrError("Kerberos login of %s failed: %s could not be run (%s)" % (principal, kinit, exc), site=site,
                        step="connect", hint=KINIT_HINT)
    if proc.returncode != 0:
        text = " ".join(line.strip() for line in (proc.stderr or proc.stdout).splitlines()
                        if line.strip() and not line.startswith("Password for"))
        raise VmdrError("Kerberos login of %s failed: %s" % (principal, text or "kinit exited with %d" % proc.returncode),
                        site=site, step="connect",
                        hint="Check the user name (user@REALM), the password and the KDC of the realm in krb5.conf")
    os.environ["KRB5CCNAME"] = cache
    _KERBEROS["logins"].add(key)


class WinrmRunner(object):
    """One Hyper-V host reached over WinRM; ``run`` sends one command and returns the script's ``data``."""

    # (principal, password) while a Kerberos ticket is still to be got (kerberos_login, at the first command)
    pending_login = None

    def __init__(self, site, address, port=5986, username=None, password=None, transport="ntlm", scheme="https",
                 validate_certs=True, ca_path=None, client_cert=None, client_key=None, operation_timeout=20,
                 read_timeout=None, message_encryption="auto", server_name=None):
        if not HAS_PYWINRM:
            raise VmdrError("the python library pywinrm is required for the hyperv provider", site=site,
                            step="connect", hint="pip install pywinrm on the controller")
        if transport not in TRANSPORTS:
            raise VmdrError("unknown WinRM transport %r" % transport, site=site, step="connect",
                            hint="Use one of %s" % ", ".join(TRANSPORTS))
        self.site = site
        # without a password, pywinrm uses the default credential cache (a ticket from kinit)
        self.pending_login = (username, password) if transport == "kerberos" and username and password else None
        self.endpoint = "%s://%s:%s/wsman" % (scheme, address if ":" not in address else "[%s]" % address, port)
        self.commands = 0
        read_timeout = read_timeout or operation_timeout + 10
        kwargs = dict(transport="ssl" if transport == "basic" and scheme == "https" else transport,
                      username=username, password=password,
                      server_cert_validation="validate" if validate_certs else "ignore",
                      operation_timeout_sec=operation_timeout, read_timeout_sec=read_timeout,
                      message_encryption=message_encryption if transport in ("ntlm", "kerberos", "credssp") else "never")
        if transport == "basic" and scheme == "http":
            kwargs["transport"] = "plaintext"
        if transport == "kerberos" and server_name and server_name != address:
            # the SPN is HTTP/<host name>, not the address connected to
            kwargs["kerberos_hostname_override"] = server_name
        if transport == "certificate":
            kwargs.update(cert_pem=client_cert, cert_key_pem=client_key)
        if validate_certs and ca_path:
            # an explicit CA wins over REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE: pywinrm sets Session.verify to it and
            # sends with Session.send, which does not merge environment settings again
            kwargs["ca_trust_path"] = ca_path
        self.protocol = Protocol(self.endpoint, **kwargs)

    def run(self, step, body, payload, functions=""):
        """Runs ``body`` (a step, called with the payload's fields; or a plain body that sets ``$data`` from
        ``$in``) as one command; returns (data, host time).

        Only a body marked read-only (``body.read_only``) is retried on transient faults (clients/retry.py)."""
        script = build_script(body, payload, functions)
        env, command = command_plan(script)
        # the step name (a constant of the provider, never a user value) names the command on the host, for
        # counting commands per step
        env = dict(env, VMDR_STEP=step)
        stdout, stderr, status = self._execute(step, env, command, read_only=getattr(body, "read_only", False))
        try:
            answer = parse_output(stdout, stderr, status)
        except ValueError as exc:
            raise VmdrError(str(exc), site=self.site, step=step,
                            hint="The host did not answer with JSON; check that it runs Windows PowerShell 5.1 "
                                 "and the Hyper-V module")
        if not answer.get("ok"):
            raise error_from(answer.get("error"), site=self.site, step=step)
        return answer.get("data"), answer.get("now")

    def _execute(self, step, env, command, read_only=False):
        sent = []  # not empty while the host may have started the command

        def quietly(call, *args, **kwargs):
            # cleanup: its failure must not hide the command's answer or its real error
            try:
                call(*args, **kwargs)
            except Exception:  # pylint: disable=broad-except
                pass

        def attempt():
            del sent[:]
            shell_id = None
            try:
                shell_id = self.protocol.open_shell(env_vars=env or None, codepage=65001)
                parts = command.split(" ")
                sent.append(step)
                try:
                    command_id = self.protocol.run_command(shell_id, parts[0], parts[1:])
                except (WinRMError, WinRMTransportError):
                    del sent[:]  # the host answered with an error: it did not start the command
                    raise
                self.commands += 1
                try:
                    return self.protocol.get_command_output(shell_id, command_id)
                finally:
                    quietly(self.protocol.cleanup_command, shell_id, command_id)
            finally:
                if shell_id is not None:
                    quietly(self.protocol.close_shell, shell_id, close_session=False)

        try:
            if self.pending_login:
                kerberos_login(self.pending_login[0], self.pending_login[1], site=self.site)
                self.pending_login = None
            if read_only:
                return retry.POLICY.run(attempt, deadline=getattr(self.protocol, "read_timeout_sec", None),
                                        connected=self.commands > 0)
            return attempt()
        except InvalidCredentialsError as exc:
            raise VmdrError("WinRM authentication failed: %s" % exc, site=self.site, step=step,
                            hint="Check username, password and transport")
        except REQUEST_ERRORS + (WinRMError, WinRMTransportError, WinRMOperationTimeoutError) as exc:
            text = str(exc)
            hint = "Check the address, port and that WinRM over HTTPS is listening"
            if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
                hint = "The host's TLS certificate is not trusted: give ca_path with the CA that signed it"
            elif "authGSSClient" in text:  # pywinrm's Kerberos library found no ticket, or the KDC refused the SPN
                hint = NO_TICKET_HINT
            message = "WinRM request to %s failed: %s%s" % (self.endpoint, text, retry.attempts_note(exc))
            if sent and not read_only:
                # a changing command is never sent twice (clients/retry.py)
                message += "; the command was sent and may have run (outcome unknown)"
                hint = retry.UNKNOWN_OUTCOME_HINT
            raise VmdrError(message, site=self.site, step=step, hint=hint)

    def close(self):
        if self.protocol is not None:
            try:
                self.protocol.transport.close_session()
            except Exception:  # pylint: disable=broad-except
                pass
        self.protocol = None
