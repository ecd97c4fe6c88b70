"""Every hook and readiness task file of a plan is found before any change, where include_tasks finds it:
an absolute path as it is, a relative one in the role's tasks folder, then in the playbook's folder."""
import copy

from ansible_collections.vmdr.replication.plugins.filter.recovery_plan import plan_problems

PLAN = {"plan": {"name": "erp"}, "protected_site": "site-a", "recovery_site": "site-b",
        "sites": {"site-a": {}, "site-b": {}},
        "vms": [{"name": "app-db-01", "priority": 1}, {"name": "app-web-01", "priority": 2}]}


def plan(hooks=None, check_file=None):
    out = copy.deepcopy(PLAN)
    if hooks is not None:
        out["hooks"] = hooks
    if check_file is not None:
        out["vms"][1]["readiness"] = [{"type": "tcp", "port": 80}, {"type": "tasks", "file": check_file}]
    return out


def folders(tmp_path):
    role_tasks, playbooks = tmp_path / "roles" / "drill" / "tasks", tmp_path / "playbooks"
    for folder in (role_tasks, playbooks):
        folder.mkdir(parents=True)
    return str(role_tasks), str(playbooks)


def test_a_missing_hook_file_is_a_problem_before_any_change(tmp_path):
    role_tasks, playbooks = folders(tmp_path)
    drain = tmp_path / "drain.yml"
    drain.write_text("---\n")
    hooks = {"before_group": str(drain), "after_group": {2: str(tmp_path / "web-up.yml")},
             "after_cleanup": str(tmp_path / "notify.yml")}
    assert [(p["check"], p["path"], p["message"]) for p in plan_problems(plan(hooks), [role_tasks, playbooks])] == [
        ("hooks", "hooks.after_group.2", "task file '%s' does not exist on the controller" % (tmp_path / "web-up.yml")),
        ("hooks", "hooks.after_cleanup", "task file '%s' does not exist on the controller" % (tmp_path / "notify.yml"))]


def test_a_relative_task_file_is_looked_up_like_include_tasks(tmp_path):
    role_tasks, playbooks = folders(tmp_path)
    (tmp_path / "playbooks" / "hooks").mkdir()
    (tmp_path / "playbooks" / "hooks" / "drain.yml").write_text("---\n")
    (tmp_path / "roles" / "drill" / "tasks" / "in-role.yml").write_text("---\n")
    found = plan({"before_group": "hooks/drain.yml", "after_cleanup": "in-role.yml"})
    assert plan_problems(found, [role_tasks, playbooks]) == []
    [problem] = plan_problems(plan({"before_group": "drain.yml"}), [role_tasks, playbooks])
    assert problem["message"] == ("task file 'drain.yml' was not found: a relative path is looked up in %s and then "
                                  "%s, as include_tasks does; give an absolute path" % (role_tasks, playbooks))


def test_a_missing_readiness_task_file_names_its_vm(tmp_path, monkeypatch):
    role_tasks, playbooks = folders(tmp_path)
    [problem] = plan_problems(plan(check_file="checks/login.yml"), [role_tasks, playbooks])
    assert (problem["check"], problem["path"], problem["vm"]) == ("readiness", "vms[1].readiness[1]", "app-web-01")
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "login.yml").write_text("---\n")
    assert plan_problems(plan(check_file="~/login.yml"), [role_tasks, playbooks]) == []


def test_without_search_folders_the_files_are_not_checked():
    # enable_replication runs no hook: a missing drill hook must not stop the protection of the VMs
    assert plan_problems(plan({"after_cleanup": "/nowhere/notify.yml"}, "/nowhere/login.yml")) == []
