# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Task files a plan names (hooks, readiness checks of type tasks), found where ``include_tasks`` finds them.

The roles include these files with ``include_tasks`` from their own tasks, so Ansible takes an absolute path
(``~`` expanded) as it is, and looks a relative one up in the including role's ``tasks`` folder, then in the
playbook's folder. The roles pass those two folders as ``search_dirs``.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os


def resolve(name, search_dirs):
    """The file ``include_tasks`` would run for ``name``, or None when there is none."""
    path = os.path.expanduser(name)
    if os.path.isabs(path):
        return path if os.path.isfile(path) else None
    for folder in search_dirs:
        candidate = os.path.join(folder, path)
        if os.path.isfile(candidate):
            return candidate
    return None


def missing_text(name, search_dirs):
    if os.path.isabs(os.path.expanduser(name)):
        return "task file '%s' does not exist on the controller" % name
    return ("task file '%s' was not found: a relative path is looked up in %s, as include_tasks does; give an "
            "absolute path" % (name, " and then ".join(search_dirs)))
