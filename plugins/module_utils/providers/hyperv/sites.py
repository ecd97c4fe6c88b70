# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Hyper-V hosts of a site and where each VM is: a site is ``hostname`` plus any ``hosts``; a VM is found on
whichever host holds it (one locate command per host), and a step runs as one command per host it touches."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError, VmdrError
from ansible_collections.vmdr.replication.plugins.module_utils.clients.winrm_runner import WinrmRunner
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import scripts

DEFAULT_PORT = 5986
_DNS_NAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")


def check_host_name(hostname, option):
    if not hostname or not _DNS_NAME.match(hostname) or re.match(r"^[\d.]+$", hostname):
        raise InputError("%s '%s' must be the Hyper-V host's DNS name (Hyper-V Replica refuses IP addresses); put "
                         "the address to connect to in address" % (option, hostname), step="connect")


class HypervHost(object):
    """One Hyper-V host: its name in messages, its DNS name (as Hyper-V Replica knows it) and its runner."""

    def __init__(self, name, hostname, runner):
        self.name = name
        self.hostname = hostname
        self.runner = runner

    def run(self, step, body, payload):
        return self.runner.run(step, body, payload, functions=scripts.FUNCTIONS)


class Site(object):
    """The hosts of one site (``hosts[0]`` is ``hostname``), where each VM label was found, and host facts."""

    def __init__(self, role, hosts):
        self.role = role
        self.hosts = hosts
        self.where = {}
        self.facts = {}

    @property
    def multi(self):
        return len(self.hosts) > 1

    def by_hostname(self, hostname):
        for host in self.hosts:
            if host.hostname.lower() == (hostname or "").lower():
                return host
        return None


def build_site(role, params, operation_timeout):
    """Site from the connection options: ``hostname`` first, then each ``hosts`` entry (its own hostname, address
    and port; credentials, TLS and transport are the site's)."""
    entries = [{"hostname": params["hostname"], "address": params.get("address"), "port": params.get("port"),
                "name": params.get("name")}]
    entries += [dict(entry) for entry in params.get("hosts") or []]
    hosts, seen = [], set()
    for index, entry in enumerate(entries):
        hostname = entry.get("hostname")
        check_host_name(hostname, "%s.hostname" % role if index == 0 else "%s.hosts[%d].hostname" % (role, index - 1))
        if hostname.lower() in seen:
            raise InputError("host '%s' is listed twice in the %s site" % (hostname, role), step="connect")
        seen.add(hostname.lower())
        port = entry.get("port") or DEFAULT_PORT
        name = entry.get("name") or hostname
        runner = WinrmRunner(name, entry.get("address") or hostname, port=port, username=params.get("username"),
                             password=params.get("password"), transport=params.get("transport") or "ntlm",
                             scheme="http" if port == 5985 else "https",
                             validate_certs=params.get("validate_certs", True), ca_path=params.get("ca_path"),
                             client_cert=params.get("client_cert"), client_key=params.get("client_key"),
                             operation_timeout=operation_timeout, server_name=hostname)
        hosts.append(HypervHost(name, hostname, runner))
    return Site(role, hosts)


def locate(site, entries, always=False):
    """Finds the host of each entry (one command per host; nothing when the site has one host, unless ``always``:
    then its VMs are checked too, and its facts are read in the same command). Returns (labels found on no host,
    {label: [hosts]} of labels found on several). Raises when a host cannot be read."""
    if not site.multi and not always:
        for entry in entries:
            site.where[entry["label"]] = site.hosts[0]
        return [], {}
    todo = [entry for entry in entries if entry["label"] not in site.where]
    hits = dict((entry["label"], []) for entry in todo)
    labels = dict((entry["i"], entry["label"]) for entry in todo)
    for host in site.hosts if todo else []:
        data, dummy = host.run("find VMs", scripts.LOCATE, {"vms": todo, "check": True})
        site.facts[host.hostname.lower()] = data.get("facts") or {}
        for item in data.get("found") or []:
            if item.get("count") and item.get("i") in labels:
                hits[labels[item["i"]]].append(host)
    missing, ambiguous = [], {}
    for label, hosts in hits.items():
        if len(hosts) == 1:
            site.where[label] = hosts[0]
        elif not hosts:
            missing.append(label)
        else:
            ambiguous[label] = hosts
    return missing, ambiguous


def group(site, entries):
    """[(host, entries)] in host order, for entries whose host is known."""
    out = []
    for host in site.hosts:
        mine = [entry for entry in entries if site.where.get(entry["label"]) is host]
        if mine:
            out.append((host, mine))
    return out


def missing_error(site, label):
    names = ", ".join(h.hostname for h in site.hosts)
    return VmdrError("no VM '%s' on any host of the %s site (%s)" % (label, site.role, names),
                     vm=label, site=site.hosts[0].name, step="find VM",
                     hint="Check the VM name, or add the host that holds it to %s.hosts" % site.role)


def ambiguous_error(site, label, hosts):
    names = ", ".join(h.hostname for h in hosts)
    return VmdrError("VM '%s' exists on several hosts of the %s site (%s)" % (label, site.role, names),
                     vm=label, site=hosts[0].name, step="find VM",
                     hint="Name the VM by its uuid (VM Id), or remove the stale copy")
