#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, virt-nest maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: virt_nest_info
short_description: List libvirt domains with their CPU mode and whether they can nest
version_added: "0.2.0"
description:
  - Runs C(virt-nest list --json) and returns one record per domain; changes nothing.
  - A domain's C(nested) says whether its persistent configuration hands vmx or svm to the
    guest on its host; C(notes) say what stands in the way (a cold boot still pending, a
    managed-save image, snapshots).
author:
  - virt-nest maintainers (@virt-nest)
extends_documentation_fragment:
  - virtnest.virt_nest.connection
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
options:
  name:
    description:
      - Domain names or shell globs (C(web-*)); every domain when omitted.
    type: list
    elements: str
    aliases: [domains]
  state:
    description:
      - Only domains in this run state (C(--state)).
    type: str
    choices: [running, shut-off, paused]
seealso:
  - module: virtnest.virt_nest.virt_nest
"""

EXAMPLES = r"""
- name: Which VMs can run their own VMs?
  virtnest.virt_nest.virt_nest_info:
  register: vms

- name: Name the ones that cannot
  ansible.builtin.debug:
    msg: "{{ vms.domains | rejectattr('nested') | map(attribute='name') | list }}"

- name: Running web VMs on two hypervisors
  virtnest.virt_nest.virt_nest_info:
    name: ["web-*"]
    state: running
    uri:
      - qemu+ssh://root@kvm-1/system
      - qemu+ssh://root@kvm-2/system
"""

RETURN = r"""
domains:
  description:
    - One record per domain, sorted by name per host, each with its host's C(uri).
  type: list
  elements: dict
  returned: always
  sample:
    - name: web-1
      uri: qemu:///system
      state: running
      persistent: true
      cpu_mode: host-passthrough
      model: null
      nested: true
      feature: vmx
      notes: ["restart pending: the inactive CPU differs from the running one"]
hosts:
  description: Per host its uri, host_uuid, status (ok, unreachable, failed), exit_code, error and summary.
  type: list
  elements: dict
  returned: when virt-nest printed its report
  sample:
    - uri: qemu+ssh://root@kvm-1/system
      host_uuid: 4c4c4544-0044-3610-8052-b4c04f4d3732
      status: ok
      exit_code: 0
      error: null
      summary: {listed: 1}
exit_code:
  description: virt-nest's exit status.
  type: int
  returned: always
  sample: 0
cmd:
  description: The command line that ran.
  type: list
  elements: str
  returned: always
  sample: ["/usr/bin/virt-nest", "list", "--json"]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.virtnest.virt_nest.plugins.module_utils.virt_nest_cli import (
    CONNECTION_ARGS,
    connection_command,
    read_report,
)


def build_command(module):
    p = module.params
    cmd = connection_command(module)
    cmd.append("list")
    cmd += p["name"] or []
    if p["state"]:
        cmd += ["--state", p["state"]]
    cmd.append("--json")
    return cmd


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="list", elements="str", aliases=["domains"]),
            state=dict(type="str", choices=["running", "shut-off", "paused"]),
            **CONNECTION_ARGS
        ),
        supports_check_mode=True,
    )
    cmd = build_command(module)
    rc, out, err = module.run_command(cmd)

    result = dict(changed=False, exit_code=rc, cmd=cmd, domains=[])
    report = read_report(out)
    if report is not None:
        result["domains"] = report.get("domains", [])
        result["hosts"] = report.get("hosts", [])
        if report.get("error"):
            module.fail_json(msg=report["error"], stderr=err, **result)
    if rc != 0 or report is None:
        lost = ["host %s: %s: %s" % (h.get("uri"), h.get("status"), h.get("error"))
                for h in result.get("hosts", []) if h.get("status") != "ok"]
        if len(result.get("hosts", [])) < 2:
            lost = []  # one host: virt-nest's own message on stderr says it
        module.fail_json(msg="; ".join(lost) or err.strip() or "virt-nest exited %d" % rc,
                         stderr=err, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
