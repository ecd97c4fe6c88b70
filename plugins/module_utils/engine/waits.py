# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one wait of the collection: poll many VMs in bulk until each is accepted, refused or out of time.

Waiters are data (as botocore's): a ``Waiter`` names what it waits for, its poll delay and its acceptor, a function
of one VM's polled state returning SUCCESS, FAILURE (with a reason) or RETRY. Every wait has a deadline; a VM still
pending at the deadline fails with a WaitTimeout that says what was last seen.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import time

from ansible_collections.vmdr.replication.plugins.module_utils.errors import VmdrError, WaitTimeout

SUCCESS, FAILURE, RETRY = "success", "failure", "retry"


class Waiter(object):
    def __init__(self, name, acceptor, delay=1.0, describe=None):
        self.name = name
        self.acceptor = acceptor  # state -> (SUCCESS|FAILURE|RETRY, reason or None)
        self.delay = delay
        self.describe = describe or repr


def wait(waiter, labels, poll, timeout, site=None, step=None, clock=time.time, sleep=time.sleep, started=None):
    """``poll(pending_labels) -> {label: state}`` in one bulk read per round.

    Returns {label: (state, error or None, seconds waited)}; never raises for a VM's outcome. A poll that raises is
    retried until the deadline (the read may be transient); its last error is reported for VMs still pending."""
    if timeout is None or timeout < 0:
        raise ValueError("a wait needs a deadline (timeout >= 0), got %r" % (timeout,))
    start = clock() if started is None else started
    deadline = clock() + timeout
    pending = list(labels)
    seen, out, poll_error = {}, {}, None
    step = step or waiter.name
    while pending:
        try:
            states = poll(list(pending)) or {}
            poll_error = None
        except VmdrError as exc:
            states, poll_error = {}, exc
        for label in list(pending):
            if label not in states:
                continue
            seen[label] = states[label]
            verdict, reason = waiter.acceptor(states[label])
            if verdict == SUCCESS:
                out[label] = (states[label], None, round(clock() - start, 1))
                pending.remove(label)
            elif verdict == FAILURE:
                out[label] = (states[label], VmdrError(reason, vm=label, site=site, step=step),
                              round(clock() - start, 1))
                pending.remove(label)
        if not pending:
            break
        if clock() + waiter.delay > deadline:
            break
        sleep(waiter.delay)
    for label in pending:
        last = waiter.describe(seen[label]) if label in seen else "nothing could be read"
        if poll_error is not None:
            last = "%s; last read failed: %s" % (last, poll_error)
        out[label] = (seen.get(label), WaitTimeout("not %s within %ss (last seen: %s)" % (waiter.name, timeout, last),
                                                   vm=label, site=site, step=step,
                                                   hint="Check the VM at the site; raise the timeout if it is slow"),
                      round(clock() - start, 1))
    return out
