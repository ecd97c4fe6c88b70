"""Every scenario of the contract on every provider, through the real modules against the lab."""
import pytest

from tests.contract.scenarios import SCENARIOS


def _run(site, call, names):
    args = call.args(site, names)
    if call.before is not None:
        call.before(site, names)
    truth_before = dict((i, site.truth(name)) for i, name in enumerate(names))
    result = site.module(call.module, args, check=call.check_mode, diff=call.diff, back=call.back)
    where = "%s %s on %s" % (call.module, args.get("mode", ""), site.name)
    failures = dict((vm["name"], vm) for vm in result.get("vms") or [] if vm.get("failed"))
    if call.expect == "ok":
        assert not result.get("failed"), (where, result)
    elif call.expect == "refused":
        assert result.get("failed") and not result.get("changed"), (where, result)
        error = result.get("error") or {}
        assert error.get("step"), (where, "a refusal names its step", result)
        for i, name in enumerate(names):
            assert site.truth(name) == truth_before[i], (where, "a refusal changes nothing", name)
    elif call.expect == "vm_failed":
        assert result.get("failed"), (where, result)
        assert sorted(failures) == sorted(names[i] for i in call.failed_vms), (where, result)
        for vm in failures.values():
            assert vm["error"]["vm"] and vm["error"]["site"] and vm["error"]["step"], (where, vm)
    for text in call.msg:
        assert text in result.get("msg", ""), (where, text, result.get("msg"))
    if call.changed is not None:
        assert result.get("changed") is call.changed, (where, "changed", result)
    for vm in result.get("vms") or []:
        if vm.get("failed"):
            continue
        for key in call.keys:
            assert key in vm, (where, "per-VM key %s" % key, vm)
    for index, wanted in call.truth.items():
        seen = site.truth(names[index])
        assert dict((k, seen[k]) for k in wanted) == wanted, (where, names[index], seen)
    if call.check is not None:
        call.check(site, names, result)
    return result


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_contract(site, scenario):
    names = site.fresh_vms(scenario.vms)
    for call in scenario.calls:
        _run(site, call, names)
