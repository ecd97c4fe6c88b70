from ansible_collections.vmdr.replication.plugins.module_utils.plan.hooks import hook_file, hook_files
from ansible_collections.vmdr.replication.plugins.module_utils.plan.schema import plan_problems


def plan(**extra):
    base = {"plan": {"name": "t"}, "protected_site": "a", "recovery_site": "b", "sites": {"a": {}, "b": {}},
            "vms": [{"name": "db"}]}
    return dict(base, **extra)


def test_a_hook_for_every_group_or_per_priority():
    hooks = {"before_group": "all.yml", "after_group": {1: "db-up.yml", "3": "web-up.yml"},
             "after_cleanup": "tidy.yml"}
    assert plan_problems(plan(hooks=hooks)) == []
    assert [hook_file(plan(hooks=hooks), "before_group", p) for p in (1, 2)] == ["all.yml", "all.yml"]
    assert [hook_file(plan(hooks=hooks), "after_group", p) for p in (1, 2, 3)] == ["db-up.yml", None, "web-up.yml"]
    assert hook_file(plan(hooks=hooks), "after_cleanup") == "tidy.yml"
    assert hook_file({}, "after_cleanup") is None
    assert hook_files(plan(hooks=hooks)) == [("hooks.before_group", "all.yml"), ("hooks.after_group.1", "db-up.yml"),
                                             ("hooks.after_group.3", "web-up.yml"), ("hooks.after_cleanup", "tidy.yml")]


def test_hook_problems_are_reported():
    hooks = {"before_wave": "x.yml", "after_group": {7: "x.yml"}, "after_cleanup": ""}
    assert [(p["path"], p["message"]) for p in plan_problems(plan(hooks=hooks))] == [
        ("hooks", "unknown key 'before_wave', did you mean 'before_group'?"),
        ("hooks.after_group", "maps 7 to a task file; key a group's hook by its priority, 1 to 5"),
        ("hooks", "after_cleanup is empty; give a task file or leave the key out")]
    [problem] = plan_problems(plan(hooks=["x.yml"]))
    assert (problem["path"], problem["message"]) == ("", "hooks must be a mapping, got a list")
