#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# System test 6: a concurrent edit between planning and defining is detected, reported as
# "changed concurrently", and kept. The edit is injected deterministically by edit_shim
# (LD_PRELOAD), which runs `virsh desc --config` right before virt-nest's second read of
# the domain's persistent XML, i.e. its re-read before define.
. "$(dirname "$0")/lib.sh"
: "${VNSYS_EDIT_SHIM:?the edit shim library; set by CMakeLists.txt}"

name=${PREFIX}edited
title="edited concurrently by $$"
define "$name"
dump "$name" "$WORK/before.xml"

step "enable --dry-run changes nothing"
vn enable "$name" --dry-run --backup-dir "$BACKUPS"
expect_rc 0 "enable --dry-run"
dump "$name" "$WORK/dry.xml"
same_xml "$WORK/before.xml" "$WORK/dry.xml" "after enable --dry-run"
expect_no_backups "enable --dry-run"

step "enable while someone edits the domain between planning and define"
VN_ENV=(LD_PRELOAD="$VNSYS_EDIT_SHIM" VNSYS_SHIM_DOMAIN="$name" VNSYS_SHIM_READ=2
    VNSYS_SHIM_LOG="$WORK/shim.log"
    VNSYS_SHIM_COMMAND="env -u LD_PRELOAD virsh -q -c '$URI' desc '$name' --config --title --new-desc '$title' >/dev/null")
vn enable "$name" --backup-dir "$BACKUPS"
VN_ENV=()
touch "$WORK/shim.log"
sed 's/^/  shim: /' "$WORK/shim.log"
grep -q "^edit ran before read 2: status 0$" "$WORK/shim.log" || fail "the shim did not edit the domain"
expect_rc 3 "enable with a concurrent edit"
expect_text "$OUT" "changed concurrently" "the report"
dump "$name" "$WORK/after.xml"
[ "$(V desc "$name" --config --title)" = "$title" ] || fail "the concurrent edit was lost"
pass "the concurrent edit (title) is kept"
expect_svm "$WORK/after.xml" off "the CPU (not overwritten)"

step "a second enable converts the domain and keeps the edit"
vn enable "$name" --backup-dir "$BACKUPS"
expect_rc 0 "enable"
dump "$name" "$WORK/enabled.xml"
expect_svm "$WORK/enabled.xml" on "after enable"
same_outside_cpu "$WORK/after.xml" "$WORK/enabled.xml" "after enable"
