#!/usr/bin/python3
# Ansible module around the virt-nest command line; GPL-3.0-or-later like Ansible modules.
"""Make libvirt domains nest-capable (or not) with virt-nest, the Ansible way."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: virt_nest
short_description: Make libvirt domains nest-capable, or remove nesting, with virt-nest
description:
  - Runs C(virt-nest enable) or C(virt-nest disable) with C(--json) on the managed host and
    maps its report onto Ansible's conventions.
  - C(changed) is true when at least one domain was (in check mode, would be) redefined.
  - Check mode runs virt-nest with C(--dry-run): nothing is defined and no backup is taken.
  - Diff mode adds C(--diff); each domain's unified diff (secrets masked) is returned in
    Ansible's C(diff) as C(prepared) text.
  - The task fails when virt-nest cannot do its job (exit status 1 or 2), and when a selected
    domain was skipped or failed (exit status 3) unless I(allow_skipped) is set; failed
    domains always fail the task.
options:
  state:
    description: C(enabled) runs C(virt-nest enable), C(disabled) runs C(virt-nest disable).
    type: str
    choices: [enabled, disabled]
    default: enabled
  name:
    description: Domain names or shell globs (C(web-*)) to work on.
    type: list
    elements: str
    aliases: [domains]
  all:
    description: Work on every domain (C(--all)).
    type: bool
    default: false
  uri:
    description:
      - libvirt URIs (C(-c), repeatable); several hosts run concurrently, see C(jobs).
      - Default is libvirt's default URI on the managed host.
    type: list
    elements: str
  jobs:
    description: Hosts worked on at once when I(uri) names several (C(--jobs)).
    type: int
  validate:
    description: Let libvirt validate every definition against its schema.
    type: bool
    default: true
  mode:
    description: CPU mode for C(enabled) (C(--mode)); virt-nest picks one when omitted.
    type: str
    choices: [auto, host-passthrough, host-model, custom]
  model:
    description: CPU model for custom mode (C(--model)).
    type: str
  feature:
    description: C(vmx), C(svm), or C(auto) from the host (C(--feature)).
    type: str
    choices: [auto, vmx, svm]
  force:
    description: Change domains virt-nest would refuse (C(--force)).
    type: bool
    default: false
  backup_dir:
    description: Where virt-nest keeps its backups (C(--backup-dir)).
    type: path
  allow_skipped:
    description: Do not fail the task for domains virt-nest skipped (refused, vanished).
    type: bool
    default: false
  executable:
    description: The virt-nest binary.
    type: path
    default: virt-nest
"""

EXAMPLES = r"""
- name: Make every web VM nest-capable
  virt_nest:
    name: ["web-*"]
    state: enabled

- name: Harden the whole host, two fleets at once
  virt_nest:
    all: true
    state: disabled
    uri: ["qemu+ssh://root@kvm-1/system", "qemu+ssh://root@kvm-2/system"]
"""

RETURN = r"""
domains:
  description: virt-nest's per-domain records (name, uuid, state, action, reason, changes,
    warnings, restart_required, backup, diff; uri with several hosts).
  type: list
  returned: when virt-nest printed its report
summary:
  description: virt-nest's counts (selected, changed, would_change, already, skipped, failed).
  type: dict
  returned: with one host
hosts:
  description: per host its uri, status (ok, unreachable, failed), exit_code, error, summary.
  type: list
  returned: with several hosts
rc:
  description: virt-nest's exit status.
  type: int
  returned: always
cmd:
  description: the command line that ran.
  type: list
  returned: always
"""

import json

from ansible.module_utils.basic import AnsibleModule

CHANGING = ("changed", "would-change")


def build_command(module, executable):
    p = module.params
    cmd = [executable]
    for uri in p["uri"] or []:
        cmd += ["-c", uri]
    if p["jobs"] is not None:
        cmd += ["--jobs", str(p["jobs"])]
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


def describe(record):
    where = " on %s" % record["uri"] if "uri" in record else ""
    return "%s%s: %s: %s" % (record.get("name"), where, record.get("action"),
                             record.get("reason") or "")


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type="str", default="enabled", choices=["enabled", "disabled"]),
            name=dict(type="list", elements="str", aliases=["domains"]),
            all=dict(type="bool", default=False),
            uri=dict(type="list", elements="str"),
            jobs=dict(type="int"),
            validate=dict(type="bool", default=True),
            mode=dict(type="str", choices=["auto", "host-passthrough", "host-model", "custom"]),
            model=dict(type="str"),
            feature=dict(type="str", choices=["auto", "vmx", "svm"]),
            force=dict(type="bool", default=False),
            backup_dir=dict(type="path"),
            allow_skipped=dict(type="bool", default=False),
            executable=dict(type="path", default="virt-nest"),
        ),
        required_one_of=[["name", "all"]],
        mutually_exclusive=[["name", "all"]],
        supports_check_mode=True,
    )
    executable = module.get_bin_path(module.params["executable"], required=True)
    cmd = build_command(module, executable)
    rc, out, err = module.run_command(cmd)

    result = dict(changed=False, rc=rc, cmd=cmd, stderr=err)
    try:
        report = json.loads(out) if out.strip() else None
    except ValueError:
        report = None
    if not isinstance(report, dict):
        # No report: virt-nest stopped before doing anything (usage, unreachable host).
        module.fail_json(msg=(err.strip() or "virt-nest printed no report"), stdout=out, **result)

    records = report.get("domains", [])
    result["domains"] = records
    for key in ("summary", "hosts"):
        if key in report:
            result[key] = report[key]
    result["changed"] = any(r.get("action") in CHANGING for r in records)
    if module._diff:
        result["diff"] = [
            dict(prepared=r["diff"]) for r in records if r.get("diff")
        ]

    failed = [r for r in records if r.get("action") == "failed"]
    skipped = [r for r in records if r.get("action") == "skipped"]
    lost_hosts = [h for h in report.get("hosts", []) if h.get("status") != "ok"]
    problems = [describe(r) for r in failed]
    problems += ["host %s: %s: %s" % (h["uri"], h["status"], h.get("error")) for h in lost_hosts]
    if not module.params["allow_skipped"]:
        problems += [describe(r) for r in skipped]
    if rc in (0, 3) and not problems:
        module.exit_json(**result)
    if rc not in (0, 3) and not problems:
        summary_error = (report.get("summary") or {}).get("error")
        problems.append(summary_error or err.strip() or "virt-nest exited %d" % rc)
    module.fail_json(msg="; ".join(problems), **result)


if __name__ == "__main__":
    main()
