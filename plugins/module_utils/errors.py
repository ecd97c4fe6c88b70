# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors that name the VM, the site and the step, and say what to do next."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class VmdrError(Exception):
    """A failure a DR admin can act on.

    ``vm``, ``site`` and ``step`` locate the failure; ``hint`` says what to do.
    """

    def __init__(self, message, vm=None, site=None, step=None, hint=None, fault=None):
        super(VmdrError, self).__init__(message)
        self.message = message
        self.vm = vm
        self.site = site
        self.step = step
        self.hint = hint
        self.fault = fault

    def __str__(self):
        where = []
        if self.vm:
            where.append("VM '%s'" % self.vm)
        if self.site:
            where.append("site '%s'" % self.site)
        if self.step:
            where.append("step '%s'" % self.step)
        text = self.message
        if where:
            text = "%s: %s" % (", ".join(where), text)
        if self.hint:
            text = "%s. %s" % (text.rstrip("."), self.hint)
        return text

    def as_dict(self):
        out = {
            "vm": self.vm,
            "site": self.site,
            "step": self.step,
            "message": self.message,
            "hint": self.hint,
            "fault": self.fault,
        }
        problems = getattr(self, "problems", None)
        if problems:
            out["problems"] = problems  # a refusal of several problems: each with its vm, site, step and hint
        return out


class InputError(VmdrError):
    """Bad input found before anything was changed."""


class NotFoundError(VmdrError):
    """An object the caller named does not exist."""


class WaitTimeout(VmdrError):
    """A wait ran out of time."""
