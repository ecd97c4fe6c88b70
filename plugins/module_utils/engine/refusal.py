# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Refusal semantics, the same on every provider.

An input problem (a bad option, a plan typo, an impossible address, a VM that is not a replica, a recovery point that
does not exist) refuses the WHOLE call before anything changes, and the refusal lists every problem found, each naming
its VM, site and step. A runtime problem (a task that fails, a host that stops answering) fails only its VM.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmdr.replication.plugins.module_utils.errors import InputError, VmdrError


class Problems(object):
    """Collects the problems of a validation pass; ``refuse`` raises one InputError listing them all."""

    def __init__(self):
        self.items = []

    def add(self, error, vm=None, site=None, step=None, hint=None):
        if not isinstance(error, VmdrError):
            error = InputError(str(error), vm=vm, site=site, step=step, hint=hint)
        for attr, value in (("vm", vm), ("site", site), ("step", step), ("hint", hint)):
            if getattr(error, attr) is None and value is not None:
                setattr(error, attr, value)
        self.items.append(error)
        return error

    def extend(self, errors, vm=None, site=None, step=None):
        for error in errors or []:
            self.add(error, vm=vm, site=site, step=step)

    def check(self, fn, *args, **kwargs):
        """Runs ``fn``; an InputError it raises is recorded (returns None) instead of ending the validation."""
        vm, site, step = kwargs.pop("vm", None), kwargs.pop("site", None), kwargs.pop("step", None)
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            self.add(exc, vm=vm, site=site, step=step)
            return None
        except VmdrError as exc:  # NotFoundError and the like found while validating are input problems too
            self.add(InputError(exc.message, vm=exc.vm or vm, site=exc.site or site, step=exc.step or step,
                                hint=exc.hint, fault=exc.fault))
            return None

    def vms(self):
        return sorted(set(e.vm for e in self.items if e.vm))

    def __bool__(self):
        return bool(self.items)

    __nonzero__ = __bool__

    def refuse(self):
        """Raises the refusal when there is any problem; nothing has changed at that point."""
        if not self.items:
            return
        if len(self.items) == 1:
            raise self.items[0]
        first = self.items[0]
        listed = "; ".join(str(e) for e in self.items)
        error = InputError("%d problems, nothing was changed: %s" % (len(self.items), listed), vm=first.vm,
                           site=first.site, step=first.step,
                           hint="Fix every problem listed, then run again")
        error.problems = [e.as_dict() for e in self.items]
        raise error


def refuse_all(errors):
    """Raises one refusal for ``errors`` (a list of VmdrError), if any."""
    problems = Problems()
    problems.extend(errors)
    problems.refuse()
