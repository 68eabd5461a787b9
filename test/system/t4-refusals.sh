#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# System test 4: a transient domain is refused and stays transient; a domain with a
# managed-save image is refused with the reason; a domain with a snapshot is converted
# with a warning that reverting the snapshot restores the old CPU.
. "$(dirname "$0")/lib.sh"

transient=${PREFIX}transient
saved=${PREFIX}managed-save
snap=${PREFIX}snapshot

step "a transient domain is refused"
dom_xml "$transient" >"$WORK/$transient.def.xml"
V create "$WORK/$transient.def.xml" >/dev/null
dump "$transient" "$WORK/transient.before.xml"
for dry in --dry-run ""; do
    vn enable "$transient" $dry --backup-dir "$BACKUPS"
    expect_rc 3 "enable $dry of a transient domain"
    expect_text "$OUT" "transient" "the report"
done
dominfo_is "$transient" Persistent no || fail "$transient became persistent"
dump "$transient" "$WORK/transient.after.xml"
same_xml "$WORK/transient.before.xml" "$WORK/transient.after.xml" "the transient domain"
expect_no_backups "refused transient domain"

step "a domain with a managed-save image is refused, with the reason"
define "$saved"
V start "$saved" >/dev/null
V managedsave "$saved" >/dev/null
dominfo_is "$saved" "Managed save" yes || fail "managedsave left no image"
dump "$saved" "$WORK/saved.before.xml"
for dry in --dry-run ""; do
    vn enable "$saved" $dry --backup-dir "$BACKUPS"
    expect_rc 3 "enable $dry of a domain with a managed-save image"
    expect_text "$OUT" "managed" "the report (the reason)"
    expect_text "$OUT" "managedsave-remove" "the report (how to discard the image)"
done
dominfo_is "$saved" "Managed save" yes || fail "the managed-save image is gone"
dump "$saved" "$WORK/saved.after.xml"
same_xml "$WORK/saved.before.xml" "$WORK/saved.after.xml" "the managed-saved domain"
expect_no_backups "refused managed-saved domain"

step "a domain with a snapshot is converted, with a warning"
define "$snap"
{
    echo "<domainsnapshot><name>before-nesting</name><state>shutoff</state>"
    echo "<creationTime>1700000000</creationTime>"
    V dumpxml --inactive --security-info "$snap"
    echo "</domainsnapshot>"
} >"$WORK/snapshot.xml"
V snapshot-create "$snap" "$WORK/snapshot.xml" --redefine >/dev/null
dump "$snap" "$WORK/snap.before.xml"
vn enable "$snap" --dry-run --backup-dir "$BACKUPS"
expect_rc 0 "enable --dry-run of a domain with a snapshot"
expect_text "$OUT" "snapshot" "the dry-run report"
dump "$snap" "$WORK/snap.dry.xml"
same_xml "$WORK/snap.before.xml" "$WORK/snap.dry.xml" "after enable --dry-run"
vn enable "$snap" --backup-dir "$BACKUPS"
expect_rc 0 "enable of a domain with a snapshot"
expect_text "$OUT" "snapshot" "the report"
dump "$snap" "$WORK/snap.after.xml"
expect_svm "$WORK/snap.after.xml" on "after enable"
[ "$(V snapshot-list "$snap" --name)" = before-nesting ] || fail "the snapshot is gone"
pass "the snapshot is still there"
