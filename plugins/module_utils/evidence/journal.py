# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""events.jsonl: what the recorder was told, one JSON line per event, appended as the run goes.

Appending a line per step costs next to nothing at 1,000 VMs, where rendering the three files after every
step would not; a killed run keeps its journal, and ``replay`` rebuilds its report (status interrupted).
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

from ansible_collections.vmdr.replication.plugins.module_utils.evidence.recorder import RunRecorder
from ansible_collections.vmdr.replication.plugins.module_utils.evidence.writer import scrub, usable_secrets

FILE = "events.jsonl"
EVENTS = ("resume", "module_step", "readiness", "task_failed", "finish")


class Journal(object):
    def __init__(self, folder, secrets=()):
        self.path = os.path.join(folder, FILE)
        self.secrets = usable_secrets(secrets)
        if not os.path.isdir(folder):
            os.makedirs(folder)

    def append(self, event, **args):
        line = json.dumps(scrub({"event": event, "args": args}, self.secrets), sort_keys=True)
        with open(self.path, "a") as handle:
            handle.write(line + "\n")


class JournalRecorder(object):
    """A RunRecorder whose every input also goes to the journal."""

    def __init__(self, folder, secrets, context, plan, identity, started):
        self.journal = Journal(folder, secrets)
        self.journal.append("open", context=context, plan=plan, identity=identity, started=started)
        self.recorder = RunRecorder(context, plan=plan, identity=identity, started=started)

    def __getattr__(self, name):
        if name not in EVENTS:
            return getattr(self.recorder, name)
        method = getattr(self.recorder, name)

        def record(*args, **kwargs):
            if args:
                raise TypeError("journaled recorder calls take keyword arguments only")
            self.journal.append(name, **kwargs)
            return method(**kwargs)
        return record


def replay(path):
    """The recorder of a journal; a run whose journal has no finish is marked interrupted at its last event."""
    recorder, last_time = None, None
    with open(path) as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                if handle.read().strip():
                    raise ValueError("%s line %d is not JSON" % (path, number))
                break  # the last line was cut by the kill
            args = entry.get("args") or {}
            if entry.get("event") == "open":
                recorder = RunRecorder(args["context"], plan=args.get("plan"), identity=args.get("identity"),
                                       started=args.get("started"))
                last_time = args.get("started")
                continue
            if recorder is None or entry.get("event") not in EVENTS:
                raise ValueError("%s line %d: %s before the run was opened" % (path, number, entry.get("event")))
            getattr(recorder, entry["event"])(**args)
            last_time = args.get("finished") or args.get("at") or last_time
    if recorder is None:
        raise ValueError("%s holds no run" % path)
    if recorder.status == "running":
        recorder.finish(last_time, status="interrupted")
    return recorder
