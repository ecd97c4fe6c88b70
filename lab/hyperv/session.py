"""Per-command view of the site: which Hyper-V host this WinRM session runs on and who authenticated."""
from .cmdlets.objects import Projector


class HyperVSession:
    def __init__(self, site, host_name, auth_scheme="basic", user=""):
        self.site = site
        self.host_name = host_name
        self.auth_scheme = auth_scheme
        self.user = user
        # Basic (and CredSSP) logons hold the password, so the host can reach a second computer;
        # NTLM/Kerberos network logons cannot (the "double hop").
        self.can_delegate = auth_scheme in ("basic", "credssp")
        self.module_version = "2.0.0.0"
        self.projector = Projector(site, host_name, legacy_module=lambda: self.module_version.startswith("1.1"))
