# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per-VM outcomes of one batch step, and the module result built from them."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.errors import VmdrError


class VmResult(object):
    def __init__(self, name):
        self.name = name
        self.changed = False
        self.before = None
        self.after = None
        self.details = {}
        self.error = None

    @property
    def failed(self):
        return self.error is not None

    def as_dict(self):
        out = {"name": self.name, "changed": self.changed, "failed": self.failed}
        out.update(self.details)
        if self.after is not None:
            out["state"] = self.after
        if self.error is not None:
            out["error"] = self.error.as_dict()
        return out


class Batch(object):
    """Ordered VmResults keyed by VM label; a failed VM stays failed for the rest of the call."""

    def __init__(self, labels):
        self.order = list(labels)
        self.items = dict((label, VmResult(label)) for label in self.order)

    def __getitem__(self, label):
        return self.items[label]

    def active(self):
        return [label for label in self.order if not self.items[label].failed]

    def fail(self, label, error, site=None, step=None):
        if not isinstance(error, VmdrError):
            error = VmdrError(str(error), vm=label, site=site, step=step)
        if error.vm is None:
            error.vm = label
        if error.site is None:
            error.site = site
        if error.step is None:
            error.step = step
        self.items[label].error = error

    def fail_outcome(self, label, outcome, site, step):
        self.fail(label, VmdrError(outcome.error, vm=label, site=site, step=step, hint=outcome.hint,
                                   fault=outcome.fault))

    @property
    def changed(self):
        return any(r.changed for r in self.items.values())

    def failures(self):
        return [self.items[label] for label in self.order if self.items[label].failed]

    def results(self):
        return [self.items[label].as_dict() for label in self.order]

    def diff(self):
        before = dict((label, self.items[label].before) for label in self.order if self.items[label].changed)
        after = dict((label, self.items[label].after) for label in self.order if self.items[label].changed)
        return {"before": before, "after": after}
