# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Recovery waves inside one task run: a wave's VMs are powered on only once every VM of the wave before is
ready, while the copies of later waves are already being prepared (copied, created, customized).

One gate per wave after the first holds back the power-on step of that wave's chains. A thread waits for
each wave's chains to end, waits for that wave's readiness, then opens the next gate, or closes every later
gate when a VM of the wave failed, so their VMs end "not started" and are never powered on.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading

from ansible_collections.vmdr.replication.plugins.module_utils.clients.vsphere_tasks import Gate


class WaveStarter(object):
    """``waves``: lists of labels, lowest first; ``chained``: labels that have a task chain;
    ``on_chain_done(label, outcome)`` books a chain's end; ``await_wave(labels)`` waits for readiness and
    returns the labels of the wave that failed."""

    def __init__(self, waves, chained, on_chain_done, await_wave, gated=True):
        self.waves = waves
        self.gates = [Gate() for _wave in waves[1:]] if gated else []
        self.on_chain_done = on_chain_done
        self.await_wave = await_wave
        self.lock = threading.Lock()
        self.pending = [set(label for label in labels if label in chained) for labels in waves]
        self.ended = [threading.Event() for _wave in waves]
        self.wave_of = dict((label, index) for index, labels in enumerate(waves) for label in labels)
        for index, pending in enumerate(self.pending):
            if not pending:
                self.ended[index].set()
        self.thread = threading.Thread(target=self._run, name="vmdr-waves")
        self.thread.daemon = True

    def gate(self, label):
        index = self.wave_of[label]
        return self.gates[index - 1] if index and self.gates else None

    def start(self):
        self.thread.start()

    def chain_done(self, label, outcome):
        self.on_chain_done(label, outcome)
        index = self.wave_of[label]
        with self.lock:
            self.pending[index].discard(label)
            if not self.pending[index]:
                self.ended[index].set()

    def finish(self, outcomes):
        """After the task run: book chains it ended without calling back (timeouts), then wait for the thread."""
        for label, outcome in outcomes.items():
            if label in self.pending[self.wave_of[label]]:
                self.chain_done(label, outcome)
        self.thread.join()

    def _run(self):
        for index, labels in enumerate(self.waves):
            self.ended[index].wait()
            failed = self.await_wave(labels)
            if index >= len(self.gates):
                continue
            if failed:
                reason = "not started: VMs of an earlier wave failed (%s)" % ", ".join(failed[:5])
                for gate in self.gates[index:]:
                    gate.close(reason)
                # later waves are still booked as their chains end at the closed gate
                continue
            self.gates[index].open()
