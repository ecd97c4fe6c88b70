"""WinRM message encryption over HTTP ([MS-WSMV] 2.2.9.1.1, 'HTTP-SPNEGO-session-encrypted')."""
from __future__ import annotations

import re
import struct

BOUNDARY = b"--Encrypted Boundary"
PROTOCOL = "application/HTTP-SPNEGO-session-encrypted"


def is_encrypted(content_type):
    return "multipart/encrypted" in (content_type or "").lower() and PROTOCOL.lower() in content_type.lower()


def decrypt(context, body):
    """Unwrap every encrypted part; the signature travels in front of the sealed data."""
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
        sig_len = struct.unpack("<i", data[:4])[0]
        signature, sealed = data[4:4 + sig_len], data[4 + sig_len:]
        plain = context.unwrap(signature + sealed).data
        if len(plain) != expected:
            raise ValueError("decrypted length mismatch")
        out += plain
        i += 2
    return out


def encrypt(context, message):
    wrapped = context.wrap(message, encrypt=True).data
    signature, sealed = wrapped[:16], wrapped[16:]
    body = (BOUNDARY + b"\r\n\tContent-Type: " + PROTOCOL.encode() + b"\r\n"
            b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=" + str(len(message)).encode() +
            b"\r\n" + BOUNDARY + b"\r\n\tContent-Type: application/octet-stream\r\n" +
            struct.pack("<i", len(signature)) + signature + sealed + BOUNDARY + b"--\r\n")
    content_type = 'multipart/encrypted;protocol="%s";boundary="Encrypted Boundary"' % PROTOCOL
    return body, content_type
