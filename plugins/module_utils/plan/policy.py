# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replication policy: RPO, recovery points, quiescing, and their limits per provider."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import math

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError

# RPO limits in minutes. vSphere's copy engine follows vSphere Replication's range
# (5 min to 24 h, 15 min floor with guest quiescing); Hyper-V Replica only knows
# replication frequencies of 30 s, 5 min and 15 min.
RPO_LIMITS = {
    "vsphere": {"min": 5, "max": 1440, "min_quiesced": 15, "max_recovery_points": 24},
    "hyperv": {"min": 0.5, "max": 15, "min_quiesced": 0.5, "max_recovery_points": 24},
}
HYPERV_FREQUENCIES_SEC = (30, 300, 900)

POLICY_DEFAULTS = {"rpo": 15, "recovery_points": 3, "quiesce": False}


class ReplicationPolicy(object):
    """A validated policy; ``as_dict`` is what is recorded at the sites."""

    def __init__(self, rpo, recovery_points, quiesce):
        self.rpo = rpo
        self.recovery_points = recovery_points
        self.quiesce = quiesce

    @classmethod
    def from_params(cls, params, provider, vm=None):
        merged = dict(POLICY_DEFAULTS)
        merged.update(dict((k, v) for k, v in (params or {}).items() if v is not None))
        limits = RPO_LIMITS[provider]
        try:
            rpo = float(merged["rpo"])
            recovery_points = int(merged["recovery_points"])
        except (TypeError, ValueError):
            raise InputError("policy rpo and recovery_points must be numbers", vm=vm, step="validate policy")
        if math.isnan(rpo) or math.isinf(rpo):
            raise InputError("policy rpo must be a finite number of minutes, not %s" % merged["rpo"], vm=vm,
                             step="validate policy", hint="Set rpo to minutes, for example 15")
        quiesce = bool(merged["quiesce"])
        if rpo == int(rpo):
            rpo = int(rpo)
        floor = limits["min_quiesced"] if quiesce else limits["min"]
        if not floor <= rpo <= limits["max"]:
            raise InputError(
                "RPO %s min is out of range for provider %s (%s to %s min%s)"
                % (rpo, provider, floor, limits["max"], ", guest quiescing on" if quiesce else ""),
                vm=vm, step="validate policy",
                hint="Choose an RPO inside the range")
        if provider == "hyperv" and int(rpo * 60) not in HYPERV_FREQUENCIES_SEC:
            raise InputError(
                "Hyper-V Replica replicates every 30 s, 5 min or 15 min; RPO %s min is not one of them" % rpo,
                vm=vm, step="validate policy", hint="Use rpo 0.5, 5 or 15")
        if not 1 <= recovery_points <= limits["max_recovery_points"]:
            raise InputError(
                "recovery_points %s is out of range (1 to %s)" % (recovery_points, limits["max_recovery_points"]),
                vm=vm, step="validate policy")
        return cls(rpo, recovery_points, quiesce)

    def as_dict(self):
        return {"rpo": self.rpo, "recovery_points": self.recovery_points, "quiesce": self.quiesce}
