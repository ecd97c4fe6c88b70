"""Datastore /folder access: Range reads, seeded guest disk headers, auth."""
import requests

HEADER = 4096


def _get(vsphere_lab, site_name, ds_path, **kwargs):
    site = vsphere_lab["sites"][site_name]
    return requests.get("https://%s:%d/folder/%s" % (site["hostname"], site["port"], ds_path),
                        params={"dcPath": site["datacenter_path"], "dsName": site["datastore"]},
                        verify=vsphere_lab["ca_file"], timeout=10, **kwargs)


def _auth(vsphere_lab, site_name):
    site = vsphere_lab["sites"][site_name]
    return site["username"], site["password"]


def test_range_get_returns_206_and_the_seeded_guest_disk(vsphere_lab, lab_module):
    guestdisk = lab_module("vsphere.guestdisk")
    for vm in vsphere_lab["vms"]:
        name = vm["name"]
        image = guestdisk.disk_image(guestdisk.identity(name, vm["nics"]), 1024 * 1024, "vmdrlab:" + name)
        head = _get(vsphere_lab, "site-a", "%s/%s-flat.vmdk" % (name, name), auth=_auth(vsphere_lab, "site-a"),
                    headers={"Range": "bytes=0-%d" % (HEADER - 1)})
        assert head.status_code == 206
        assert head.headers["Content-Range"] == "bytes 0-%d/%d" % (HEADER - 1, len(image))
        assert guestdisk.parse_header(head.content) == guestdisk.identity(name, vm["nics"])
        tail = _get(vsphere_lab, "site-a", "%s/%s-flat.vmdk" % (name, name), auth=_auth(vsphere_lab, "site-a"),
                    headers={"Range": "bytes=%d-" % (len(image) - 100)})
        assert tail.status_code == 206 and tail.content == image[-100:]


def test_folder_requires_credentials_or_a_session(vsphere_lab, site_si):
    path = "app-web-01/app-web-01-flat.vmdk"
    assert _get(vsphere_lab, "site-a", path, headers={"Range": "bytes=0-15"}).status_code == 401
    wrong = _get(vsphere_lab, "site-a", path, auth=("administrator@vsphere.local", "nope"),
                 headers={"Range": "bytes=0-15"})
    assert wrong.status_code == 401
    cookie = site_si("site-a")._stub.cookie.split(";")[0]  # vmware_soap_session=...
    with_session = _get(vsphere_lab, "site-a", path, headers={"Range": "bytes=0-15", "Cookie": cookie})
    assert with_session.status_code == 206 and with_session.content.startswith(b"VMDRLAB1\n")
    bogus = _get(vsphere_lab, "site-a", path, headers={"Range": "bytes=0-15", "Cookie": "vmware_soap_session=x"})
    assert bogus.status_code == 401


def test_dcpath_is_the_inventory_path_and_a_bare_name_is_refused_in_a_folder(vsphere_lab):
    """site-a keeps its datacenter in a folder: vCenter's /folder wants the inventory path, not the name."""
    site = vsphere_lab["sites"]["site-a"]
    assert site["datacenter_path"] == "region-a/" + site["datacenter"]
    path = "app-web-01/app-web-01.vmdk"
    auth = (site["username"], site["password"])
    url = "https://%s:%d/folder/%s" % (site["hostname"], site["port"], path)
    for dc_path, status in ((site["datacenter_path"], 200), (site["datacenter"], 404), ("other/" + site["datacenter"],
                                                                                        404)):
        r = requests.get(url, params={"dcPath": dc_path, "dsName": site["datastore"]}, auth=auth,
                         verify=vsphere_lab["ca_file"], timeout=10)
        assert r.status_code == status, dc_path
    assert b'RW 2048 VMFS "app-web-01-flat.vmdk"' in r.content or status == 404
