# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: evidence
type: notification
short_description: Write the evidence of a runbook run (report.json, junit.xml, report.html)
version_added: 0.2.0
author:
  - vmdr.replication maintainers (@vmdr-replication)
description:
  - Records, for every VM and every step of a vmdr.replication runbook, the start and end time, the result
    and the error; the recovery point used and its time; the achieved RPO (failover start minus recovery
    point time) and RTO (start of the run that recovered the VM to the VM being ready, readiness checks included)
    against the plan's targets; the plan's identity (file, SHA-256, git commit) and who ran it (user, AWX job).
  - The record starts when a play sets the fact C(vmdr_evidence) (every playbook of this collection does, with
    keys C(runbook), C(mode), C(run_id), C(plan_file) and C(report_dir)); plays that do not set it are ignored.
  - Writes C(report.json) (schema in docs/evidence.md), C(junit.xml) (one test case per VM, failing when the
    VM failed or missed its RTO or RPO target) and a self-contained C(report.html) into
    C(<report_dir>/<run_id>/) when the run starts and when it ends. In between it appends every event to
    C(events.jsonl) in the same folder, so a run that is killed still leaves its evidence;
    M(vmdr.replication.run_report) rebuilds the three files from it.
  - The playbooks of this collection load it on their own (from C(playbooks/callback_plugins)). To use it with
    your own playbooks (or from AWX, where a project playbook imports them), enable it in C(ansible.cfg) with
    C(callbacks_enabled = vmdr.replication.evidence) under C([defaults]).
  - A run with C(--check) is recorded as a check run (C(run.check_mode), result C(check) for the run and every VM,
    no figure measured), because it changed nothing and so reaches no verdict.
  - A rerun reports each VM that it found recovered already with the figures of the run that recovered it, taken
    from the journal of the latest earlier run of the same runbook and plan in the report dir, and names that run
    in C(run.resumed) when it was killed (docs/evidence.md, "Reruns after a killed or failed run").
  - The collection version comes from C(MANIFEST.json) of the installed collection, or C(galaxy.yml) in a source
    checkout.
  - Module arguments are never recorded, and every value of a variable whose name contains C(password),
    C(secret), C(token) or C(vault) is replaced by C(********) in all three files.
requirements:
  - PyYAML (already required by ansible-core) to read the recovery plan.
options:
  report_dir:
    description:
      - Folder for the run folders when the C(vmdr_evidence) fact gives none.
    type: path
    default: reports
    env:
      - name: VMDR_REPORT_DIR
    ini:
      - section: vmdr_evidence
        key: report_dir
