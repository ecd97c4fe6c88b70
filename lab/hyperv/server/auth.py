"""HTTP authentication as WinRM does it: Basic, and NTLM (raw or inside Negotiate) via pyspnego.

NTLM authenticates the TCP connection, so state lives in a per-connection object. pyspnego's NTLM
acceptor reads accounts from the file named by NTLM_USER_FILE (written by the daemon at start).
"""
from __future__ import annotations

import base64
import hmac
import os

import spnego


def write_ntlm_user_file(path, users, domains):
    """One `DOMAIN:user:password` line per domain spelling a client might send (incl. none)."""
    lines = []
    for user, password in users.items():
        for dom in [""] + list(domains):
            lines.append("%s:%s:%s" % (dom, user, password))
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)
    os.environ["NTLM_USER_FILE"] = path


def normalize_user(name):
    n = name or ""
    if "\\" in n:
        n = n.split("\\", 1)[1]
    if "@" in n:
        n = n.split("@", 1)[0]
    return n.lower()


class ConnectionAuth:
    """Authentication state of one HTTP connection."""

    def __init__(self):
        self.ntlm = None
        self.scheme = None  # 'basic' | 'ntlm' once authenticated
        self.user = None
        self.ntlm_header = None  # 'NTLM' or 'Negotiate', echoed in challenges

    @property
    def ntlm_complete(self):
        return self.ntlm is not None and self.ntlm.complete


class Authenticator:
    def __init__(self, users, allow_basic=True, allow_ntlm=True):
        self.users = {normalize_user(u): p for u, p in users.items()}
        self.allow_basic = allow_basic
        self.allow_ntlm = allow_ntlm

    def challenge_headers(self):
        out = []
        if self.allow_ntlm:
            out.append("Negotiate")
        if self.allow_basic:
            out.append('Basic realm="WSMAN"')
        return out

    def check_basic(self, header_value):
        try:
            raw = base64.b64decode(header_value.strip()).decode("utf-8")
            user, _, password = raw.partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        expected = self.users.get(normalize_user(user))
        if expected is not None and hmac.compare_digest(expected.encode(), password.encode()):
            return normalize_user(user)
        return None

    def step_ntlm(self, conn, scheme, token_b64):
        """Advance the NTLM exchange. Returns (out_token_b64 or None, done, failed)."""
        if conn.ntlm is None or conn.ntlm.complete:
            conn.ntlm = spnego.server(protocol="negotiate")
            conn.ntlm_header = scheme
        try:
            token = base64.b64decode(token_b64.strip())
            out = conn.ntlm.step(token)
        except Exception:  # wrong password, malformed token, unknown user
            conn.ntlm = None
            return None, False, True
        if conn.ntlm.complete:
            user = normalize_user(conn.ntlm.client_principal or "")
            if user not in self.users:
                conn.ntlm = None
                return None, False, True
            conn.scheme, conn.user = "ntlm", user
            return (base64.b64encode(out).decode() if out else None), True, False
        return base64.b64encode(out).decode() if out else None, False, False
