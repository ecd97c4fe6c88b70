"""A plan file include_vars cannot load is refused with its name and the YAML reason (line and column), not with
include_vars' "Unknown error."."""
from ansible_collections.vmdr.replication.plugins.filter.recovery_plan import plan_file_error

# what include_vars of ansible-core 2.19 registers for a file that is not YAML
FAILED = {"failed": True, "msg": "Task failed: Action failed: Unknown error.",
          "message": "YAML parsing failed: While parsing a block mapping did not find expected key."}


def test_a_file_that_is_not_yaml_gives_its_name_line_column_and_reason(tmp_path):
    plan = tmp_path / "plan.yml"
    plan.write_text("plan:\n  name: erp\n vms:\n  - {name: app-db-01\n")
    assert plan_file_error(str(plan), FAILED) == (
        "The recovery plan %s is not valid YAML: line 3, column 2: expected <block end>, but found "
        "'<block mapping start>' (while parsing a block mapping)" % plan)


def test_a_file_that_is_yaml_but_not_a_mapping_says_what_it_holds(tmp_path):
    plan = tmp_path / "plan.yml"
    plan.write_text("- app-db-01\n- app-web-01\n")
    assert plan_file_error(str(plan), {"msg": "must be stored as a dictionary"}) == (
        "The recovery plan %s must be a YAML mapping (plan, sites, vms, ...), not a list" % plan)


def test_a_file_that_cannot_be_read_or_is_vaulted_keeps_the_reason_of_include_vars(tmp_path):
    missing = str(tmp_path / "nowhere.yml")
    assert plan_file_error(missing, {"msg": "Could not find or access 'nowhere.yml'"}) == (
        "The recovery plan %s cannot be loaded: Could not find or access 'nowhere.yml'" % missing)
    vaulted = tmp_path / "plan.yml"
    vaulted.write_text("$ANSIBLE_VAULT;1.1;AES256\n6162636465\n")
    assert plan_file_error(str(vaulted), {"message": "Decryption failed"}) == (
        "The recovery plan %s cannot be loaded: Decryption failed" % vaulted)