'''

import getpass
import hashlib
import json
import os
import re
import socket
import subprocess
import time

from ansible import context as ansible_context
from ansible.plugins.callback import CallbackBase
from ansible.release import __version__ as ansible_version

from ansible_collections.vmdr.replication.plugins.module_utils.evidence.journal import JournalRecorder
from ansible_collections.vmdr.replication.plugins.module_utils.evidence import earlier_run, writer

try:
    import yaml
    HAS_YAML = True
except ImportError:
    HAS_YAML = False

COLLECTION = "vmdr.replication."
# the runbooks read their own journal at the end (set_stats); that contacts no site and is no step of the run
NOT_STEPS = (COLLECTION + "run_report",)
READINESS_TAG = "vmdr_readiness"
SECRET_NAME = re.compile(r"pass|secret|token|vault", re.I)
AWX_VARS = {"job_id": ("awx_job_id", "tower_job_id"), "job_template": ("awx_job_template_name",),
            "workflow_job_id": ("awx_workflow_job_id",), "launched_by": ("awx_user_name", "tower_user_name")}


def _plain(value):
    """Tagged or lazy values from Ansible as plain JSON-able Python."""
    if isinstance(value, dict):
        return dict((str(k), _plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)


def secret_values(variables, inherited=False):
    """Every string under a variable (or key) whose name says it holds a secret."""
    found = []
    if isinstance(variables, dict):
        for key, value in variables.items():
            found.extend(secret_values(value, inherited or bool(SECRET_NAME.search(str(key)))))
    elif isinstance(variables, (list, tuple)):
        for value in variables:
            found.extend(secret_values(value, inherited))
    elif inherited and variables is not None and not isinstance(variables, bool):
        try:
            found.append(str(variables))
        except Exception:  # an undecryptable vault value cannot leak either
            pass
    return found


def _git(plan_file):
    folder = os.path.dirname(os.path.abspath(plan_file))
    try:
        commit = subprocess.run(["git", "-C", folder, "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", folder, "status", "--porcelain", "--", os.path.abspath(plan_file)],
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": bool(dirty)} if commit else None


COLLECTION_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def _collection_version(root=COLLECTION_ROOT):
    """The version of this collection: MANIFEST.json (collection_info.version) of an installed collection, which
    has no galaxy.yml; galaxy.yml in a source checkout. None when neither can be read."""
    try:
        with open(os.path.join(root, "MANIFEST.json")) as handle:
            return str(json.load(handle)["collection_info"]["version"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        with open(os.path.join(root, "galaxy.yml")) as handle:
            version = (yaml.safe_load(handle) or {}).get("version")
        return str(version) if version is not None else None
    except Exception:  # no galaxy.yml either, or no PyYAML: the version is unknown, the run goes on
        return None


def _check_run():
    """Whether ansible-playbook runs with --check (a task's own check_mode: true is not a check run)."""
    try:
        return bool(ansible_context.CLIARGS.get("check"))
    except AttributeError:  # CLIARGS not set up (the callback used outside the ansible-playbook CLI)
        return False


def _action(task):
    return str(getattr(task, "resolved_action", None) or task.action or "")


def _is_vmdr(task):
    action = _action(task)
    return action.startswith(COLLECTION) and action not in NOT_STEPS


def _task_name(result):
    return str(getattr(result, "task_name", None) or result._task.get_name())


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "vmdr.replication.evidence"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._started = time.time()
        self._recorder = None
        self._folder = None
        self._secrets = []
        self._extra = {}
        self._task_started = {}

    # ------------------------------------------------------------ run context

    def v2_playbook_on_start(self, playbook):
        self._started = time.time()

    def v2_playbook_on_play_start(self, play):
        try:
            manager = play.get_variable_manager()
            self._extra = _plain(manager.extra_vars or {})
            self._secrets.extend(secret_values(manager.extra_vars or {}))
            self._secrets.extend(secret_values(play.vars or {}))
        except Exception as exc:  # evidence must never break a runbook
            self._display.warning("vmdr evidence: could not read the play's variables: %s" % exc)

    def _default_report_dir(self):
        try:
            return self.get_option("report_dir")
        except KeyError:  # loaded from playbooks/callback_plugins, where the options are not declared
            return os.environ.get("VMDR_REPORT_DIR") or "reports"

    def _open(self, context):
        context = _plain(context)
        context["check_mode"] = _check_run()
        report_dir = os.path.abspath(context.get("report_dir") or self._default_report_dir())
        self._folder = os.path.join(report_dir, str(context.get("run_id") or "run"))
        plan, identity = {}, {"user": getpass.getuser(), "controller": socket.gethostname(),
                              "versions": {"ansible_core": ansible_version, "vmdr_replication": _collection_version()}}
        plan_file = context.get("plan_file")
        if plan_file and os.path.isfile(plan_file):
            with open(plan_file, "rb") as handle:
                raw = handle.read()
            identity["plan_sha256"] = hashlib.sha256(raw).hexdigest()
            identity["git"] = _git(plan_file)
            if HAS_YAML:
                try:
                    plan = yaml.safe_load(raw) or {}
                except yaml.YAMLError as exc:
                    self._display.warning("vmdr evidence: the plan %s is not plain YAML (%s); VMs are taken from "
                                          "the module results only" % (plan_file, exc))
        awx = dict((key, next((self._extra[n] for n in names if self._extra.get(n) is not None), None))
                   for key, names in AWX_VARS.items())
        if awx["job_id"] is None and os.environ.get("JOB_ID"):
            awx["job_id"] = os.environ["JOB_ID"]
        identity["awx"] = awx if any(v is not None for v in awx.values()) else None
        if isinstance(plan, dict):
            self._secrets.extend(secret_values(plan))  # a plan included by a user's own playbook is not refused first
        plan = plan if isinstance(plan, dict) else {}
        self._recorder = JournalRecorder(self._folder, self._secrets, context, plan, identity, self._started)
        if not context["check_mode"]:
            self._resume(report_dir, context, plan, identity)
        self._save()

    def _resume(self, report_dir, context, plan, identity):
        """Hands the recorder the figures of the VMs the latest earlier run of this runbook and plan recovered."""
        try:
            path = earlier_run.find(report_dir, context, plan, identity, self._started)
            if path is not None:
                run, vms = earlier_run.figures(path)
                self._recorder.resume(run=run, vms=vms)
        except Exception as exc:  # evidence must never break a runbook
            self._display.warning("vmdr evidence: could not read the earlier runs in %s: %s" % (report_dir, exc))

    def _save(self):
        report = self._recorder.build()
        try:
            writer.write(self._folder, report, secrets=self._secrets)
        except Exception as exc:
            self._display.warning("vmdr evidence: could not write the report to %s: %s" % (self._folder, exc))
        return report

    # ------------------------------------------------------------ task results

    def v2_runner_on_start(self, host, task):
        self._task_started[task._uuid] = time.time()

    def v2_runner_on_ok(self, result):
        self._finished(result, failed=False)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._finished(result, failed=True, ignore_errors=ignore_errors)

    def v2_runner_on_unreachable(self, result):
        self._finished(result, failed=True)

    def v2_runner_on_skipped(self, result):
        self._task_started.pop(result._task._uuid, None)

    def v2_runner_item_on_ok(self, result):
        self._item(result, failed=False)

    def v2_runner_item_on_failed(self, result):
        self._item(result, failed=True)

    def v2_runner_item_on_skipped(self, result):
        self._task_started[result._task._uuid] = time.time()

    def _item(self, result, failed):
        """One loop item: a module call of a looped vmdr task (one per provider, say), or a readiness check."""
        if self._recorder is None:
            return
        if _is_vmdr(result._task):
            now = time.time()
            started = self._task_started.get(result._task._uuid, now)
            self._task_started[result._task._uuid] = now
            self._module_result(result, _plain(result._result), started, now, failed)
        else:
            self._readiness_item(result)

    def _readiness_item(self, result):
        if self._recorder is None or READINESS_TAG not in (result._task.tags or []):
            return
        item = _plain(result._result)
        loop_item = item.get("item") if isinstance(item.get("item"), dict) else {}
        entry = {"vm": item.get("vm") or loop_item.get("vm") or loop_item.get("name"),
                 "check": item.get("check") or loop_item.get("check"),
                 "passed": item.get("passed", not item.get("failed")),
                 "elapsed_seconds": item.get("elapsed_seconds", item.get("elapsed")),
                 "message": item.get("message") or item.get("msg") or ""}
        self._recorder.readiness(task=_task_name(result), at=time.time(), item=entry)

    def _finished(self, result, failed, ignore_errors=False):
        now = time.time()
        task = result._task
        started = self._task_started.pop(task._uuid, now)
        res = result._result
        facts = res.get("ansible_facts") or {}
        if not failed and isinstance(facts.get("vmdr_evidence"), dict):
            self._open(facts["vmdr_evidence"])
            return
        if self._recorder is None:
            return
        name = _task_name(result)
        if _is_vmdr(task):
            res = _plain(res)
            if "results" not in res:  # a looped task was recorded item by item
                self._module_result(result, res, started, now, failed)
            calls = res["results"] if isinstance(res.get("results"), list) else [res]
            if failed and not ignore_errors and not any(isinstance(c, dict) and c.get("vms") for c in calls):
                messages = [str(c.get("msg")) for c in calls if isinstance(c, dict) and c.get("failed")]
                self._recorder.task_failed(task=name, at=now,
                                           message="; ".join(messages) or str(res.get("msg") or "failed"))
        elif READINESS_TAG in (task.tags or []):
            if "results" not in res:  # a looped task reported its checks item by item
                res = _plain(res)
                for item in res.get("checks") or [res]:
                    self._recorder.readiness(task=name, at=now, item=item)
            if failed and not ignore_errors:
                self._recorder.task_failed(task=name, at=now, message=str(res.get("msg") or "readiness check failed"))
        elif failed and not ignore_errors:
            self._recorder.task_failed(task=name, at=now, message=str(_plain(res).get("msg") or "failed"))

    def _module_result(self, result, res, started, now, failed):
        task = result._task
        action = _action(task)
        mode = ((res.get("invocation") or {}).get("module_args") or {}).get("mode")
        status = "failed" if failed else ("changed" if res.get("changed") else "ok")
        vms = res.get("vms") if isinstance(res.get("vms"), list) else []
        self._recorder.module_step(task=_task_name(result), module=action[len(COLLECTION):], mode=mode,
                                   started=started, finished=now, status=status, vm_results=vms,
                                   message=res.get("msg") if failed else None)

    def v2_playbook_on_stats(self, stats):
        if self._recorder is None:
            return
        self._recorder.finish(at=time.time())
        report = self._save()
        self._display.display("Run evidence (%s): %s" % (report["run"]["result"],
                                                         os.path.join(self._folder, "report.html")))
