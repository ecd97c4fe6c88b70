# -*- coding: utf-8 -*-
# Copyright: contributors to vmdr.replication
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``Step``: the text of a Hyper-V step and its metadata (see ``providers/hyperv/scripts.py``)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class Step(str):
    """The text of one step (its .ps1 file) and its metadata.

    ``function``: the function to call; ``source``: the .ps1 file; ``read_only``: it changes nothing on the host
    (a read or a measure), so it may be retried; ``should_process``: it takes ``-WhatIf``; ``parameters``:
    ``(name, type)`` of its ``param()`` block, each the PascalCase of a payload field (``media_path``:
    ``MediaPath``)."""

    def __new__(cls, text, **metadata):
        return str.__new__(cls, text)

    def __init__(self, text, function, source, read_only, should_process, parameters):
        super(Step, self).__init__()
        self.function = function
        self.source = source
        self.read_only = read_only
        self.should_process = should_process
        self.parameters = parameters
