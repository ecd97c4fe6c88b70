# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hyper-V Replica provider: one WinRM runner per site (one Hyper-V host), one command per host per step."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import fnmatch
import re
import time

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError, VmdrError, WaitTimeout
from ansible_collections.vmdr.replication.plugins.module_utils.clients.winrm_runner import error_from, parse_time
from ansible_collections.vmdr.replication.plugins.module_utils.common.results import Batch
from ansible_collections.vmdr.replication.plugins.module_utils.plan.network_map import NetworkMap
from ansible_collections.vmdr.replication.plugins.module_utils.plan.policy import ReplicationPolicy
from ansible_collections.vmdr.replication.plugins.module_utils.providers.base import ReplicationProvider
from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import capacity, scripts, sites

try:
    import netaddr
except ImportError:
    netaddr = None

DEFAULT_OPTIONS = {"timeout": 1800, "poll_interval": 5, "operation_timeout": 20}
TEST_SUFFIX = " - Test"
PAUSED = ("Suspended", "ResynchronizeSuspended")
FAILED_OVER = ("FailedOverWaitingCompletion", "FailedOver")
_WINDOWS_PATH = re.compile(r"^([A-Za-z]:\\|\\\\[^\\]+\\[^\\]+)")
INITIAL_METHODS = ("now", "defer", "scheduled", "export", "import", "seed")
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def vm_entry(index, ref):
    return {"i": index, "name": ref.name, "id": ref.uuid, "label": ref.label}


def utc_time(value, option, step):
    """An ISO 8601 time (UTC unless it carries an offset; seconds optional) as 'YYYY-MM-DDTHH:MM:SSZ', or None when
    ``value`` does not look like a time at all."""
    if not _ISO_TIME.match(value):
        return None
    value = re.sub(r"([T ]\d{2}:\d{2})(?=$|Z|[+-])", r"\1:00", value)  # minutes only: seconds 00
    stamp = parse_time(value if value[-1] in "Z" or re.search(r"[+-]\d{2}:?\d{2}$", value) else value + "Z")
    if stamp is None:
        raise InputError("%s '%s' is not a valid time" % (option, value), step=step)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def recovery_point_spec(value):
    value = (value or "latest").strip()
    if value.lower() == "latest":
        return {"kind": "latest", "value": None}
    stamp = utc_time(value, "recovery_point", "validate recovery point")
    if stamp:
        return {"kind": "time", "value": stamp}
    return {"kind": "id", "value": value}


def initial_settings(value):
    """replica_enable's Hyper-V settings: ``initial_replication`` as a method name, or a dict with ``method``,
    ``start`` (scheduled), ``media_path`` (export/import) and ``configure_replica_server`` (site roles)."""
    settings = dict(value) if isinstance(value, dict) else {"method": value}
    method = settings.get("method") or "now"
    step = "validate initial replication"
    if method not in INITIAL_METHODS:
        raise InputError("initial_replication=%s is not supported by the hyperv provider" % method, step=step,
                         hint="Use one of %s" % ", ".join(INITIAL_METHODS))
    start = (settings.get("start") or "").strip()
    if method == "scheduled":
        settings["start"] = utc_time(start, "initial_replication_start", step) if start else None
        if not settings["start"]:
            raise InputError("initial_replication=scheduled needs initial_replication_start as an ISO 8601 time",
                             step=step, hint="Set initial_replication_start, e.g. 2026-11-22T22:00:00Z (at most "
                                             "7 days ahead of the host's clock)")
    elif start:
        raise InputError("initial_replication_start applies only to initial_replication=scheduled", step=step)
    path = settings.get("media_path") or ""
    if method in ("export", "import"):
        if not _WINDOWS_PATH.match(path):
            raise InputError("initial_replication=%s needs media_path, an absolute Windows path (E:\\IR or "
                             "\\\\server\\share), not '%s'" % (method, path), step=step,
                             hint="Set media_path; each VM's copy goes to a folder named by its VM Id under it")
    elif path:
        raise InputError("media_path applies only to initial_replication=export or import", step=step)
    settings["method"] = method
    settings["configure_replica_server"] = list(settings.get("configure_replica_server") or [])
    settings["extended"] = extended_settings(settings.get("extended"))
    return settings


def extended_settings(value):
    """extended_replica {hostname, port, rpo}: the third server the replica host forwards to, or None."""
    if not value or not value.get("hostname"):
        return None
    hostname = value["hostname"]
    step = "validate extended replication"
    sites.check_host_name(hostname, "extended_replica.hostname")
    rpo = value.get("rpo") or 5
    if rpo not in (5, 15):
        raise InputError("extended_replica.rpo must be 5 or 15 (minutes): extended replication runs every 5 or 15 "
                         "minutes, not every 30 s", step=step, hint="Set extended_replica.rpo to 5 or 15")
    return {"server": hostname, "port": int(value.get("port") or 80), "frequency_sec": int(rpo * 60)}


def server_problem(facts, peer):
    """Why the replica server in ``facts`` would refuse replication from ``peer``, or None."""
    if not facts.get("enabled"):
        return "Hyper-V Replica (the replica server role) is not enabled"
    if not facts.get("any_server") and not any(fnmatch.fnmatch(peer.lower(), (entry or "").lower())
                                               for entry in facts.get("entries") or []):
        return "no replication authorization entry allows primary server '%s'" % peer
    return None


def point_details(item, point, mode):
    """recovery_point {id, time} and achieved_rpo_seconds with the vSphere provider's meaning: the point's UTC time,
    and the seconds between it and the host time when the failover used it (0 after a planned final sync)."""
    if not point:
        return
    stamp = parse_time(point.get("time"))
    item.details["recovery_point"] = {"id": point.get("id"),
                                      "time": stamp.strftime("%Y-%m-%dT%H:%M:%SZ") if stamp else point.get("time")}
    used = parse_time(point.get("at"))
    if mode == "planned":
        item.details["achieved_rpo_seconds"] = 0
    elif stamp and used:
        item.details["achieved_rpo_seconds"] = max(0, int((used - stamp).total_seconds()))


def netmask(prefix):
    return str(netaddr.IPNetwork("0.0.0.0/%d" % int(prefix)).netmask)


