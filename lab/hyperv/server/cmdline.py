"""cmd.exe and powershell.exe as WinRS starts them: the 8,191-character command-line limit,
%VAR% expansion from the shell environment, and powershell.exe's own switches."""
from __future__ import annotations

import base64
import binascii
import re

CMD_LIMIT = 8191        # cmd.exe maximum command-line length
PROCESS_LIMIT = 32767   # CreateProcess limit, when WINRS_SKIP_CMD_SHELL bypasses cmd.exe

_PS_SWITCHES = [  # (name, shortest accepted prefix, takes a value)
    ("noprofile", "nop", False), ("noninteractive", "noni", False),
    ("nologo", "nol", False), ("noexit", "noe", False), ("sta", "sta", False), ("mta", "mta", False),
    ("executionpolicy", "ex", True), ("ep", "ep", True), ("inputformat", "i", True), ("outputformat", "o", True),
    ("windowstyle", "w", True), ("version", "v", True), ("encodedcommand", "e", True), ("ec", "ec", True),
    ("command", "c", False), ("file", "f", True), ("configurationname", "config", True),
    ("psconsolefile", "psc", True), ("encodedarguments", "encodeda", True),
]


class CommandResult:
    def __init__(self, stdout=b"", stderr=b"", code=0):
        self.stdout, self.stderr, self.code = stdout, stderr, code


def expand_env(line, env):
    def repl(m):
        name = m.group(1)
        for k, v in env.items():
            if k.lower() == name.lower():
                return v
        return m.group(0)
    return re.sub(r"%([^%\s]+)%", repl, line)


def split_args(line):
    """CommandLineToArgvW-style tokenization (quotes group, backslashes before quotes escape)."""
    out, cur, i, quoted, have = [], [], 0, False, False
    while i < len(line):
        c = line[i]
        if c == "\\":
            j = i
            while j < len(line) and line[j] == "\\":
                j += 1
            n = j - i
            if j < len(line) and line[j] == '"':
                cur.append("\\" * (n // 2))
                if n % 2:
                    cur.append('"')
                    i = j + 1
                else:
                    i = j
                have = True
                continue
            cur.append("\\" * n)
            i = j
            have = True
            continue
        if c == '"':
            quoted = not quoted
            have = True
            i += 1
            continue
        if c in " \t" and not quoted:
            if have:
                out.append("".join(cur))
                cur, have = [], False
            i += 1
            continue
        cur.append(c)
        have = True
        i += 1
    if have:
        out.append("".join(cur))
    return out


def _match_switch(token):
    t = token.lstrip("-/").lower()
    if not t:
        return None
    if ":" in t:
        t = t.split(":", 1)[0]
    for name, prefix, takes in _PS_SWITCHES:
        if name.startswith(t) and t.startswith(prefix):
            return name, takes
    return None


def run(line, env, skip_cmd_shell, run_ps, host_netbios):
    """Execute one WinRS command line. `run_ps(script, non_interactive)` runs PowerShell."""
    limit = PROCESS_LIMIT if skip_cmd_shell else CMD_LIMIT
    if len(line) > limit:
        msg = "The filename or extension is too long.\r\n" if skip_cmd_shell else "The command line is too long.\r\n"
        return CommandResult(b"", msg.encode("ascii"), 1)
    if not skip_cmd_shell:
        line = expand_env(line, env)
    tokens = split_args(line)
    if not tokens:
        return CommandResult()
    exe = tokens[0].replace("/", "\\").rsplit("\\", 1)[-1].lower()
    if exe.endswith(".exe"):
        exe = exe[:-4]
    if exe == "powershell":
        return _powershell(line, tokens[1:], run_ps)
    if exe == "hostname":
        return CommandResult((host_netbios + "\r\n").encode("ascii"))
    if exe == "echo" and not skip_cmd_shell:
        return CommandResult((line.split(None, 1)[1] if " " in line.strip() else "ECHO is on.").encode("cp437",
                                                                                                        "replace") + b"\r\n")
    if exe == "exit" and not skip_cmd_shell:
        code = int(tokens[1]) if len(tokens) > 1 and tokens[1].lstrip("-").isdigit() else 0
        return CommandResult(b"", b"", code)
    if exe == "pwsh":
        return CommandResult(b"", ("'pwsh' is not recognized as an internal or external command,\r\noperable "
                                   "program or batch file.\r\n").encode("ascii"), 9009)
    name = tokens[0]
    return CommandResult(b"", ("'%s' is not recognized as an internal or external command,\r\noperable program or "
                               "batch file.\r\n" % name).encode("cp437", "replace"), 9009)


def _powershell(line, args, run_ps):
    non_interactive = False
    script = None
    i = 0
    while i < len(args):
        tok = args[i]
        if not tok.startswith(("-", "/")):
            script = _rest_of_line(line, args, i)
            break
        m = _match_switch(tok)
        if m is None:
            return CommandResult(b"", ("-%s : The term '-%s' is not recognized as a parameter of powershell.exe.\r\n"
                                       % (tok.lstrip("-/"), tok.lstrip("-/"))).encode("cp437", "replace"), 1)
        name, takes = m
        if name == "noninteractive":
            non_interactive = True
        if name == "command":
            rest = _rest_of_line(line, args, i + 1)
            if rest.strip() == "-":
                return CommandResult(b"", b"Reading a script from standard input (-Command -) is not modeled by "
                                          b"the Hyper-V simulator.\r\n", 1)
            script = rest
            break
        if name in ("encodedcommand", "ec"):
            if i + 1 >= len(args):
                return CommandResult(b"", b"Missing argument for parameter -EncodedCommand.\r\n", 1)
            try:
                raw = base64.b64decode(args[i + 1], validate=True)
                script = raw.decode("utf-16-le")
            except (binascii.Error, ValueError, UnicodeDecodeError):
                return CommandResult(b"", b"Cannot process the command because the value specified with "
                                          b"-EncodedCommand is not properly encoded. The value must be Base64 "
                                          b"encoded.\r\n", 1)
            i += 2
            continue
        if name == "file":
            return CommandResult(b"", b"Running script files (-File) is not modeled by the Hyper-V simulator.\r\n", 1)
        if name == "outputformat" and i + 1 < len(args) and args[i + 1].lower().startswith("x"):
            return CommandResult(b"", b"-OutputFormat XML is not modeled by the Hyper-V simulator.\r\n", 1)
        i += 2 if takes else 1
    if script is None:
        return CommandResult(b"", b"An interactive powershell.exe (no -Command or -EncodedCommand) is not modeled "
                                  b"by the Hyper-V simulator.\r\n", 1)
    out, err, code = run_ps(script, non_interactive)
    return CommandResult(out, err, code)


def _rest_of_line(line, args, index):
    """The raw text of the command line from argument `index` on (what -Command joins)."""
    if index >= len(args):
        return ""
    pos = 0
    tokens_seen = 0
    target = index + 1  # +1 for the executable itself
    i = 0
    n = len(line)
    quoted = False
    while i < n and line[i] in " \t":
        i += 1
    while i < n:
        if tokens_seen == target:
            pos = i
            break
        while i < n and (quoted or line[i] not in " \t"):
            if line[i] == '"':
                quoted = not quoted
            i += 1
        tokens_seen += 1
        while i < n and line[i] in " \t":
            i += 1
        pos = i
    rest = line[pos:]
    if len(args) - index == 1:
        return args[index]
    return rest
