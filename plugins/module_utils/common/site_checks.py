# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of the site connection options made before any site is contacted, the same for every provider.

A CA file that is missing or holds no PEM certificate is an input problem (it would otherwise surface as "cannot
reach the site"); TLS verification switched off is allowed but warned about on every call, naming the site."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError

PEM_MARK = b"-----BEGIN CERTIFICATE-----"


def _label(role, params):
    return params.get("name") or params.get("hostname") or role


def problems(role, params):
    """InputErrors of the ``source`` or ``target`` options (a dict or None)."""
    if not params or not params.get("hostname"):
        return []
    site = _label(role, params)
    ca_path = params.get("ca_path")
    if not ca_path or not params.get("validate_certs", True):
        return []
    if not os.path.isfile(ca_path):
        return [InputError("%s.ca_path '%s' does not exist or is not a file" % (role, ca_path), site=site,
                           step="check TLS settings",
                           hint="Give the path of the PEM file with the CA certificate that signed the site's "
                                "certificate")]
    try:
        with open(ca_path, "rb") as handle:
            head = handle.read(1 << 20)
    except (IOError, OSError) as exc:
        return [InputError("%s.ca_path '%s' cannot be read: %s" % (role, ca_path, exc), site=site,
                           step="check TLS settings", hint="Make the CA file readable by the user running Ansible")]
    if PEM_MARK not in head:
        return [InputError("%s.ca_path '%s' holds no PEM certificate (no '%s' line)"
                           % (role, ca_path, PEM_MARK.decode("ascii")), site=site, step="check TLS settings",
                           hint="Convert the CA certificate to PEM, for example: openssl x509 -inform der -in ca.cer "
                                "-out ca.pem")]
    return []


def warnings(role, params):
    """The warning for a site whose TLS certificate is not verified, or None."""
    if not params or not params.get("hostname") or params.get("validate_certs", True):
        return None
    return ("%s site '%s': validate_certs is false, so the site's TLS certificate is not verified and the password "
            "is sent to whoever answers at %s. Give ca_path instead" % (role, _label(role, params),
                                                                        params.get("hostname")))
