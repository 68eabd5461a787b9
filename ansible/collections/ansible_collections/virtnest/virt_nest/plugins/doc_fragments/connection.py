# -*- coding: utf-8 -*-
# Copyright: (c) 2026, virt-nest maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The options every module of this collection passes to virt-nest: which hosts, how many
    # at once, and which binary.
    DOCUMENTATION = r"""
options:
  uri:
    description:
      - libvirt URIs (C(-c), repeatable); several hosts are worked on concurrently, see I(jobs).
      - The default is libvirt's default URI on the host that runs the task.
    type: list
    elements: str
  jobs:
    description:
      - Hosts worked on at once when I(uri) names several (C(--jobs)).
    type: int
  executable:
    description:
      - The virt-nest binary.
    type: path
    default: virt-nest
requirements:
  - virt-nest 0.2.0 or later on the host that runs the task
  - a libvirt daemon reachable from that host (local, or remote with I(uri))
"""
