from ansible_collections.vmdr.replication.plugins.callback.evidence import secret_values


def test_secret_values_are_found_by_variable_name_at_any_depth():
    variables = {"vmdr_site_passwords": {"site-a": "pw-a", "site-b": "pw-b"},
                 "sites": {"site-a": {"hostname": "vc-a", "password": "pw-c"}},
                 "api_token": "tok", "vault_blob": ["v1"], "vmdr_plan_file": "plan.yml", "enabled": True}
    assert sorted(secret_values(variables)) == ["pw-a", "pw-b", "pw-c", "tok", "v1"]
