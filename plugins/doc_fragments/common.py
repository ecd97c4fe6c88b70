# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r'''
options:
  provider:
    description:
      - The hypervisor that replicates the VMs.
      - If not set, the value of the E(VMDR_PROVIDER) environment variable is used.
    type: str
    default: vsphere
    choices: [vsphere, hyperv]
  source:
    description:
      - Connection to the protected site (where the VMs run in normal operation).
      - Connection suboptions fall back to environment variables, as AWX credentials set them
        E(VMDR_SOURCE_NAME), E(VMDR_SOURCE_HOST), E(VMDR_SOURCE_ADDRESS), E(VMDR_SOURCE_PORT), E(VMDR_SOURCE_USERNAME),
        E(VMDR_SOURCE_PASSWORD), E(VMDR_SOURCE_VALIDATE_CERTS), E(VMDR_SOURCE_CA_PATH), E(VMDR_SOURCE_DATACENTER),
        E(VMDR_SOURCE_TRANSPORT), E(VMDR_SOURCE_CLIENT_CERT) and E(VMDR_SOURCE_CLIENT_KEY).
    type: dict
    suboptions: &site
      name:
        description:
          - Site name used in messages and results, for example V(site-a). Defaults to the host name (with the port when it is not 443).
        type: str
      hostname:
        description:
          - vCenter host name (O(provider=vsphere)).
          - With O(provider=hyperv), the Hyper-V host's DNS name as Hyper-V Replica knows it (what
            C(-ReplicaServerName) and C(PrimaryServerName) use). Connections go to O(source.address) when it is set.
        type: str
      address:
        description:
          - Network address (name or IP) to connect to when it differs from O(source.hostname) (O(provider=hyperv)).
        type: str
      hosts:
        description:
          - More Hyper-V hosts of the site (O(provider=hyperv)), besides O(source.hostname). VMs are found on
            whichever host holds them; each step runs one command per host it touches. Credentials, TLS and
            transport are the site's. A new replica goes to the target host in the same position as its source
            host (first with first, and so on, round robin).
        type: list
        elements: dict
        suboptions:
          hostname:
            description: The host's DNS name as Hyper-V Replica knows it.
            type: str
            required: true
          address:
            description: Network address to connect to when it differs from the host name.
            type: str
          port:
            description: WinRM port (V(5986) when not set).
            type: int
      port:
        description:
          - Port of the site. Defaults to V(443) (vCenter HTTPS) with O(provider=vsphere) and to V(5986)
            (WinRM HTTPS) with O(provider=hyperv). With O(provider=hyperv), V(5985) means WinRM over HTTP, where
            only transports with message encryption are accepted by Windows.
        type: int
      username:
        description: User name for the site.
        type: str
      password:
        description: Password for the site. Keep it in Ansible Vault or the environment.
        type: str
      validate_certs:
        description:
          - Verify the site's TLS certificate. Keep this on; give O(source.ca_path) for a private CA.
        type: bool
        default: true
      ca_path:
        description: PEM file with the CA certificates that sign the site's certificate.
        type: path
      datacenter:
        description:
          - Datacenter the VMs live in at this site. Needed when the vCenter has more than one (O(provider=vsphere)).
        type: str
      transport:
        description:
          - WinRM authentication (O(provider=hyperv)); V(ntlm) when not set. V(ntlm), V(kerberos) and V(credssp)
            encrypt messages; V(basic) and V(certificate) rely on HTTPS. V(credssp) needs requests-credssp.
          - V(kerberos) needs pykerberos (the Kerberos library of pywinrm) and a C(krb5.conf) that knows the realm
            (E(KRB5_CONFIG) names another one). The ticket asked for is C(HTTP/<hostname>) of O(source.hostname),
            also when the connection goes to O(source.address). With O(source.password) the module gets a ticket for
            O(source.username) (V(user@REALM)) itself, with C(kinit) of the MIT Kerberos client tools, into a private
            credential cache that is removed when the module ends; without a password it uses the controller's
            ticket (C(kinit) before, E(KRB5CCNAME)).
        type: str
        choices: [ntlm, kerberos, credssp, certificate, basic]
      client_cert:
        description: PEM client certificate for O(source.transport=certificate).
        type: path
      client_key:
        description: PEM private key of O(source.client_cert).
        type: path
  target:
    description:
      - Connection to the recovery site (where replicas live and failovers start VMs).
      - Connection suboptions fall back to E(VMDR_TARGET_NAME), E(VMDR_TARGET_HOST), E(VMDR_TARGET_ADDRESS), E(VMDR_TARGET_PORT),
        E(VMDR_TARGET_USERNAME), E(VMDR_TARGET_PASSWORD), E(VMDR_TARGET_VALIDATE_CERTS), E(VMDR_TARGET_CA_PATH),
        E(VMDR_TARGET_DATACENTER), E(VMDR_TARGET_TRANSPORT), E(VMDR_TARGET_CLIENT_CERT) and E(VMDR_TARGET_CLIENT_KEY).
    type: dict
    suboptions: *site
  vms:
    description:
      - The VMs this call acts on, all in one session per site.
      - Required by every module but M(vmdr.replication.replica_info), which reports every replicated VM when it is empty.
      - Each entry is a VM name, or a dictionary with exactly one of C(name), C(uuid) (instance or BIOS UUID)
        or C(moid), plus the per-VM keys a module documents.
      - Names are data. They are never formatted into code, and names with quotes or other special characters
        are handled like any other name.
    type: list
    elements: raw
  timeout:
    description: Seconds to wait for vCenter tasks (or Hyper-V waits) of one step before failing the VMs still waiting.
    type: int
    default: 1800
  max_concurrent_tasks:
    description: How many vCenter tasks run at once per site. Raise it for large batches if vCenter copes.
    type: int
    default: 16
notes:
  - "The modules run on the controller (C(delegate_to: localhost) or a play on localhost) and open at most one
    session per site per call."
  - "With O(provider=hyperv) each site is one Hyper-V host reached over WinRM (Windows PowerShell 5.1, Hyper-V module).
    Every step sends one WinRM command per host for all VMs of the batch; VM names are passed as data and never
    become script text. TLS certificates are verified unless O(source.validate_certs=false)."
requirements:
  - pyvmomi (O(provider=vsphere))
  - pywinrm (O(provider=hyperv))
  - requests
'''
