#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, virt-nest maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: virt_nest
short_description: Make libvirt domains nest-capable, or remove nesting, with virt-nest
version_added: "0.2.0"
description:
  - Runs C(virt-nest enable) or C(virt-nest disable) with C(--json) and maps its report onto
    Ansible's conventions.
  - C(changed) is true when at least one domain was (in check mode, would be) redefined.
  - Check mode runs virt-nest with C(--dry-run), so nothing is defined and no backup is taken.
  - Diff mode adds C(--diff); each domain's unified diff (secrets masked) is returned in
    Ansible's C(diff) as C(prepared) text.
  - virt-nest's warnings are shown as Ansible warnings, and the domains that need a cold boot
    for the change to apply are returned in C(restart_required).
  - The task fails when virt-nest cannot do its job (exit status 1 or 2), and when a selected
    domain was skipped or failed (exit status 3) unless I(allow_skipped) is set; failed
    domains always fail the task.
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
    support: full
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
options:
  state:
    description:
      - C(enabled) runs C(virt-nest enable), C(disabled) runs C(virt-nest disable).
    type: str
    choices: [enabled, disabled]
    default: enabled
  name:
    description:
      - Domain names or shell globs (C(web-*)) to work on.
      - Exactly one of I(name) and I(all) is required.
    type: list
    elements: str
    aliases: [domains]
  all:
    description:
      - Work on every domain (C(--all)).
    type: bool
    default: false
  validate:
    description:
      - Let libvirt validate every definition against its schema.
    type: bool
    default: true
  mode:
    description:
      - The CPU mode for C(enabled) (C(--mode)); virt-nest picks one when omitted.
    type: str
    choices: [auto, host-passthrough, host-model, custom]
  model:
    description:
      - The CPU model for custom mode (C(--model)).
    type: str
  feature:
    description:
      - C(vmx), C(svm), or C(auto) from the host (C(--feature)).
    type: str
    choices: [auto, vmx, svm]
  force:
    description:
      - Change domains virt-nest would refuse (C(--force)).
    type: bool
    default: false
  backup_dir:
    description:
      - Where virt-nest keeps its backups (C(--backup-dir)).
    type: path
  allow_skipped:
    description:
      - Do not fail the task for domains virt-nest skipped (refused, vanished).
    type: bool
    default: false
seealso:
  - module: virtnest.virt_nest.virt_nest_info
notes:
  - "The change applies to a running domain after a cold boot only: shut it down and start it;
    a guest reboot is not enough."
"""

EXAMPLES = r"""
- name: Make every web VM nest-capable
  virtnest.virt_nest.virt_nest:
    name: ["web-*"]
    state: enabled
  register: nest

- name: Say which VMs need a cold boot
  ansible.builtin.debug:
    msg: "shut down and start {{ nest.restart_required | join(', ') }}"
  when: nest.restart_required | length > 0

- name: Harden two hypervisors at once
  virtnest.virt_nest.virt_nest:
    all: true
    state: disabled
    uri:
      - qemu+ssh://root@kvm-1/system
      - qemu+ssh://root@kvm-2/system
"""

RETURN = r"""
domains:
  description:
    - virt-nest's per-domain records; with several hosts each also has its C(uri).
  type: list
  elements: dict
  returned: when virt-nest printed its report
  sample:
    - name: web-1
      uuid: 3101576a-02f8-478c-9da9-437060bf4acf
      state: running
      action: changed
      reason: "applies after a cold boot: shut down and start; a guest reboot is not enough"
      changes: ["added <cpu mode='host-passthrough'>"]
      warnings: []
      restart_required: true
      backup: /var/lib/virt-nest/backups/test_default/3101576a-02f8-478c-9da9-437060bf4acf/20261130T120000Z-enable-web-1.xml
restart_required:
  description:
    - Names of the domains that were (in check mode, would be) changed while running; the
      change applies after a cold boot (shut down and start).
  type: list
  elements: str
  returned: always
  sample: ["web-1", "web-2"]
