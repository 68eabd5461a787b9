# -*- coding: utf-8 -*-
# Copyright: (c) 2026, virt-nest maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the modules of virtnest.virt_nest share: the connection options and the report."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

# The argument spec of the options in the `connection` documentation fragment.
CONNECTION_ARGS = dict(
    uri=dict(type="list", elements="str"),
    jobs=dict(type="int"),
    executable=dict(type="path", default="virt-nest"),
)


def connection_command(module):
    """Return the virt-nest binary and its global options (-c, --jobs) from the task's."""
    p = module.params
    cmd = [module.get_bin_path(p["executable"], required=True)]
    for uri in p["uri"] or []:
        cmd += ["-c", uri]
    if p["jobs"] is not None:
        cmd += ["--jobs", str(p["jobs"])]
    return cmd


def read_report(out):
    """Return virt-nest's JSON envelope (format_version 1) printed as `out`, or None."""
    try:
        report = json.loads(out) if out.strip() else None
    except ValueError:
        return None
    if isinstance(report, dict) and report.get("format_version") == 1:
        return report
    return None