class HypervProvider(ReplicationProvider):
    name = "hyperv"
    default_options = DEFAULT_OPTIONS

    def __init__(self, *args, **kwargs):
        super(HypervProvider, self).__init__(*args, **kwargs)
        self._unreachable = {}

    # ---- sites -------------------------------------------------------------------------------------

    def open_site(self, role, params):
        """The hosts of the ``role`` site: ``hostname`` plus ``hosts``."""
        return sites.build_site(role, params, self.options["operation_timeout"])

    def check_distinct(self, source, target):
        shared = set(h.hostname.lower() for h in source.hosts) & set(h.hostname.lower() for h in target.hosts)
        if shared:
            raise InputError("source and target share the Hyper-V host %s" % ", ".join(sorted(shared)),
                             step="connect", hint="Point target at the recovery hosts")

    def host(self, role, required=True):
        """The first host of a site: the one named by its ``hostname``."""
        site = self.site(role, required)
        return site.hosts[0] if site is not None else None

    def host_of(self, role, label):
        """The host of ``role`` holding the VM ``label`` (after a locate), else the site's first host."""
        site = self.site(role)
        return site.where.get(label) or site.hosts[0]

    def optional_run(self, role, step, body, payload):
        """Runs on a site that may be down (unplanned failover): None when unreachable or not configured.
        On a site of several hosts the VMs are located first and the per-VM results of all hosts are joined."""
        site = self.site(role, required=False)
        if site is None:
            return None, None
        try:
            if not site.multi:
                return site.hosts[0].run(step, body, payload)
            entries = payload.get("vms") or []
            sites.locate(site, entries)
            items, now = [], None
            for host, mine in sites.group(site, entries):
                data, now = host.run(step, body, dict(payload, vms=mine))
                items += (data.get("vms") if isinstance(data, dict) and "vms" in data else data) or []
            return {"vms": items}, now
        except VmdrError as exc:
            self._unreachable[role] = exc
            self.warn("%s site '%s' could not be read (%s); continuing without it" % (role, site.hosts[0].name, exc))
            return None, None

    def close(self):
        for site in self._sites.values():
            for host in site.hosts:
                host.runner.close()
        self._sites = {}

    # ---- helpers -----------------------------------------------------------------------------------

    @staticmethod
    def _entries(batch, refs, labels=None):
        out = []
        for index, ref in enumerate(refs):
            if labels is not None and ref.label not in labels:
                continue
            if batch is not None and batch[ref.label].failed:
                continue
            if ref.moid and not ref.name and not ref.uuid:
                if batch is not None:
                    batch.fail(ref.label, InputError("Hyper-V VMs are named by name or uuid (VM Id), not moid",
                                                     vm=ref.label, step="validate vms"))
                continue
            out.append(vm_entry(index, ref))
        return out

    def _collect(self, batch, refs, host, step, results):
        """Maps the per-VM results of one script onto the batch; returns {label: data} of the VMs that worked."""
        by_index = dict((ref_index, ref) for ref_index, ref in enumerate(refs))
        good = {}
        for item in results or []:
            ref = by_index.get(item.get("i"))
            if ref is None:
                continue
            if item.get("ok"):
                good[ref.label] = item.get("data") or {}
            else:
                batch.fail(ref.label, error_from(item.get("error"), vm=ref.label, site=host.name,
                                                 step=item.get("step") or step))
        return good

    def _place(self, batch, role, entries, missing="fail"):
        """The entries whose host is known, after locating them on a site of several hosts. ``missing``: "fail"
        fails VMs found on no host, "skip" leaves them out (nothing to do there)."""
        site = self.site(role)
        try:
            lost, ambiguous = sites.locate(site, entries)
        except VmdrError as exc:
            for entry in entries:
                batch.fail(entry["label"], VmdrError(exc.message, vm=entry["label"], site=exc.site, step="find VM",
                                                     hint=exc.hint, fault=exc.fault))
            return []
        for label, hosts in ambiguous.items():
            batch.fail(label, sites.ambiguous_error(site, label, hosts))
        if missing == "fail":
            for label in lost:
                batch.fail(label, sites.missing_error(site, label))
        return [entry for entry in entries if not batch[entry["label"]].failed and entry["label"] in site.where]

    def _run_grouped(self, batch, refs, role, step, body, payload, entries, missing="fail"):
        """Runs ``body`` for ``entries`` as one command per host holding them; {label: data} of the VMs that worked."""
        good, now = {}, None
        for host, mine in sites.group(self.site(role), self._place(batch, role, entries, missing)):
            try:
                data, now = host.run(step, body, dict(payload, vms=mine,
                                                      check=bool(payload.get("check", self.check_mode))))
            except VmdrError as exc:
                for entry in mine:
                    batch.fail(entry["label"], VmdrError(exc.message, vm=entry["label"], site=host.name, step=step,
                                                         hint=exc.hint, fault=exc.fault))
                continue
            if isinstance(data, dict) and "vms" in data:
                data = data["vms"]
            good.update(self._collect(batch, refs, host, step, data))
        return good, now

    def _run_each(self, batch, refs, role, step, body, payload, labels=None, missing="fail"):
        entries = self._entries(batch, refs, labels)
        if not entries:
            return {}, None
        return self._run_grouped(batch, refs, role, step, body, payload, entries, missing)

    def _read(self, batch, refs, role, nics=False, labels=None):
        return self._run_each(batch, refs, role, "read VMs", scripts.READ, {"nics": nics, "measure": False},
                              labels=labels)

    def _host_facts(self, role, host, step="read host"):
        """Replica server configuration and switches of one host, read at most once per call."""
        site = self.site(role)
        key = host.hostname.lower()
        if key not in site.facts:
            data, dummy = host.run(step, scripts.SERVER, {})
            site.facts[key] = data
        return site.facts[key]

    def _switches(self, role, label):
        """{switch: type} of the host of ``role`` holding ``label``."""
        facts = self._host_facts(role, self.host_of(role, label))
        return dict((s["name"], s["type"]) for s in facts.get("switches") or [])

    def _ensure_servers(self, role, peers, step, configure=False):
        """Each host in ``peers`` ({host: set of peer host names}) accepts replication from its peers; returns
        {host name: server facts}. Only with ``configure`` (replica_enable's configure_replica_server) is a
        replica server enabled or an authorization entry added (Kerberos)."""
        out = {}
        for host in sorted(peers, key=lambda h: h.hostname):
            changed = False
            for peer in sorted(peers[host]):
                facts = self._ensure_server(role, host, peer, step, configure)
                changed = changed or facts["changed"]
            out[host.hostname.lower()] = dict(facts, changed=changed)
        return out

    def _ensure_server(self, role, host, peer, step, configure):
        if not configure:
            facts = self._host_facts(role, host, step)
            problem = server_problem(facts, peer)
            if problem:
                raise VmdrError("%s on host '%s', which must accept replication from '%s'" % (problem, host.hostname, peer),
                                site=host.name, step=step,
                                hint="Set configure_replica_server: [%s] on vmdr.replication.replica_enable, or on %s run "
                                     "Set-VMReplicationServer -ReplicationEnabled $true -AllowedAuthenticationType "
                                     "Kerberos and New-VMReplicationAuthorizationEntry -AllowedPrimaryServer %s"
                                     % (role, host.hostname, peer))
            return dict(facts, changed=False)
        payload = {"peer": peer, "trust_group": "vmdr", "check": self.check_mode}
        data, dummy = host.run(step, scripts.SERVER_ENSURE, payload)
        facts = data.get("facts") or {}
        if data.get("changed"):
            self.warn("%s replica server on '%s' configured to accept replication from '%s'%s"
                      % (role, host.hostname, peer, " (check mode: would be)" if self.check_mode else ""))
        self.site(role).facts[host.hostname.lower()] = dict(facts)
        facts["changed"] = bool(data.get("changed"))
        return facts

    def _pairs(self, labels, role, peer_role):
        """{host of ``role``: set of host names of ``peer_role``} over the located VMs ``labels``."""
        out = {}
        for label in labels:
            out.setdefault(self.host_of(role, label), set()).add(self.host_of(peer_role, label).hostname)
        return out

    @staticmethod
    def _auth(facts, site):
        auth = facts.get("auth") or 0
        if auth in (1, 3) or facts.get("changed"):
            return "Kerberos", facts.get("kerberos_port") or 80
        if auth == 2:
            raise VmdrError("the replica server accepts certificate authentication only", site=site,
                            step="check replica server",
                            hint="Allow Kerberos on the replica server (Set-VMReplicationServer "
                                 "-AllowedAuthenticationType CertificateAndKerberos)")
        raise VmdrError("the replica server is not enabled", site=site, step="check replica server",
                        hint="Enable Hyper-V Replica on the recovery host")

    def _switch_plan(self, batch, label, nics, network_map, mode, target_switches, site, same_name_ok):
        """[{index, switch}] for the replica's NICs, or None after failing the VM."""
        plan = []
        for nic in nics or []:
            source = nic.get("switch")
            if not source:
                continue
            try:
                if mode == "live" and same_name_ok and source not in network_map.live:
                    target = source
                    if target not in target_switches:
                        raise InputError("source network '%s' is not mapped and no switch of that name exists at "
                                         "the recovery site" % source, vm=label, site=site, step="map networks",
                                         hint="Add '%s: <recovery switch>' to network_map.live" % source)
                else:
                    target = network_map.target_for(source, mode, vm=label, site=site)
                if target not in target_switches:
                    raise InputError("switch '%s' does not exist on the recovery host" % target, vm=label, site=site,
                                     step="map networks", hint="Create the virtual switch or fix network_map")
                if mode == "test" and target_switches[target] == "External":
                    raise InputError("test switch '%s' is External and reaches a physical network" % target,
                                     vm=label, site=site, step="map networks",
                                     hint="Use a Private or Internal switch for test failovers")
            except InputError as exc:
                batch.fail(label, exc)
                return None
            plan.append({"index": nic["index"], "switch": target})
        return plan

    def _reip_plan(self, batch, label, nics, planner, site):
        plan_nics = []
        for nic in nics or []:
            ips = nic.get("ips") or []
            plan_nics.append({"index": nic["index"], "network": nic.get("switch"), "ip": ips[0] if ips else None,
                              "prefix": None})
        try:
            entries = planner.plan_vm(label, plan_nics)
        except InputError as exc:
            batch.fail(label, exc)
            return None, None
        out = []
        for entry in entries:
            if entry["action"] == "dhcp":
                out.append({"index": entry["index"], "action": "dhcp"})
                continue
            if ":" in (entry.get("target_ip") or ""):
                batch.fail(label, InputError("IPv6 re-IP is not supported by the hyperv provider yet", vm=label,
                                             site=site, step="compute re-IP plan"))
                return None, None
            if entry.get("target_prefix") is None:
                batch.fail(label, InputError("NIC %s: the prefix length is unknown" % entry["index"], vm=label,
                                             site=site, step="compute re-IP plan",
                                             hint="Give the VM an override with ip: address/prefix"))
                return None, None
            out.append({"index": entry["index"], "action": entry["action"], "ip": entry["target_ip"],
                        "mask": netmask(entry["target_prefix"]), "gateway": entry.get("gateway"),
                        "dns": list(entry.get("dns") or [])})
        return out, entries

    @staticmethod
    def _check_overlap(batch, plans):
        seen = {}
        for label in sorted(plans):
            for entry in plans[label]:
                ip = entry.get("target_ip")
                if not ip or entry["action"] == "keep":
                    continue
                if ip in seen and seen[ip] != label:
                    batch.fail(label, InputError("re-IP would give %s to both VM '%s' and VM '%s'" % (ip, seen[ip], label),
                                                 vm=label, step="compute re-IP plan"))
                seen[ip] = label

    @staticmethod
    def _ready(vm):
        heartbeat = (vm or {}).get("heartbeat") or ""
        return (vm or {}).get("power_state") == "Running" and (not heartbeat or heartbeat.startswith("Ok"))

    def _wait_ready(self, batch, refs, names, timeout, started):
        """``names``: {label: VM name at the target} of VMs not ready yet; polls (one command per round) until each
        runs with a healthy heartbeat (when Hyper-V reports one), then records time_to_ready_seconds."""
        site = self.site("target")
        pending = dict(names)
        deadline = time.time() + timeout
        while pending and time.time() < deadline:
            time.sleep(self.options["poll_interval"])
            entries = [{"i": index, "name": pending[ref.label], "id": None, "label": ref.label}
                       for index, ref in enumerate(refs) if ref.label in pending]
            for host, mine in sites.group(site, entries):
                data, dummy = host.run("wait until ready", scripts.POWER, {"vms": mine, "check": True})
                for item in data or []:
                    label = refs[item["i"]].label
                    if item.get("ok") and self._ready(item.get("data")):
                        batch[label].details["time_to_ready_seconds"] = round(time.time() - started, 1)
                        pending.pop(label, None)
        for label in pending:
            batch.fail(label, WaitTimeout("'%s' is not running with a healthy heartbeat after %s s" % (names[label], timeout),
                                          vm=label, site=self.host_of("target", label).name, step="wait until ready",
                                          hint="Check the VM console on the recovery host; raise ready_timeout"))

    # ---- info --------------------------------------------------------------------------------------

    def info(self, refs):
        src = self.host("source", required=False)
        tgt = self.host("target", required=False)
        if src is None and tgt is None:
            raise InputError("replica_info needs the source or the target site", step="connect",
                             hint="Set source and/or target")
        payload = {"vms": [vm_entry(i, r) for i, r in enumerate(refs)], "all": not refs, "nics": False,
                   "measure": True, "check": True}
        sides = {}
        for role, host in (("source", src), ("target", tgt)):
            if host is None:
                continue
            if refs or not self.site(role).multi:
                data, now = self.optional_run(role, "read replication", scripts.READ, payload)
            else:
                data, now = self._read_all_hosts(role, payload)
            if data is not None:
                sides[role] = (data.get("vms") or [], parse_time(now), host)
        if not sides:
            raise self._unreachable.get("target") or self._unreachable.get("source")
        pairs = {}
        order = []
        for role in ("source", "target"):
            if role not in sides:
                continue
            items, now, host = sides[role]
            for item in items:
                key = item.get("i")
                if refs and isinstance(key, int) and key < len(refs):
                    label = refs[key].label
                else:
                    label = (item.get("data") or {}).get("vm", {}).get("name") or str(key)
                if label not in pairs:
                    pairs[label] = {"now": now}
                    order.append(label)
                pairs[label][role] = item
                pairs[label]["now"] = pairs[label]["now"] or now
        return [self._info_entry(label, pairs[label]) for label in order]

    def recovery_site(self, refs):
        """The recovery hosts' room and the IPv4 addresses in use there, next to what the VMs of ``refs`` need."""
        return capacity.recovery_site(self, refs, [vm_entry(i, r) for i, r in enumerate(refs)])

    def _read_all_hosts(self, role, payload):
        """replica_info without names on a site of several hosts: every host's replicated VMs, joined."""
        items, now = [], None
        for host in self.site(role).hosts:
            try:
                data, now = host.run("read replication", scripts.READ, payload)
            except VmdrError as exc:
                self._unreachable[role] = exc
                self.warn("%s host '%s' could not be read (%s); continuing without it" % (role, host.name, exc))
                continue
            items += data.get("vms") or []
        return ({"vms": items}, now) if now is not None else (None, None)

    def _info_entry(self, label, pair):
        out = {"name": label, "state": "unknown", "health": "critical", "source": None, "replica": None,
               "policy": None, "last_sync": None, "recovery_points": [], "rpo_seconds": None, "age_seconds": None,
               "rpo_compliant": False, "test_vms": [], "failover": None}
        errors = []
        reps = {}
        for role in ("source", "target"):
            item = pair.get(role)
            if item is None:
                continue
            if not item.get("ok"):
                errors.append("%s: %s" % (role, (item.get("error") or {}).get("message")))
                continue
            data = item.get("data") or {}
            repl = data.get("replication")
            vm = dict(data.get("vm") or {})
            if repl:
                vm.update(role={"Primary": "source", "Replica": "replica"}.get(repl.get("mode"), repl.get("mode")),
                          replication_state=repl.get("state"), replication_health=repl.get("health"))
                reps[role] = repl
            out["source" if role == "source" else "replica"] = vm
            if data.get("recovery_points"):
                out["recovery_points"] = sorted(data["recovery_points"], key=lambda p: p.get("time") or "",
                                                reverse=True)
            if data.get("test_vm"):
                out["test_vms"] = [data["test_vm"]]
            if data.get("measure"):
                out.setdefault("measure", {})[role] = data["measure"]
        if errors:
            out["errors"] = errors
        main = reps.get("source") or reps.get("target")
        if not main:
            return out
        freq = main.get("frequency_sec") or 300
        out["policy"] = {"rpo": freq / 60.0 if freq < 60 else freq // 60, "recovery_points": main.get("recovery_history"),
                         "quiesce": bool(main.get("vss_hours"))}
        out["rpo_seconds"] = freq
        out["replication_state"] = main.get("state")
        last = (reps.get("target") or {}).get("last_replication") or main.get("last_replication")
        out["last_sync"] = last
        stamp = parse_time(last)
        if stamp is not None and pair.get("now") is not None:
            out["age_seconds"] = max(0, int((pair["now"] - stamp).total_seconds()))
            out["rpo_compliant"] = out["age_seconds"] <= 2 * freq
        state = main.get("state")
        replica_state = (reps.get("target") or {}).get("state")
        if state in PAUSED:
            out["state"], out["health"] = "paused", "warning"
        elif "source" in reps or "source" not in pair:
            out["state"] = "enabled" if "source" in reps else "unknown"
            health = main.get("health")
            out["health"] = "ok" if health == "Normal" and out["rpo_compliant"] else (
                "warning" if health == "Warning" else "critical")
        if replica_state in FAILED_OVER:
            out["health"] = "failed_over"
            out["failover"] = {"state": replica_state}
        return out

    # ---- enable ------------------------------------------------------------------------------------

    def enable(self, refs, state, policy, placement, initial_replication, network_map, delete_replica):
        batch = Batch([r.label for r in refs])
        if placement and any(placement.values()):
            self.warn("placement is ignored by the hyperv provider: replicas go to the replica server's storage "
                      "location for the source host")
        initial = initial_settings(initial_replication)
        if state == "absent":
            if initial["extended"] and self.host("target", required=False) is not None:
                self._extend(batch, refs, state, initial["extended"], None, set(r.label for r in refs))
            return self._remove(batch, refs, delete_replica)
        pol = ReplicationPolicy.from_params(policy, "hyperv")
        configure = initial["configure_replica_server"]
        nmap = NetworkMap.from_params(network_map)
        src_site, tgt_site = self.site("source"), self.site("target")
        entries = self._place(batch, "source", self._entries(batch, refs))
        # the replica host: where a replica (or a restored copy) already is, else the target host paired with the
        # source host (first with first, second with second, ... round robin)
        self._place(batch, "target", entries, missing="skip")
        for entry in entries:
            if entry["label"] not in tgt_site.where:
                index = src_site.hosts.index(src_site.where[entry["label"]])
                tgt_site.where[entry["label"]] = tgt_site.hosts[index % len(tgt_site.hosts)]
        # networks are checked before any host is configured: bad input changes nothing
        setup = {}
        if network_map:
            read, dummy = self._read(batch, refs, "source", nics=True)
            for label, data in read.items():
                switches, site_name = self._switches("target", label), self.host_of("target", label).name
                live = self._switch_plan(batch, label, data.get("nics"), nmap, "live", switches, site_name, True)
                test = self._switch_plan(batch, label, data.get("nics"), nmap, "test", switches, site_name,
                                         False) if nmap.test else []
                if live is not None and test is not None:
                    setup[label] = {"live": live, "test": test}
        entries = [e for e in entries if not batch[e["label"]].failed]
        labels = [e["label"] for e in entries]
        facts = self._ensure_servers("target", self._pairs(labels, "target", "source"), "check replica server",
                                     "target" in configure)
        reverse = self._ensure_servers("source", self._pairs(labels, "source", "target"), "prepare reverse replication",
                                       True) if "source" in configure else {}
        for entry in entries:
            replica = self.host_of("target", entry["label"])
            primary = self.host_of("source", entry["label"])
            # a host configured for this VM's replication (or its reverse) changes the VM's protection
            batch[entry["label"]].changed = facts[replica.hostname.lower()]["changed"] or \
                (reverse.get(primary.hostname.lower()) or {}).get("changed", False)
            auth, port = self._auth(facts[replica.hostname.lower()], replica.name)
            entry.update(replica_server=replica.hostname, replica_port=port, auth=auth,
                         peer=self.host_of("source", entry["label"]).hostname)
        entries = [e for e in entries if not batch[e["label"]].failed]
        if initial["method"] == "seed":
            seeded, dummy = self._run_grouped(batch, refs, "target", "adopt restored copy", scripts.SEED_REPLICA, {},
                                              entries)
            for label, data in seeded.items():
                batch[label].changed = batch[label].changed or bool(data.get("changed"))
            entries = [e for e in entries if not batch[e["label"]].failed]
        payload = {"state": state, "initial": initial["method"], "start": initial.get("start"),
                   "media_path": initial.get("media_path"),
                   "policy": {"frequency_sec": int(pol.rpo * 60), "recovery_history": pol.recovery_points,
                              "vss_hours": 1 if pol.quiesce else 0}}
        results, dummy = self._run_grouped(batch, refs, "source", "enable replication", scripts.ENABLE, payload,
                                           entries)
        for label, data in results.items():
            item = batch[label]
            item.changed = item.changed or bool(data.get("changed"))
            item.before = self._record(data.get("before"), pol)
            item.after = self._record(data.get("after"), pol) if not self.check_mode else \
                dict(self._record(data.get("before"), pol) or {}, state="paused" if state == "paused" else "enabled",
                     policy=pol.as_dict())
        if initial["extended"]:
            self._extend(batch, refs, state, initial["extended"], pol, set(results))
        if initial["method"] == "import" and state != "absent":
            imported, dummy = self._run_each(batch, refs, "target", "import initial copy", scripts.IMPORT_REPLICA,
                                             {"media_path": initial["media_path"]}, labels=set(results))
            for label, data in imported.items():
                if data.get("changed"):
                    batch[label].changed = True
                    if not self.check_mode:
                        batch[label].after = dict(batch[label].after or {},
                                                  replication_state=(data.get("replication") or {}).get("state"))
        if setup and not self.check_mode:
            entries = self._entries(batch, refs, set(setup))
            for entry in entries:
                entry.update(setup[entry["label"]])
            mapped, dummy = self._run_grouped(batch, refs, "target", "map replica networks", scripts.REPLICA_SETUP,
                                              {"state": state, "check": False}, entries)
            for label, got in mapped.items():
                if got.get("changed"):
                    batch[label].changed = True
        return batch

    def _extend(self, batch, refs, state, extended, pol, labels):
        """Extended replication (replica host -> third server): enabled once the replica has its initial copy, so
        a later run finishes what an early one reports as pending."""
        if state != "absent" and extended["frequency_sec"] < int(pol.rpo * 60):
            for label in labels:
                batch.fail(label, InputError("extended_replica.rpo is below the policy rpo", vm=label,
                                             step="validate extended replication",
                                             hint="Set extended_replica.rpo to at least policy.rpo"))
            return
        results, dummy = self._run_each(batch, refs, "target", "extended replication", scripts.EXTEND,
                                        dict(extended, state=state), labels=labels,
                                        missing="skip" if state == "absent" else "fail")
        for label, data in results.items():
            item = batch[label]
            item.changed = item.changed or bool(data.get("changed"))
            ext = data.get("extended")
            item.details["extended"] = {"replica_server": (ext or {}).get("replica_server") or extended["server"],
                                        "replication_state": (ext or {}).get("state"),
                                        "pending": bool(data.get("pending"))}
            if data.get("pending"):
                self.warn("extended replication of '%s' starts once its replica on '%s' has the initial copy; run "
                          "again then" % (label, self.host_of("target", label).hostname))

    @staticmethod
    def _record(repl, pol=None):
        if not repl:
            return None
        freq = repl.get("frequency_sec") or 300
        return {"role": {"Primary": "source", "Replica": "replica"}.get(repl.get("mode"), repl.get("mode")),
                "state": "paused" if repl.get("state") in PAUSED else "enabled",
                "replication_state": repl.get("state"), "replica_server": repl.get("replica_server"),
                "policy": {"rpo": freq / 60.0 if freq < 60 else freq // 60,
                           "recovery_points": repl.get("recovery_history"), "quiesce": bool(repl.get("vss_hours"))}}

    def _remove(self, batch, refs, delete_replica):
        results, dummy = self._run_each(batch, refs, "source", "remove replication", scripts.ENABLE,
                                        {"state": "absent", "policy": {}})
        for label, data in results.items():
            batch[label].changed = batch[label].changed or bool(data.get("changed"))
            batch[label].before = self._record(data.get("before"))
            batch[label].after = None
        if self.host("target", required=False) is not None:
            replica, dummy = self._run_each(batch, refs, "target", "remove replication on the replica",
                                            scripts.REPLICA_SETUP, {"state": "absent",
                                                                    "delete_replica": bool(delete_replica)},
                                            missing="skip")
            for label, data in replica.items():
                if data.get("changed"):
                    batch[label].changed = True
        return batch

    # ---- sync --------------------------------------------------------------------------------------

    def sync(self, refs, when, wait_within_rpo):
        batch = Batch([r.label for r in refs])
        if when == "always":
            self.warn("Hyper-V Replica sends changes on its own schedule (every 30 s, 5 min or 15 min); force only "
                      "restarts stopped relationships")
        results, now = self._run_each(batch, refs, "source", "sync", scripts.SYNC, {"resume": True})
        for label, data in results.items():
            batch[label].changed = bool(data.get("changed"))
            batch[label].before = self._sync_state(data.get("before"), now)
            batch[label].after = self._sync_state(data.get("after"), now)
        if self.check_mode:
            return batch
        deadline = time.time() + self.options["timeout"]
        pending = [label for label in results if not (batch[label].after or {}).get("rpo_compliant")]
        limit = max([2 * ((results[label].get("after") or {}).get("frequency_sec") or 300) for label in pending] or [0])
        deadline = min(deadline, time.time() + limit)
        while pending and wait_within_rpo and time.time() < deadline:
            time.sleep(self.options["poll_interval"])
            read, now = self._run_each(batch, refs, "source", "wait within RPO", scripts.SYNC, {"resume": False},
                                       labels=set(pending))
            for label, data in read.items():
                batch[label].after = self._sync_state(data.get("after"), now)
            pending = [label for label in pending if not (batch[label].after or {}).get("rpo_compliant")
                       and not batch[label].failed]
        for label in pending:
            after = batch[label].after or {}
            if wait_within_rpo:
                batch.fail(label, VmdrError("still outside its RPO (replication state %s, newest replication %s)"
                                            % (after.get("replication_state"), after.get("latest_recovery_point")),
                                            vm=label, site=self.host_of("source", label).name, step="wait within RPO",
                                            hint="Check the replication health with replica_info and the network "
                                                 "between the hosts"))
        return batch

    @staticmethod
    def _sync_state(repl, now):
        if not repl:
            return None
        last = parse_time(repl.get("last_replication"))
        host_now = parse_time(now)
        age = int((host_now - last).total_seconds()) if last and host_now else None
        freq = repl.get("frequency_sec") or 300
        return {"latest_recovery_point": {"id": "latest", "time": repl.get("last_replication")} if last else None,
                "age_seconds": age, "rpo_compliant": age is not None and age <= 2 * freq
                and repl.get("state") not in PAUSED, "replication_state": repl.get("state")}

    # ---- networks and re-IP ------------------------------------------------------------------------

    def map_networks(self, refs, network_map, mode):
        batch = Batch([r.label for r in refs])
        nmap = NetworkMap.from_params(network_map)
        if mode == "test":
            nmap.check_test_apart_from_live()
        read, dummy = self._read(batch, refs, "source", nics=True)
        self._place(batch, "target", self._entries(batch, refs, set(read)))
        plans = {}
        for label, data in read.items():
            if batch[label].failed:
                continue
            plan = self._switch_plan(batch, label, data.get("nics"), nmap, mode, self._switches("target", label),
                                     self.host_of("target", label).name, False)
            if plan is not None:
                plans[label] = plan
        return self._apply_replica_network(batch, refs, plans, "live" if mode == "live" else "test", "map networks")

    def _apply_replica_network(self, batch, refs, plans, key, step):
        entries = []
        for entry in self._entries(batch, refs, set(plans)):
            entry[key] = plans[entry["label"]]
            entries.append(entry)
        if not entries:
            return batch
        done, dummy = self._run_grouped(batch, refs, "target", step, scripts.REPLICA_NETWORK, {}, entries)
        for label, got in done.items():
            item = batch[label]
            item.changed = bool(got.get("changed"))
            before, after = got.get("before") or {}, got.get("after") or {}
            if key == "reip":
                item.before = {"failover_ip": before.get("failover_ip")}
                item.after = {"failover_ip": after.get("failover_ip")} if not self.check_mode else \
                    {"failover_ip": [{"ip": p.get("ip"), "mask": p.get("mask"), "gateway": p.get("gateway"),
                                      "dns": (p.get("dns") or [None])[0]} for p in plans[label]]}
            else:
                field = "switch" if key == "live" else "test_switch"
                planned = dict((p["index"], p["switch"]) for p in plans[label])
                item.before = {"networks": [{"index": n["index"], "network": n.get(field)} for n in before.get("nics") or []]}
                item.after = {"networks": [{"index": n["index"], "network": planned.get(n["index"], n.get(field))
                                            if self.check_mode else n.get(field)} for n in after.get("nics") or []]}
                item.details["networks"] = item.after["networks"]
        return batch

    def reip(self, refs, planner):
        batch = Batch([r.label for r in refs])
        read, dummy = self._read(batch, refs, "source", nics=True)
        plans, raw = {}, {}
        for label, data in read.items():
            plan, entries = self._reip_plan(batch, label, data.get("nics"), planner, self.host_of("source", label).name)
            if plan is not None:
                plans[label], raw[label] = plan, entries
        self._check_overlap(batch, raw)
        plans = dict((k, v) for k, v in plans.items() if not batch[k].failed)
        self._apply_replica_network(batch, refs, plans, "reip", "set failover IP")
        for label in plans:
            if not batch[label].failed:
                # "nics" as the module documents it (and vSphere returns); "reip" kept for earlier callers
                batch[label].details["nics"] = batch[label].details["reip"] = raw[label]
        return batch

    # ---- failover ----------------------------------------------------------------------------------

    def failover(self, refs, mode, settings):
        settings = settings or {}
        batch = Batch([r.label for r in refs])
        started = time.time()
        points = {}
        for ref in refs:
            try:
                points[ref.label] = recovery_point_spec(ref.options.get("recovery_point") or
                                                        settings.get("recovery_point"))
            except InputError as exc:
                batch.fail(ref.label, exc)
        if mode == "cleanup_test":
            return self._cleanup_test(batch, refs)
        if mode == "reverse":
            return self._reverse(batch, refs)
        if mode == "cancel":
            return self._cancel(batch, refs, settings)
        nmap = NetworkMap.from_params(settings.get("network_map"))
        planner = settings.get("reip")
        if mode == "test":
            nmap.check_test_apart_from_live()
        needs_source = mode == "planned" or planner is not None or (mode == "test" and nmap.test) or \
            (mode in ("planned", "unplanned") and nmap.live)
        source_read = {}
        if mode == "planned":
            source_read, dummy = self._read(batch, refs, "source", nics=True)
        elif needs_source or mode == "unplanned":
            entries = self._entries(batch, refs)
            data, dummy = self.optional_run("source", "read source VMs", scripts.READ,
                                            {"vms": entries, "nics": True, "check": True})
            if data is not None:
                for item in data.get("vms") or []:
                    if item.get("ok"):
                        source_read[refs[item["i"]].label] = item.get("data") or {}
        self._place(batch, "target", self._entries(batch, refs))
        extra = {}
        reip_raw = {}
        for ref in refs:
            label = ref.label
            if batch[label].failed:
                continue
            src = source_read.get(label)
            switches, tgt_name = self._switches("target", label), self.host_of("target", label).name
            extra[label] = {"point": points.get(label)}
            if mode == "unplanned" and src and not settings.get("allow_source_running"):
                repl = src.get("replication") or {}
                if (src.get("vm") or {}).get("power_state") == "Running" and repl.get("mode") == "Primary":
                    batch.fail(label, VmdrError("the source VM still runs at the protected site", vm=label,
                                                site=self.host_of("source", label).name, step="check source",
                                                hint="Use mode=planned, stop the source, or set "
                                                     "allow_source_running=true"))
                    continue
            if needs_source and src is None and (planner is not None or nmap.live or (mode == "test" and nmap.test)):
                batch.fail(label, VmdrError("the source VM could not be read, so its networks and addresses are "
                                            "unknown", vm=label, site=self.host("source", required=False).name
                                            if self.host("source", required=False) else None,
                                            step="read source VMs",
                                            hint="Run without network_map/reip, or stage them beforehand with "
                                                 "network_map and reip while the source site is up"))
                continue
            nics = (src or {}).get("nics")
            if ((src or {}).get("replication") or {}).get("mode") == "Replica":
                continue  # already failed over and reversed: nothing to plan
            if mode in ("planned", "unplanned") and nmap.live:
                plan = self._switch_plan(batch, label, nics, nmap, "live", switches, tgt_name, False)
                if plan is None:
                    continue
                extra[label]["live"] = plan
            if mode == "test" and nmap.test:
                plan = self._switch_plan(batch, label, nics, nmap, "test", switches, tgt_name, False)
                if plan is None:
                    continue
                extra[label]["test"] = plan
            if planner is not None:
                plan, raw = self._reip_plan(batch, label, nics, planner, tgt_name)
                if plan is None:
                    continue
                extra[label]["reip"] = plan
                reip_raw[label] = raw
        self._check_overlap(batch, reip_raw)
        if mode == "test":
            return self._test(batch, refs, extra, settings, started, reip_raw)
        if mode == "planned":
            todo = [ref.label for ref in refs if not batch[ref.label].failed and
                    ((source_read.get(ref.label) or {}).get("replication") or {}).get("mode") == "Primary"]
            self._ensure_servers("source", self._pairs(todo, "source", "target"), "prepare reverse replication")
            prim, dummy = self._run_each(batch, refs, "source", "prepare failover", scripts.PLANNED_PRIMARY,
                                         {"force_power_off": bool(settings.get("force_power_off"))}, labels=set(todo))
            for label, data in prim.items():
                if data.get("changed"):
                    batch[label].changed = True
        payload = {"mode": mode, "power_on": bool(settings.get("power_on", True)),
                   "commit": bool(settings.get("commit"))}
        entries = []
        for entry in self._entries(batch, refs):
            entry.update(extra.get(entry["label"]) or {})
            entries.append(entry)
        if not entries:
            return batch
        done, dummy = self._run_grouped(batch, refs, "target", "%s failover" % mode, scripts.FAILOVER_REPLICA, payload,
                                        entries)
        waiting = {}
        for label, got in done.items():
            item = batch[label]
            item.changed = item.changed or bool(got.get("changed"))
            item.before = got.get("before")
            item.after = got.get("after")
            vm = got.get("vm") or {}
            item.details["recovered_vm"] = {"name": vm.get("name"), "id": vm.get("id"),
                                            "power_state": vm.get("power_state")}
            item.details["networks"] = [{"index": n["index"], "network": n.get("switch")} for n in got.get("nics") or []]
            point_details(item, got.get("point"), mode)
            if label in reip_raw:
                item.details["reip"] = reip_raw[label]
            if settings.get("power_on", True) and settings.get("wait_ready", True) and item.changed and \
                    not self.check_mode:
                if self._ready(vm):
                    item.details["time_to_ready_seconds"] = round(time.time() - started, 1)
                else:
                    waiting[label] = vm.get("name") or label
        if waiting:
            self._wait_ready(batch, refs, waiting, settings.get("ready_timeout") or 600, started)
        return batch

    def _test(self, batch, refs, extra, settings, started, reip_raw):
        entries = []
        for entry in self._entries(batch, refs):
            entry.update(extra.get(entry["label"]) or {})
            entries.append(entry)
        if not entries:
            return batch
        # without a test map the staged TestReplicaSwitchName is used; it must be isolated too
        staged = set(e["label"] for e in entries if not e.get("test"))
        read = self._read(batch, refs, "target", nics=True, labels=staged)[0] if staged else {}
        for entry in entries:
            label = entry["label"]
            if entry.get("test") or label not in read:
                continue
            host, switches = self.host_of("target", label), self._switches("target", label)
            for nic in read[label].get("nics") or []:
                staged = nic.get("test_switch")
                if not staged and nic.get("switch"):
                    batch.fail(label, InputError("no test network is staged for NIC %s and none was given" % nic["index"],
                                                 vm=label, site=host.name, step="map networks",
                                                 hint="Set network_map.test, or stage one with the network_map module"))
                    break
                if staged and switches.get(staged) == "External":
                    batch.fail(label, InputError("staged test switch '%s' is External" % staged, vm=label,
                                                 site=host.name, step="map networks",
                                                 hint="Use a Private or Internal switch for test failovers"))
                    break
        entries = [e for e in entries if not batch[e["label"]].failed]
        if not entries:
            return batch
        done, dummy = self._run_grouped(batch, refs, "target", "test failover", scripts.TEST_FAILOVER,
                                        {"power_on": bool(settings.get("power_on", True))}, entries)
        waiting = {}
        for label, got in done.items():
            item = batch[label]
            item.changed = bool(got.get("changed"))
            item.before = {"test_vm": got.get("before")}
            after = got.get("after") or ({"name": label + TEST_SUFFIX, "power_state": "Running"}
                                         if self.check_mode else None)
            item.after = {"test_vm": after}
            item.details["test_vm"] = label + TEST_SUFFIX
            item.details["networks"] = [{"index": n["index"], "network": n.get("switch")} for n in got.get("nics") or []]
            point_details(item, got.get("point"), "test")
            if label in reip_raw:
                item.details["reip"] = reip_raw[label]
            if item.changed and settings.get("power_on", True) and settings.get("wait_ready", True) and \
                    not self.check_mode:
                if self._ready(got.get("after")):
                    item.details["time_to_ready_seconds"] = round(time.time() - started, 1)
                else:
                    waiting[label] = label + TEST_SUFFIX
        if waiting:
            self._wait_ready(batch, refs, waiting, settings.get("ready_timeout") or 600, started)
        return batch

    def _cleanup_test(self, batch, refs):
        results, dummy = self._run_each(batch, refs, "target", "clean up test failover", scripts.CLEANUP_TEST, {})
        for label, data in results.items():
            item = batch[label]
            item.changed = bool(data.get("changed"))
            item.details["removed"] = data.get("removed") or []
            item.before = {"test_vm": data.get("before")}
            item.after = {"test_vm": None}
        return batch

    def _reverse(self, batch, refs):
        read, dummy = self._read(batch, refs, "target")
        repl = dict((label, data.get("replication") or {}) for label, data in read.items())
        to_old_primary = [label for label, r in repl.items() if r.get("mode") == "Replica" and r.get("state") in FAILED_OVER]
        home = self._running_home(batch, refs, [label for label, r in repl.items()
                                                if r.get("mode") == "Replica" and r.get("state") not in FAILED_OVER])
        entries = self._place(batch, "source", self._entries(batch, refs, set(read) - home))
        facts = self._ensure_servers("source", self._pairs([e["label"] for e in entries], "source", "target"),
                                     "prepare reverse replication")
        for entry in entries:
            old_primary = self.host_of("source", entry["label"])
            auth, port = self._auth(facts[old_primary.hostname.lower()], old_primary.name)
            entry.update(peer=self.host_of("target", entry["label"]).hostname, replica_server=old_primary.hostname,
                         replica_port=port, auth=auth)
        old, dummy = self._run_grouped(batch, refs, "source", "make old primary a replica", scripts.REVERSE_OLD_PRIMARY,
                                       {}, [e for e in entries if e["label"] in to_old_primary])
        for label, data in old.items():
            batch[label].changed = bool(data.get("changed"))
        results, dummy = self._run_grouped(batch, refs, "target", "reverse replication", scripts.REVERSE_REPLICA, {},
                                           [e for e in entries if not batch[e["label"]].failed])
        for label, data in results.items():
            item = batch[label]
            item.changed = item.changed or bool(data.get("changed"))
            item.before = data.get("before")
            item.after = data.get("after")
        return batch

    def _running_home(self, batch, refs, labels):
        """Of ``labels`` (replicas at the target that are not failed over), those running as primaries at the source
        site already: failed back by an earlier, interrupted run. They are done (changed=false); the others go on
        and fail in the reverse step with what to do."""
        if not labels:
            return set()
        read, dummy = self._read(batch, refs, "source", labels=set(labels))
        home = set()
        for label, data in read.items():
            r, vm = data.get("replication") or {}, data.get("vm") or {}
            if r.get("mode") == "Primary" and vm.get("power_state") == "Running":
                home.add(label)
                batch[label].before = batch[label].after = {"mode": "Primary", "state": r.get("state")}
                batch[label].details["skipped"] = "the VM runs at site '%s' already" % self.host_of("source", label).name
        return home

    def _cancel(self, batch, refs, settings):
        """Stop-VMFailover: the replica (failed over, not committed) is turned off and replicates again; a primary
        left prepared by an interrupted planned failover replicates again and is started (power_on)."""
        results, dummy = self._run_each(batch, refs, "target", "cancel failover", scripts.CANCEL_REPLICA, {})
        for label, data in results.items():
            item = batch[label]
            item.changed = bool(data.get("changed"))
            item.before = data.get("before")
            item.after = data.get("after") if not self.check_mode else \
                dict(data.get("before") or {}, state="Replicating", power_state="Off") if item.changed else data.get("before")
        entries = self._entries(batch, refs)
        if not entries or self.host("source", required=False) is None:
            return batch
        data, dummy = self.optional_run("source", "cancel prepared failover", scripts.CANCEL_PRIMARY,
                                        {"vms": entries, "check": self.check_mode,
                                         "power_on": bool(settings.get("power_on", True))})
        if data is not None:
            for label, got in self._collect(batch, refs, self.host("source"), "cancel prepared failover",
                                            data).items():
                batch[label].changed = batch[label].changed or bool(got.get("changed"))
        return batch
