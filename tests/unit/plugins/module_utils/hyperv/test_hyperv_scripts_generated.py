"""The Python that carries the Hyper-V PowerShell is generated from the .ps1 files (tools/gen_hyperv_scripts.py): one
small module per .ps1 in providers/hyperv/steps/ and the index scripts.py. The .ps1 files follow one form: advanced
functions with typed parameters, check mode as -WhatIf, every change inside if ($PSCmdlet.ShouldProcess(...))."""
import importlib.util
import os
import re

import pytest

from ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv import scripts

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", ".."))
HYPERV = os.path.join(ROOT, "plugins", "module_utils", "providers", "hyperv")
SOURCES = os.path.join(HYPERV, "powershell")
MAX_LINES = 400  # no file under plugins/ longer than this


def load_generator():
    spec = importlib.util.spec_from_file_location("gen_hyperv_scripts", os.path.join(ROOT, "tools", "gen_hyperv_scripts.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = load_generator()
ENTRIES = gen.load(SOURCES)
STEPS = [entry for entry in ENTRIES if entry["constant"] != "FUNCTIONS"]


def read(name):
    with open(os.path.join(SOURCES, name)) as handle:
        return handle.read()


def test_the_generated_modules_are_what_the_generator_writes_from_the_ps1_files():
    assert gen.stale(ENTRIES) == [], "the generated modules are stale; run make scripts"
    assert gen.stale_module(ENTRIES, scripts) == [], "the imported index differs from the .ps1 files"
    rendered = dict(gen.render(ENTRIES))
    for path, text in rendered.items():
        with open(os.path.join(ROOT, path)) as handle:
            assert handle.read() == text, "%s differs from the generator's output; run make scripts" % path
    # one module per .ps1, the empty package marker and the index; the Step class (steps/step.py) is written by hand
    assert len(rendered) == len(ENTRIES) + 2
    assert os.path.join(gen.STEPS_DIR, "step.py") not in rendered and gen.GENERATED not in open(os.path.join(
        ROOT, gen.STEPS_DIR, "step.py")).read()
    assert rendered[os.path.join(gen.STEPS_DIR, "__init__.py")] == ""  # ansible-test sanity: empty-init


def test_each_generated_module_is_small_and_the_index_imports_them_all():
    for path, text in gen.render(ENTRIES):
        assert text.count("\n") < MAX_LINES, "%s has %d lines" % (path, text.count("\n"))
    index = dict(gen.render(ENTRIES))[gen.INDEX]
    for entry in ENTRIES:
        module = gen.module_name(os.path.splitext(entry["source"])[0])
        assert "%s = %s.%s\n" % (entry["constant"], module, entry["constant"]) in index
    assert gen.module_name("Read-VMPowerState") == "read_vm_power_state"
    assert gen.module_name("VmdrFunctions") == "vmdr_functions"
    assert scripts.READ is getattr(importlib.import_module(
        "ansible_collections.vmdr.replication.plugins.module_utils.providers.hyperv.steps.read_replica_state"), "READ")


def test_every_file_of_the_hyperv_provider_is_under_the_line_limit():
    for folder, dummy, names in os.walk(HYPERV):
        for name in names:
            if name.endswith((".py", ".ps1")):
                with open(os.path.join(folder, name)) as handle:
                    count = handle.read().count("\n")
                assert count < MAX_LINES, "%s has %d lines" % (os.path.relpath(os.path.join(folder, name), ROOT), count)


def test_staleness_names_the_ps1_that_changed():
    edited = [dict(entry) for entry in ENTRIES]
    target = [entry for entry in edited if entry["source"] == "Read-ReplicaState.ps1"][0]
    target["text"] = target["text"].replace("$refs", "$references")
    functions = [entry for entry in edited if entry["constant"] == "FUNCTIONS"][0]
    functions["text"] += "\n"
    flipped = [entry for entry in edited if entry["source"] == "Sync-Replication.ps1"][0]
    flipped["read_only"] = True
    assert gen.stale(edited) == ["VmdrFunctions.ps1", "Read-ReplicaState.ps1", "Sync-Replication.ps1"]
    assert gen.stale_module(edited, scripts) == ["VmdrFunctions.ps1", "Read-ReplicaState.ps1", "Sync-Replication.ps1"]
    gone = [entry for entry in ENTRIES if entry["constant"] != "POWER"]
    assert gen.stale(gone) == ["scripts.py", "steps/read_vm_power_state.py (its .ps1 is no longer in powershell/)"]
    assert gen.stale_module(gone, scripts) == ["POWER (Read-VMPowerState.ps1, no longer in powershell/)"]


def test_writing_replaces_changed_modules_and_removes_the_ones_whose_ps1_is_gone(tmp_path, monkeypatch):
    monkeypatch.setattr(gen, "ROOT", str(tmp_path))
    written = gen.write(ENTRIES)
    assert len(written) == len(ENTRIES) + 2 and gen.stale(ENTRIES) == []
    steps = tmp_path / gen.STEPS_DIR
    (steps / "old_step.py").write_text(gen.header("from powershell/Old-Step.ps1") + "OLD = 1\n")
    (steps / "helper.py").write_text("# written by hand: not the generator's to remove\n")
    assert gen.stale(ENTRIES) == ["steps/old_step.py (its .ps1 is no longer in powershell/)"]
    assert gen.write(ENTRIES) == ["removed %s" % os.path.join(gen.STEPS_DIR, "old_step.py")]
    assert not (steps / "old_step.py").exists() and (steps / "helper.py").exists()
    assert gen.write(ENTRIES) == [] and gen.main(["--check"]) == 0


def test_every_constant_the_provider_code_uses_is_a_step():
    used = set()
    for name in os.listdir(HYPERV):
        if name.endswith(".py") and name != "scripts.py":
            with open(os.path.join(HYPERV, name)) as handle:
                used.update(re.findall(r"\bscripts\.([A-Z][A-Z_]+)\b", handle.read()))
    assert used, "no provider module uses scripts"
    assert used - {"FUNCTIONS"} <= set(entry["constant"] for entry in STEPS)
    assert isinstance(scripts.FUNCTIONS, str) and "function Invoke-VmdrEach" in scripts.FUNCTIONS
    for entry in STEPS:
        step = getattr(scripts, entry["constant"])
        assert isinstance(step, str) and step in scripts.STEPS and step.source == entry["source"]


def test_read_only_is_true_exactly_for_the_steps_that_change_nothing():
    read_only = set(entry["constant"] for entry in STEPS if entry["read_only"])
    assert read_only == {"SERVER", "LOCATE", "READ", "POWER", "NEEDS", "ROOM"}
    assert getattr(scripts.READ, "read_only") is True and getattr(scripts.ENABLE, "read_only") is False


@pytest.mark.parametrize("entry", STEPS, ids=[entry["source"] for entry in STEPS])
def test_each_step_is_an_advanced_function_with_typed_parameters_and_one_check_mode_idiom(entry):
    text = read(entry["source"])
    function = entry["function"]
    assert function == os.path.splitext(entry["source"])[0]
    header = re.search(r"^function %s \{\n    \[CmdletBinding\((SupportsShouldProcess)?\)\]\n    param\(" % function,
                       text, re.M)
    assert header, "%s: function %s must open with [CmdletBinding(...)] and param(" % (entry["source"], function)
    code = gen.code_only(text)
    changes = bool(gen.CHANGING_CMDLET.search(code) or gen.CHANGING_HELPER.search(code))
    assert bool(header.group(1)) == changes == (not entry["read_only"]), \
        "%s: [CmdletBinding(SupportsShouldProcess)] exactly when it changes something" % entry["source"]
    for name, ptype in entry["parameters"]:
        assert ptype, "%s: $%s has no type" % (entry["source"], name)
    assert not re.search(r"\$(in\.)?check\b", code, re.I), "%s: a $check guard is left" % entry["source"]
    assert not re.search(r"\$in\b", code, re.I), "%s reads $in instead of its parameters" % entry["source"]
    assert gen.lint(entry["source"], text) == []


def test_shared_functions_that_change_something_support_should_process():
    text = read("VmdrFunctions.ps1")
    assert gen.lint("VmdrFunctions.ps1", text) == []
    for name in ("Set-VmdrSwitch", "Set-VmdrFailoverIp"):
        assert re.search(r"function %s \{\n(    #[^\n]*\n)*    \[CmdletBinding\(SupportsShouldProcess\)\]" % name, text)


def test_one_check_mode_idiom_counted():
    # before: 38 "if (-not $in.check)" / "if (-not $check)" around a change and one "if ($check) { continue }";
    # 39 ShouldProcess guards then, 40 since the planned primary's two (shut down, prepare) became the steps
    # STOP_PRIMARY and PREPARE_PRIMARY and START_VMS was added
    codes = [gen.code_only(read(entry["source"])) for entry in ENTRIES]
    assert sum(len(gen.SHOULD_PROCESS.findall(code)) for code in codes) == 40
    assert sum(len(gen.CHECK_FLAG.findall(code)) for code in codes) == 0
    # what a skipped change would have left is predicted from $WhatIfPreference in three places, nothing else reads it
    assert sum(code.count("$WhatIfPreference") for code in codes) == 3


def test_lint_refuses_what_the_form_forbids():
    bad = """<#
.NOTES
Constant: X
ReadOnly: false
#>
function Set-Thing {
    [CmdletBinding()]
    param(
        [object[]]$Vms = @(),
        $State
    )
    if (-not $in.check) { Stop-VM -VM $vm }
    Invoke-VmdrEach -InputObject $Vms -Process {
        param($ref)
        $state = 'x'
        # Stop-VM in a comment and 'Start-VM in a string' are no calls
        if ($PSCmdlet.ShouldProcess($vm.Name, 'start')) { Start-VM -VM $vm }
    }
}
"""
    problems = gen.lint("Set-Thing.ps1", bad)
    assert problems == [
        "Set-Thing.ps1:12: check-mode flag $in.check: check mode is -WhatIf, each change goes in "
        "if ($PSCmdlet.ShouldProcess(...))",
        "Set-Thing.ps1:12: Stop-VM runs outside if ($PSCmdlet.ShouldProcess(...))",
        "Set-Thing.ps1:11: parameter $State of Set-Thing has no type",
        "Set-Thing.ps1:12: function Set-Thing changes the host (Stop-VM) but lacks [CmdletBinding(SupportsShouldProcess)]",
        "Set-Thing.ps1:15: $state shadows the parameter $State of Set-Thing",
    ]


def test_the_generator_refuses_a_step_whose_header_disagrees(tmp_path):
    text = read("Read-VMPowerState.ps1").replace("ReadOnly: true", "ReadOnly: false")
    (tmp_path / "Read-VMPowerState.ps1").write_text(text)
    with pytest.raises(gen.ScriptError) as caught:
        gen.parse(str(tmp_path / "Read-VMPowerState.ps1"))
    assert "Read-VMPowerState.ps1: ReadOnly: false but the step lacks [CmdletBinding(SupportsShouldProcess)]" in str(caught.value)
    (tmp_path / "Other.ps1").write_text(read("Read-VMPowerState.ps1"))
    with pytest.raises(gen.ScriptError) as caught:
        gen.parse(str(tmp_path / "Other.ps1"))
    assert "named Other" in str(caught.value)
