# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The thin shell around every module: parse, open the provider, run one batch operation, report."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.vmdr.replication.plugins.module_utils.errors import VmdrError
from ansible_collections.vmdr.replication.plugins.module_utils.common.argument_spec import common_spec
from ansible_collections.vmdr.replication.plugins.module_utils.common import bounds, site_checks
from ansible_collections.vmdr.replication.plugins.module_utils.engine.refusal import Problems
from ansible_collections.vmdr.replication.plugins.module_utils.plan.vm_refs import parse_vms
from ansible_collections.vmdr.replication.plugins.module_utils.providers.base import get_provider
from ansible_collections.vmdr.replication.plugins.module_utils.clients import vsphere_session, winrm_runner

LIBRARIES = {"vsphere": [("pyvmomi", lambda: vsphere_session.HAS_PYVMOMI)],
             "hyperv": [("pywinrm", lambda: winrm_runner.HAS_PYWINRM)]}


class VmdrModule(object):
    def __init__(self, argument_spec, vm_options=(), all_vms_when_empty=False, **kwargs):
        spec = common_spec()
        spec.update(argument_spec)
        self.module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **kwargs)
        self.params = self.module.params
        self.vm_options = vm_options
        for lib, present in LIBRARIES.get(self.params["provider"], []):
            if not present():
                self.module.fail_json(msg=missing_required_lib(lib))
        problems = Problems()
        problems.extend(bounds.problems(self.params))
        if not self.params.get("vms") and not all_vms_when_empty:
            problems.add("no VMs given: vms is empty, so there is nothing to act on", step="validate vms",
                         hint="List the VMs in vms (a plan's group with no VMs gives an empty list)")
        for role in ("source", "target"):
            problems.extend(site_checks.problems(role, self.params.get(role)))
            warning = site_checks.warnings(role, self.params.get(role))
            if warning:
                self.module.warn(warning)
        try:
            problems.refuse()
        except VmdrError as exc:
            self.module.fail_json(msg=str(exc), error=exc.as_dict(), changed=False)

    def refs(self):
        if not self.params.get("vms"):
            return []
        return parse_vms(self.params["vms"], self.vm_options)

    def provider(self):
        cls = get_provider(self.params["provider"])
        return cls(source=self.params.get("source"), target=self.params.get("target"),
                   options={"timeout": self.params["timeout"],
                            "max_concurrent_tasks": self.params["max_concurrent_tasks"]},
                   check_mode=self.module.check_mode, warn=self.module.warn)

    def run(self, operation):
        """``operation(provider, refs)`` returns a Batch (or a dict to return as is)."""
        provider = None
        try:
            refs = self.refs()
            provider = self.provider()
            outcome = operation(provider, refs)
        except VmdrError as exc:
            self.module.fail_json(msg=str(exc), error=exc.as_dict(), changed=False)
        finally:
            if provider is not None:
                provider.close()
        if isinstance(outcome, dict):
            self.module.exit_json(**outcome)
        self.exit_batch(outcome)

    def exit_batch(self, batch):
        result = {"changed": batch.changed, "vms": batch.results()}
        if self.module._diff:
            result["diff"] = batch.diff()
        failures = batch.failures()
        if failures:
            result["msg"] = "%d of %d VMs failed: %s" % (len(failures), len(batch.order),
                                                         "; ".join(str(f.error) for f in failures))
            self.module.fail_json(**result)
        self.module.exit_json(**result)
