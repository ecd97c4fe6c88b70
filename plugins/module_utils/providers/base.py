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
