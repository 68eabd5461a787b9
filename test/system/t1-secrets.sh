#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# System test 1: VNC and SPICE passwords and the other secure fields (here: the cookies of
# an https disk) survive enable, disable and revert, compared on
# `virsh dumpxml --inactive --security-info`; backups holding them are private (0600).
. "$(dirname "$0")/lib.sh"

name=${PREFIX}secrets
vnc_pw=vnc$$
vnc_pw=${vnc_pw:0:8} # QEMU allows at most 8 characters for VNC
spice_pw=spice-secret-$$
cookie=cookie-secret-$$
devices="
    <disk type='network' device='disk'>
      <driver name='qemu' type='raw'/>
      <source protocol='https' name='images/disk.img'>
        <host name='example.org' port='443'/>
        <cookies><cookie name='session'>$cookie</cookie></cookies>
      </source>
      <target dev='vda' bus='virtio'/>
    </disk>
    <graphics type='vnc' port='-1' autoport='yes' passwd='$vnc_pw'/>
    <graphics type='spice' autoport='yes' passwd='$spice_pw'/>
    <video><model type='qxl'/></video>"

# expect_secrets FILE WHAT: all three secrets are in the document.
expect_secrets() {
    expect_text "$1" "passwd='$vnc_pw'" "$2: VNC password"
    expect_text "$1" "passwd='$spice_pw'" "$2: SPICE password"
    expect_text "$1" ">$cookie<" "$2: disk cookie"
}

step "define $name with VNC and SPICE passwords and an https disk with a cookie"
define "$name" "$CPU_NO_SVM" "$devices"
dump "$name" "$WORK/before.xml"
expect_secrets "$WORK/before.xml" "dumpxml --security-info"
V dumpxml --inactive "$name" >"$WORK/no-secure.xml"
expect_no_text "$WORK/no-secure.xml" "$vnc_pw" "dumpxml without --security-info (so the test compares real secrets)"

step "enable --dry-run --diff: nothing changes, secrets masked in the diff"
vn enable "$name" --dry-run --diff --backup-dir "$BACKUPS"
expect_rc 0 "enable --dry-run --diff"
expect_text "$OUT" "svm" "the diff"
for secret in "$vnc_pw" "$spice_pw" "$cookie"; do
    expect_no_text "$OUT" "$secret" "the diff"
done
dump "$name" "$WORK/dry.xml"
same_xml "$WORK/before.xml" "$WORK/dry.xml" "config after enable --dry-run"
expect_no_backups "enable --dry-run"

step "enable"
vn enable "$name" --backup-dir "$BACKUPS"
expect_rc 0 "enable"
dump "$name" "$WORK/enabled.xml"
expect_secrets "$WORK/enabled.xml" "after enable"
same_outside_cpu "$WORK/before.xml" "$WORK/enabled.xml" "after enable"
expect_svm "$WORK/enabled.xml" on "after enable"

step "the backup holds the secrets and only root can read it"
backups=$(find "$BACKUPS" -type f)
[ -n "$backups" ] || fail "enable wrote no backup under $BACKUPS"
modes=$(find "$BACKUPS" -type f ! -perm 0600)
[ -z "$modes" ] || fail "backups not of mode 0600: $modes"
pass "backups are mode 0600: $(echo "$backups" | wc -l) file(s)"
[ -n "$(find "$BACKUPS" -type f -exec grep -lF "$vnc_pw" {} +)" ] ||
    fail "no backup holds the VNC password: revert would lose it"
pass "the backup keeps the VNC password"

step "disable --dry-run changes nothing"
vn disable "$name" --dry-run --backup-dir "$BACKUPS"
expect_rc 0 "disable --dry-run"
dump "$name" "$WORK/dry2.xml"
same_xml "$WORK/enabled.xml" "$WORK/dry2.xml" "config after disable --dry-run"

step "disable"
vn disable "$name" --backup-dir "$BACKUPS"
expect_rc 0 "disable"
dump "$name" "$WORK/disabled.xml"
expect_secrets "$WORK/disabled.xml" "after disable"
same_outside_cpu "$WORK/before.xml" "$WORK/disabled.xml" "after disable"
expect_svm "$WORK/disabled.xml" off "after disable"

step "revert: back to the config before disable, secrets intact"
vn revert "$name" --backup-dir "$BACKUPS"
expect_rc 0 "revert"
dump "$name" "$WORK/reverted.xml"
expect_secrets "$WORK/reverted.xml" "after revert"
same_xml "$WORK/enabled.xml" "$WORK/reverted.xml" "after revert"
