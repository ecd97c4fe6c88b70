# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Options every module shares: provider, the two sites (with environment fallbacks), the VM list,
and the bounds on time and concurrency. Documented in doc_fragments/common.py."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils.basic import env_fallback

PROVIDERS = ["vsphere", "hyperv"]
TRANSPORTS = ["ntlm", "kerberos", "credssp", "certificate", "basic"]


def site_options(role):
    env = "VMDR_%s_" % role.upper()
    return dict(
        type="dict", apply_defaults=True,
        options=dict(
            name=dict(type="str", fallback=(env_fallback, [env + "NAME"])),
            hostname=dict(type="str", fallback=(env_fallback, [env + "HOST"])),
            address=dict(type="str", fallback=(env_fallback, [env + "ADDRESS"])),
            hosts=dict(type="list", elements="dict", options=dict(
                hostname=dict(type="str", required=True), address=dict(type="str"), port=dict(type="int"))),
            port=dict(type="int", fallback=(env_fallback, [env + "PORT"])),
            username=dict(type="str", fallback=(env_fallback, [env + "USERNAME"])),
            password=dict(type="str", no_log=True, fallback=(env_fallback, [env + "PASSWORD"])),
            validate_certs=dict(type="bool", default=True, fallback=(env_fallback, [env + "VALIDATE_CERTS"])),
            ca_path=dict(type="path", fallback=(env_fallback, [env + "CA_PATH"])),
            datacenter=dict(type="str", fallback=(env_fallback, [env + "DATACENTER"])),
            transport=dict(type="str", choices=TRANSPORTS, fallback=(env_fallback, [env + "TRANSPORT"])),
            client_cert=dict(type="path", fallback=(env_fallback, [env + "CLIENT_CERT"])),
            client_key=dict(type="path", no_log=False, fallback=(env_fallback, [env + "CLIENT_KEY"])),
        ))


def common_spec():
    return dict(
        provider=dict(type="str", default="vsphere", choices=PROVIDERS, fallback=(env_fallback, ["VMDR_PROVIDER"])),
        source=site_options("source"),
        target=site_options("target"),
        vms=dict(type="list", elements="raw"),
        timeout=dict(type="int", default=1800),
        max_concurrent_tasks=dict(type="int", default=16),
    )
