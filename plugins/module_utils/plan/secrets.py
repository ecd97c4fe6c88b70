# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets have no place in a recovery plan: what looks like one, and where it belongs instead.

A plan is read by every runbook and copied into the run journal, so a password in it would be kept in clear.
Site passwords go to ``vmdr_site_passwords`` (an Ansible Vault file passed with ``-e @secrets.yml``, or an
AWX credential); the roles join them to the site's connection with the ``site_connection`` filter.
The problems never repeat the secret's value.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

# matched against the key without case, "_" or "-": client_secret, api_key, auth-token, Password...
_SECRET_WORDS = ("password", "passwd", "passphrase", "secret", "token", "apikey", "privatekey", "credential")
_SECRET_NAMES = ("pass", "pwd", "pw")
_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")
WHERE = "an Ansible Vault file (-e @secrets.yml --ask-vault-pass) or an AWX credential"


def is_secret_key(key):
    name = re.sub(r"[^a-z0-9]", "", str(key).lower())
    return name in _SECRET_NAMES or any(word in name for word in _SECRET_WORDS)


def holds_private_key(value):
    return isinstance(value, str) and bool(_PRIVATE_KEY.search(value))


def secret_key_text(key, site=None):
    if site is not None:
        return ("'%s' is a secret and a plan holds none: give the password of site '%s' as "
                "vmdr_site_passwords['%s'] in %s" % (key, site, site, WHERE))
    return "'%s' looks like a secret and a plan holds none: keep it in %s" % (key, WHERE)


def private_key_text():
    return ("holds a private key, and a plan holds no secret: keep the key in a file on the controller (mode 0600) "
            "and give its path, or use an AWX credential")


def secrets_within(value, path):
    """(path, message) of every secret-looking key or private key anywhere in ``value``."""
    found = []
    if isinstance(value, dict):
        for key, entry in value.items():
            where = "%s.%s" % (path, key)
            if is_secret_key(key):
                found.append((path, secret_key_text(key)))
            else:
                found.extend(secrets_within(entry, where))
    elif isinstance(value, list):
        for index, entry in enumerate(value):
            found.extend(secrets_within(entry, "%s[%d]" % (path, index)))
    elif holds_private_key(value):
        found.append((path, private_key_text()))
    return found
