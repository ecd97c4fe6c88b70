from ansible_collections.vmdr.replication.plugins.module_utils.plan.hooks import hook_file, hook_problems


def test_a_hook_for_every_group_or_per_priority():
    plan = {"hooks": {"before_group": "all.yml", "after_group": {1: "db-up.yml", "3": "web-up.yml"},
                      "after_cleanup": "tidy.yml"}}
    assert hook_problems(plan) == []
    assert [hook_file(plan, "before_group", p) for p in (1, 2)] == ["all.yml", "all.yml"]
    assert [hook_file(plan, "after_group", p) for p in (1, 2, 3)] == ["db-up.yml", None, "web-up.yml"]
    assert hook_file(plan, "after_cleanup") == "tidy.yml"
    assert hook_file({}, "after_cleanup") is None


def test_hook_problems_are_reported():
    plan = {"hooks": {"before_wave": "x.yml", "after_group": {7: "x.yml"}, "after_cleanup": ""}}
    assert [p["message"] for p in hook_problems(plan)] == [
        "hooks.after_cleanup must name a task file", "hooks.after_group maps priority 7 to 'x.yml'; use 1-5 and a task file",
        "hooks.before_wave is not one of before_group, after_group, after_cleanup"]
    assert hook_problems({"hooks": ["x.yml"]})[0]["check"] == "hooks"
