# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The interface every hypervisor provider implements; modules only talk to this."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError

FAILOVER_MODES = ("test", "cleanup_test", "planned", "unplanned", "reverse")


class ReplicationProvider(object):
    """One instance per module call; it opens at most one session per site and closes them in ``close``.

    Every operation takes the parsed VM list (``VmRef``s) and returns a ``Batch`` of per-VM results,
    with ``changed``, ``before``/``after`` for diff, and nothing changed when ``check_mode`` is set.
    """

    name = None
    default_options = {}
    # initial replication methods and settings this provider offers (replica_enable refuses the others)
    initial_methods = ("now", "seed", "defer")
    initial_options = ()
    # whether an unplanned failover can be left uncommitted and cancelled (failover mode=cancel)
    supports_cancel = False
    # whether test failover takes the per-VM key ``wave`` (later waves prepared while earlier ones start)
    supports_waves = False

    def __init__(self, source=None, target=None, options=None, check_mode=False, warn=None):
        self.source_params = source
        self.target_params = target
        self.options = dict(self.default_options)
        self.options.update(dict((k, v) for k, v in (options or {}).items() if v is not None))
        self.check_mode = check_mode
        self.warnings = []
        self._warn = warn
        self._sites = {}

    def site(self, role, required=True):
        """The open site for ``role`` ('source' or 'target'), opened once per module call; None when it is
        optional and not given. Refuses a target that is the source site."""
        if role not in self._sites:
            params = self.site_params(role, required)
            if params is None:
                return None
            self._sites[role] = self.open_site(role, params)
            if "source" in self._sites and "target" in self._sites:
                self.check_distinct(self._sites["source"], self._sites["target"])
        return self._sites[role]

    def open_site(self, role, params):
        raise NotImplementedError

    def check_distinct(self, source, target):
        """Raises InputError when ``source`` and ``target`` are the same site."""
        raise NotImplementedError

    def site_params(self, role, required=True):
        """Connection options of the ``source`` or ``target`` site; None (or an error) when not given."""
        params = self.source_params if role == "source" else self.target_params
        if not params or not params.get("hostname"):
            if not required:
                return None
            raise InputError("the %s site is needed for this step but no %s.hostname was given" % (role, role),
                             step="connect", hint="Set %s (or the VMDR_%s_* environment variables)"
                             % (role, role.upper()))
        return params

    def warn(self, text):
        self.warnings.append(text)
        if self._warn is not None:
            self._warn(text)

    def info(self, refs):
        raise NotImplementedError

    def enable(self, refs, state, policy, placement, initial_replication, network_map, delete_replica):
        raise NotImplementedError

    def sync(self, refs, when, wait_within_rpo):
        raise NotImplementedError

    def map_networks(self, refs, network_map, mode):
        raise NotImplementedError

    def reip(self, refs, planner):
        raise NotImplementedError

    def failover(self, refs, mode, settings):
        raise NotImplementedError

    # ---- the engine's failover operations (engine/failover.py drives them in its order) -----------------
    # Each takes the RunContext of ``failover_context`` and a list of VM labels, acts on all of them in bulk
    # (one call per site or host), and returns {label: engine.chain.Outcome}. They never decide the order, never
    # raise for one VM's failure, and change nothing in check mode (the engine does not call them then).

    def failover_context(self, batch, refs, mode, settings):
        """Bulk read of both sites for ``mode``; fills ctx.vms, ctx.done, ctx.wait_for. No change."""
        raise NotImplementedError

    def failover_problems(self, ctx, problems):
        """Adds every input problem found (engine.refusal.Problems.add) for every VM; no change."""
        raise NotImplementedError

    def describe(self, ctx, batch):
        """Sets before/after/changed of each VM as the call would leave it (what check mode reports)."""
        raise NotImplementedError

    def stop_sources(self, ctx, labels):
        raise NotImplementedError

    def start_sources(self, ctx, labels):
        raise NotImplementedError

    def final_sync(self, ctx, labels):
        raise NotImplementedError

    def undo_final_sync(self, ctx, labels):
        raise NotImplementedError

    def confirm_sources_off(self, ctx, labels):
        raise NotImplementedError

    def fence_sources(self, ctx, labels):
        raise NotImplementedError

    def unfence_sources(self, ctx, labels):
        raise NotImplementedError

    def promote_replicas(self, ctx, labels):
        raise NotImplementedError

    def demote_replicas(self, ctx, labels):
        raise NotImplementedError

    def start_replicas(self, ctx, labels):
        raise NotImplementedError

    def poll_ready(self, ctx, labels):
        """{label: {"power", "agent", "addresses", "expected"}} in one bulk read (engine.readiness)."""
        raise NotImplementedError

    def finish(self, ctx, batch):
        """Details added after the chain (recovery point used, achieved RPO, recovered VM identity)."""

    def close(self):
        raise NotImplementedError


def get_provider(name):
    if name == "vsphere":
        from ansible_collections.vmdr.replication.plugins.module_utils.providers.vsphere.provider import (
            VsphereProvider)
        return VsphereProvider
    if name == "hyperv":
        from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv.provider import (
            HypervProvider)
        return HypervProvider
    raise ValueError("unknown provider %r" % name)