summary:
  description:
    - virt-nest's counts of the run, added up over its hosts, with the hosts' tally and the
      exit status (the JSON envelope's C(summary), format_version 1).
  type: dict
  returned: when virt-nest printed its report
  sample:
    selected: 3
    changed: 2
    would_change: 0
    already: 1
    skipped: 0
    failed: 0
    dry_run: false
    hosts: {total: 1, ok: 1, unreachable: 0, failed: 0}
    exit_code: 0
hosts:
  description:
    - Per host its uri, host_uuid, status (ok, unreachable, failed), exit_code, error and
      summary (with C(stopped), why its run stopped early, or null).
  type: list
  elements: dict
  returned: when virt-nest printed its report
  sample:
    - uri: qemu+ssh://root@kvm-1/system
      host_uuid: 4c4c4544-0044-3610-8052-b4c04f4d3732
      status: ok
      exit_code: 0
      error: null
      summary: {selected: 1, changed: 1, would_change: 0, already: 0, skipped: 0, failed: 0}
exit_code:
  description:
    - virt-nest's exit status. Not C(rc), which Ansible would treat as a failure whenever it
      is not 0, while 3 may be allowed by I(allow_skipped).
  type: int
  returned: always
  sample: 0
cmd:
  description: The command line that ran.
  type: list
  elements: str
  returned: always
  sample: ["/usr/bin/virt-nest", "enable", "web-*", "--json"]
stderr:
  description: virt-nest's standard error.
  type: str
  returned: always
  sample: ""
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.virtnest.virt_nest.plugins.module_utils.virt_nest_cli import (
    CONNECTION_ARGS,
    connection_command,
    read_report,
)

CHANGING = ("changed", "would-change")


def build_command(module):
    p = module.params
    cmd = connection_command(module)
    cmd.append("enable" if p["state"] == "enabled" else "disable")
    cmd += p["name"] or []
    if p["all"]:
        cmd.append("--all")
    cmd.append("--json")
    if module.check_mode:
        cmd.append("--dry-run")
    if module._diff:
        cmd.append("--diff")
    if not p["validate"]:
        cmd.append("--no-validate")
    if p["state"] == "enabled":
        if p["mode"]:
            cmd += ["--mode", p["mode"]]
        if p["model"]:
            cmd += ["--model", p["model"]]
    if p["feature"]:
        cmd += ["--feature", p["feature"]]
    if p["force"]:
        cmd.append("--force")
    if p["backup_dir"]:
        cmd += ["--backup-dir", p["backup_dir"]]
    return cmd


def describe(record, several_hosts):
    # Every record carries its host's uri; name it only when the task has several hosts.
    where = " on %s" % record["uri"] if several_hosts and "uri" in record else ""
    return "%s%s: %s: %s" % (record.get("name"), where, record.get("action"),
                             record.get("reason") or "")


def warn_once_per_text(module, records):
    # The same warning (an unverifiable host, say) often holds for every domain: say it once.
    names_by_text = {}
    for record in records:
        for text in record.get("warnings") or []:
            names_by_text.setdefault(text, []).append(record.get("name"))
    for text, names in names_by_text.items():
        module.warn("%s: %s" % (", ".join(names), text))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type="str", default="enabled", choices=["enabled", "disabled"]),
            name=dict(type="list", elements="str", aliases=["domains"]),
            all=dict(type="bool", default=False),
            validate=dict(type="bool", default=True),
            mode=dict(type="str", choices=["auto", "host-passthrough", "host-model", "custom"]),
            model=dict(type="str"),
            feature=dict(type="str", choices=["auto", "vmx", "svm"]),
            force=dict(type="bool", default=False),
            backup_dir=dict(type="path"),
            allow_skipped=dict(type="bool", default=False),
            **CONNECTION_ARGS
        ),
        required_one_of=[["name", "all"]],
        mutually_exclusive=[["name", "all"]],
        supports_check_mode=True,
    )
    cmd = build_command(module)
    rc, out, err = module.run_command(cmd)

    result = dict(changed=False, exit_code=rc, cmd=cmd, stderr=err, restart_required=[])
    report = read_report(out)
    if report is None:
        # No report this module reads: not virt-nest's JSON envelope, format_version 1.
        module.fail_json(msg=(err.strip() or "virt-nest printed no report"), stdout=out, **result)
    if report.get("error"):
        # Stopped before any host was worked on (a usage error, an unreadable hosts file).
        module.fail_json(msg=report["error"], **result)

    records = report.get("domains", [])
    result["domains"] = records
    for key in ("summary", "hosts"):
        if key in report:
            result[key] = report[key]
    result["changed"] = any(r.get("action") in CHANGING for r in records)
    result["restart_required"] = [
        r.get("name") for r in records if r.get("action") in CHANGING and r.get("restart_required")
    ]
    if module._diff:
        result["diff"] = [
            dict(prepared=r["diff"]) for r in records if r.get("diff")
        ]
    warn_once_per_text(module, records)

    failed = [r for r in records if r.get("action") == "failed"]
    skipped = [r for r in records if r.get("action") == "skipped"]
    lost_hosts = [h for h in report.get("hosts", []) if h.get("status") != "ok"]
    several_hosts = len(report.get("hosts", [])) > 1
    problems = [describe(r, several_hosts) for r in failed]
    if len(report.get("hosts", [])) > 1:
        problems += ["host %s: %s: %s" % (h["uri"], h["status"], h.get("error"))
                     for h in lost_hosts]
    elif lost_hosts:
        # One host: virt-nest's own message, as it printed it.
        problems.append(err.strip() or lost_hosts[0].get("error"))
    if not module.params["allow_skipped"]:
        problems += [describe(r, several_hosts) for r in skipped]
    if rc in (0, 3) and not problems:
        module.exit_json(**result)
    if rc not in (0, 3) and not problems:
        stopped = [h["summary"]["stopped"] for h in report.get("hosts", [])
                   if (h.get("summary") or {}).get("stopped")]
        problems += stopped or [err.strip() or "virt-nest exited %d" % rc]
    module.fail_json(msg="; ".join(problems), **result)


if __name__ == "__main__":
    main()
