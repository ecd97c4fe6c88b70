# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replica servers: does a host accept replication from its peer (and, with configure_replica_server, make it so),
and which authentication a relationship towards it uses."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import fnmatch

from ansible_collections.vmdr.replication.plugins.module_utils.errors import VmdrError
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import inventory, scripts


# where replicas go when the replica server names no default storage location (the hint must still be runnable)
STORAGE_HINT = "D:\\Hyper-V Replica"


def server_problem(facts, peer):
    """Why the replica server in ``facts`` would refuse replication from ``peer``, or None."""
    if not facts.get("enabled"):
        return "Hyper-V Replica (the replica server role) is not enabled"
    if not facts.get("any_server") and not any(fnmatch.fnmatch(peer.lower(), (entry or "").lower())
                                               for entry in facts.get("entries") or []):
        return "no replication authorization entry allows primary server '%s'" % peer
    return None


def pairs(p, labels, role, peer_role):
    """{host of ``role``: set of host names of ``peer_role``} over the located VMs ``labels``."""
    out = {}
    for label in labels:
        out.setdefault(p.host_of(role, label), set()).add(p.host_of(peer_role, label).hostname)
    return out


def ensure_servers(p, role, peers, step, configure=False):
    """Each host in ``peers`` ({host: set of peer host names}) accepts replication from its peers; returns
    {host name: server facts}. Only with ``configure`` (replica_enable's configure_replica_server) is a
    replica server enabled or an authorization entry added (Kerberos)."""
    out = {}
    for host in sorted(peers, key=lambda h: h.hostname):
        changed, facts = False, {}
        for peer in sorted(peers[host]):
            facts = ensure_server(p, role, host, peer, step, configure)
            changed = changed or facts["changed"]
        out[host.hostname.lower()] = dict(facts, changed=changed)
    return out


def ensure_server(p, role, host, peer, step, configure):
    if not configure:
        facts = inventory.host_facts(p, role, host, step)
        problem = server_problem(facts, peer)
        if problem:
            raise VmdrError("%s on host '%s', which must accept replication from '%s'" % (problem, host.hostname, peer),
                            site=host.name, step=step,
                            hint="Set configure_replica_server: [%s] on vmdr.replication.replica_enable, or on %s run "
                                 "Set-VMReplicationServer -ReplicationEnabled $true -AllowedAuthenticationType "
                                 "Kerberos and New-VMReplicationAuthorizationEntry -AllowedPrimaryServer %s "
                                 "-ReplicaStorageLocation '%s' -TrustGroup vmdr"
                                 % (role, host.hostname, peer, facts.get("storage") or STORAGE_HINT))
        return dict(facts, changed=False)
    payload = {"peer": peer, "trust_group": "vmdr", "check": p.check_mode}
    data, dummy = host.run(step, scripts.SERVER_ENSURE, payload)
    facts = data.get("facts") or {}
    if data.get("changed"):
        p.warn("%s replica server on '%s' configured to accept replication from '%s'%s"
               % (role, host.hostname, peer, " (check mode: would be)" if p.check_mode else ""))
    p.site(role).facts[host.hostname.lower()] = dict(facts)
    facts["changed"] = bool(data.get("changed"))
    return facts


def auth(facts, site):
    """(authentication type, port) of a relationship towards the replica server of ``facts``."""
    kind = facts.get("auth") or 0
    if kind in (1, 3) or facts.get("changed"):
        return "Kerberos", facts.get("kerberos_port") or 80
    if kind == 2:
        raise VmdrError("the replica server accepts certificate authentication only", site=site,
                        step="check replica server",
                        hint="Allow Kerberos on the replica server (Set-VMReplicationServer "
                             "-AllowedAuthenticationType CertificateAndKerberos)")
    raise VmdrError("the replica server is not enabled", site=site, step="check replica server",
                    hint="Enable Hyper-V Replica on the recovery host")
