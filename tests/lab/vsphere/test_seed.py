"""Seeding is idempotent: a second run against a seeded lab changes nothing."""


def test_reseeding_changes_nothing(vsphere_lab, lab_module):
    seed = lab_module("vsphere.seed")
    for name, site in vsphere_lab["sites"].items():
        seeder = seed.SiteSeeder(name, site, vsphere_lab["ca_file"])
        try:
            facts, vms = seeder.seed()
        finally:
            seeder.close()
        assert seeder.changes == [], name
        assert {k: site[k] for k in facts} == facts
        assert vms == [vm for vm in vsphere_lab["vms"] if vm["site"] == name]
