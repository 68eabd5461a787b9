#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# System test 5: revert puts the CPU of the latest backup back (an older one with --backup),
# keeping edits made since; --whole restores the inactive XML exactly (canonical compare).
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

step "item 13: an operator's edits after enable survive revert; --whole undoes them"
vn enable "$name" --backup-dir "$BACKUPS"
expect_rc 0 "enable again"
dump "$name" "$WORK/enabled-again.xml"
# The operator doubles the memory and changes the VNC password with virsh define.
sed -e "s#<memory unit='KiB'>[0-9]*</memory>#<memory unit='KiB'>262144</memory>#" \
    -e "s#<currentMemory unit='KiB'>[0-9]*</currentMemory>#<currentMemory unit='KiB'>262144</currentMemory>#" \
    -e "s#passwd='rv$$'#passwd='new$$'#" "$WORK/enabled-again.xml" >"$WORK/edited.xml"
V define "$WORK/edited.xml" --validate >/dev/null
vn revert "$name" --dry-run --diff --backup-dir "$BACKUPS"
expect_rc 0 "revert --dry-run --diff"
expect_text "$OUT" "<cpu" "the diff shows the CPU going back"
expect_no_text "$OUT" "262144" "the diff leaves the memory edit alone"
dump "$name" "$WORK/edited-dry.xml"
same_xml "$WORK/edited.xml" "$WORK/edited-dry.xml" "after revert --dry-run --diff"
vn revert "$name" --backup-dir "$BACKUPS"
expect_rc 0 "revert (the CPU only)"
dump "$name" "$WORK/cpu-reverted.xml"
same_outside_cpu "$WORK/edited.xml" "$WORK/cpu-reverted.xml" "the operator's edits after revert"
grep -q "passwd='new$$'" "$WORK/cpu-reverted.xml" || fail "revert rolled the new VNC password back"
expect_svm "$WORK/cpu-reverted.xml" off "the CPU after revert (as in the backup)"
vn revert "$name" --whole --diff --backup-dir "$BACKUPS"
expect_rc 0 "revert --whole"
expect_text "$OUT" "passwd='***(changed)'" "the diff shows the password change as changed"
dump "$name" "$WORK/whole.xml"
same_xml "$WORK/original.xml" "$WORK/whole.xml" "after revert --whole"

step "item 10: the host's identity keys the backups: another URI of this daemon finds them"
ls "$BACKUPS" | grep -q '^host-' || fail "no host-<UUID> store under $BACKUPS: $(ls "$BACKUPS")"
vn_at qemu+unix:///system revert "$name" --dry-run --backup-dir "$BACKUPS"
expect_rc 0 "revert --dry-run through qemu+unix:///system"
expect_no_text "$OUT" "no backup of this domain" "the other URI's revert"
