"""HTTP authentication as WinRM does it: Basic, and Negotiate (NTLM, or Kerberos when the site has a keytab) via
pyspnego, plus the raw `NTLM` and `Kerberos` schemes.

Negotiate authenticates the TCP connection, so state lives in a per-connection object. pyspnego's NTLM acceptor
reads accounts from the file named by NTLM_USER_FILE (written by the daemon at start); its Kerberos acceptor uses
the host's own service key, HTTP/<host name>, from the keytab named by KRB5_KTNAME (the lab KDC's, see lab/kdc.py),
so a ticket for another host is refused as a real host refuses it.
"""
from __future__ import annotations

import base64
import hmac
import logging
import os

import spnego
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from spnego.channel_bindings import GssChannelBindings

log = logging.getLogger("lab.hyperv.auth")

SCHEMES = ("negotiate", "ntlm", "kerberos")


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


def use_kerberos(krb5_config, keytab, rcache_dir):
    """Point this process's GSSAPI at the lab realm (before the first Kerberos context is made)."""
    os.environ.update(KRB5_CONFIG=krb5_config, KRB5_KTNAME="FILE:" + keytab, KRB5RCACHEDIR=rcache_dir)


def tls_channel_bindings(cert_path):
    """The channel bindings of an HTTPS listener: RFC 5929 tls-server-end-point of its certificate, which Kerberos
    and NTLM clients put in their tokens (Extended Protection). A token bound to another TLS channel, as a
    TLS-terminating proxy would make it, is refused; a token with no bindings is accepted."""
    with open(cert_path, "rb") as handle:
        cert = x509.load_pem_x509_certificate(handle.read())
    algorithm = cert.signature_hash_algorithm
    if algorithm is None or isinstance(algorithm, (hashes.MD5, hashes.SHA1)):
        algorithm = hashes.SHA256()
    digest = hashes.Hash(algorithm)
    digest.update(cert.public_bytes(serialization.Encoding.DER))
    return GssChannelBindings(application_data=b"tls-server-end-point:" + digest.finalize())


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
        self.context = None  # the pyspnego acceptor of a Negotiate/NTLM/Kerberos exchange
        self.scheme = None  # 'basic' | 'ntlm' | 'kerberos' once authenticated
        self.user = None

    @property
    def complete(self):
        """A security context is established: it authenticates every later request and seals messages."""
        return self.context is not None and self.context.complete


class Authenticator:
    def __init__(self, users, allow_basic=True, allow_ntlm=True, kerberos_realm=None):
        self.users = {normalize_user(u): p for u, p in users.items()}
        self.allow_basic = allow_basic
        self.allow_ntlm = allow_ntlm
        self.kerberos_realm = kerberos_realm

    def challenge_headers(self):
        out = []
        if self.allow_ntlm or self.kerberos_realm:
            out.append("Negotiate")
        if self.kerberos_realm:
            out.append("Kerberos")
        if self.allow_basic:
            out.append('Basic realm="WSMAN"')
        return out

    def accepts(self, scheme):
        low = scheme.lower()
        if low == "kerberos":
            return bool(self.kerberos_realm)
        if low == "ntlm":
            return self.allow_ntlm
        return low == "negotiate" and (self.allow_ntlm or bool(self.kerberos_realm))

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

    def _acceptor(self, scheme, host, channel_bindings):
        if self.kerberos_realm and scheme.lower() != "ntlm":
            # only this host's own key: the acceptor name is the host-based service HTTP@<host name>
            return spnego.server(protocol="kerberos" if scheme.lower() == "kerberos" else "negotiate",
                                 channel_bindings=channel_bindings,
                                 credentials=spnego.CredentialCache(username="HTTP@" + host))
        return spnego.server(protocol="negotiate", channel_bindings=channel_bindings)

    def _user(self, context):
        principal = context.client_principal or ""
        protocol = context.negotiated_protocol
        if protocol == "kerberos":
            realm = principal.rpartition("@")[2]
            if realm.upper() != (self.kerberos_realm or "").upper():
                return None, protocol
        elif not self.allow_ntlm:
            return None, protocol
        user = normalize_user(principal)
        return (user if user in self.users else None), ("kerberos" if protocol == "kerberos" else "ntlm")

    def step(self, conn, scheme, token_b64, host, channel_bindings=None):
        """Advance the Negotiate/NTLM/Kerberos exchange of ``host``'s listener (``channel_bindings`` on HTTPS).
        Returns (out_token_b64 or None, done, failed)."""
        if conn.context is None or conn.context.complete:
            conn.context = self._acceptor(scheme, host, channel_bindings)
        try:
            token = base64.b64decode(token_b64.strip())
            out = conn.context.step(token)
        except Exception:  # wrong password, ticket for another service, replay, malformed token, unknown user
            log.debug("%s authentication on %s failed", scheme, host, exc_info=True)
            conn.context = None
            return None, False, True
        encoded = base64.b64encode(out).decode() if out else None
        if not conn.context.complete:
            return encoded, False, False
        user, protocol = self._user(conn.context)
        if user is None:
            conn.context = None
            return None, False, True
        conn.scheme, conn.user = protocol, user
        return encoded, True, False
