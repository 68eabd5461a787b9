#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# System test 5: revert restores the inactive XML exactly (canonical compare): the latest
# backup by default, and an older one named with --backup.
. "$(dirname "$0")/lib.sh"

name=${PREFIX}revert
devices="<graphics type='vnc' port='-1' autoport='yes' passwd='rv$$'/>
    <serial type='pty'/>
    <interface type='user'><mac address='52:54:00:12:34:56'/><model type='virtio'/></interface>"
cpu="<cpu mode='custom' match='exact'><model fallback='allow'>qemu64</model>
    <topology sockets='1' dies='1' cores='2' threads='1'/>
    <feature policy='require' name='x2apic'/><feature policy='disable' name='svm'/></cpu>"

step "define $name, then enable and disable it"
dom_xml "$name" "$cpu" "$devices" | sed "s#<vcpu>1</vcpu>#<vcpu>2</vcpu>#" >"$WORK/$name.def.xml"
V define "$WORK/$name.def.xml" --validate >/dev/null
dump "$name" "$WORK/original.xml"
vn enable "$name" --backup-dir "$BACKUPS"
expect_rc 0 "enable"
dump "$name" "$WORK/enabled.xml"
first_backup=$(find "$BACKUPS" -type f -printf '%T@ %p\n' | sort -n | head -n 1 | cut -d' ' -f2-)
[ -n "$first_backup" ] || fail "enable wrote no backup under $BACKUPS"
vn disable "$name" --backup-dir "$BACKUPS"
expect_rc 0 "disable"
dump "$name" "$WORK/disabled.xml"

step "revert --dry-run changes nothing"
vn revert "$name" --dry-run --backup-dir "$BACKUPS"
expect_rc 0 "revert --dry-run"
dump "$name" "$WORK/dry.xml"
same_xml "$WORK/disabled.xml" "$WORK/dry.xml" "after revert --dry-run"

step "revert restores the latest backup: the config before disable"
vn revert "$name" --backup-dir "$BACKUPS"
expect_rc 0 "revert"
dump "$name" "$WORK/reverted.xml"
same_xml "$WORK/enabled.xml" "$WORK/reverted.xml" "after revert"

step "revert --backup FILE restores the original config"
vn revert "$name" --backup "$first_backup" --backup-dir "$BACKUPS"
expect_rc 0 "revert --backup"
dump "$name" "$WORK/original-again.xml"
same_xml "$WORK/original.xml" "$WORK/original-again.xml" "after revert --backup $(basename "$first_backup")"
