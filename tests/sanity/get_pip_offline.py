"""Stand-in for the get-pip bootstrap script ansible-test downloads from a host this machine cannot reach.

ansible-test runs it inside each fresh sanity venv with pip's options as arguments. It bootstraps pip
from the interpreter's bundled ensurepip wheel, then installs the requested packages from PyPI.
"""
import ensurepip
import os
import subprocess
import sys

GET_PIP_ONLY = ("--no-setuptools", "--no-wheel")

# ensurepip points PIP_CONFIG_FILE at /dev/null in this process; the install must see the site's pip config
environment = dict(os.environ)
ensurepip.bootstrap(upgrade=True)
args = [a for a in sys.argv[1:] if a not in GET_PIP_ONLY]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install"] + args, env=environment))
