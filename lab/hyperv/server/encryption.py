"""WinRM message encryption over HTTP ([MS-WSMV] 2.2.9.1): `multipart/encrypted` bodies sealed by the connection's
security context, NTLM or Kerberos.

Each part is `<4-byte little-endian header length><header><sealed data>`. The header is the NTLM signature (16
bytes) or the Kerberos wrap token header (gss_wrap_iov with the header kept apart, as SSPI's EncryptMessage
makes it). Clients label both `application/HTTP-SPNEGO-session-encrypted` (pywinrm does for NTLM and Kerberos);
[MS-WSMV] also names `application/HTTP-Kerberos-session-encrypted`, which is accepted and answered in kind.
"""
from __future__ import annotations

import re
import struct

BOUNDARY = b"--Encrypted Boundary"
SPNEGO = "application/HTTP-SPNEGO-session-encrypted"
KERBEROS = "application/HTTP-Kerberos-session-encrypted"
PROTOCOLS = (SPNEGO, KERBEROS)


def protocol_of(content_type):
    """The encryption protocol a request's Content-Type names, or None for a plain SOAP body."""
    low = (content_type or "").lower()
    if "multipart/encrypted" not in low:
        return None
    for protocol in PROTOCOLS:
        if protocol.lower() in low:
            return protocol
    return None


def decrypt(context, body):
    """Unwrap every encrypted part; the header travels in front of the sealed data."""
    parts = [p for p in body.split(BOUNDARY + b"\r\n") if p]
    out = b""
    i = 0
    while i + 1 < len(parts):
        header, payload = parts[i], parts[i + 1]
        m = re.search(rb"Length=(\d+)", header)
        if m is None:
            raise ValueError("encrypted part without OriginalContent length")
        expected = int(m.group(1))
        if payload.endswith(BOUNDARY + b"--\r\n"):
            payload = payload[:-len(BOUNDARY + b"--\r\n")]
        data = payload.replace(b"\tContent-Type: application/octet-stream\r\n", b"", 1)
        header_len = struct.unpack("<i", data[:4])[0]
        plain = context.unwrap_winrm(data[4:4 + header_len], data[4 + header_len:])
        if len(plain) != expected:
            raise ValueError("decrypted length mismatch")
        out += plain
        i += 2
    return out


def encrypt(context, message, protocol=SPNEGO):
    wrapped = context.wrap_winrm(message)
    body = (BOUNDARY + b"\r\n\tContent-Type: " + protocol.encode() + b"\r\n"
            b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=" + str(len(message)).encode() +
            b"\r\n" + BOUNDARY + b"\r\n\tContent-Type: application/octet-stream\r\n" +
            struct.pack("<i", len(wrapped.header)) + wrapped.header + wrapped.data + BOUNDARY + b"--\r\n")
    content_type = 'multipart/encrypted;protocol="%s";boundary="Encrypted Boundary"' % protocol
    return body, content_type
