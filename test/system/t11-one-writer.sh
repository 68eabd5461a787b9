#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# System test 11: one writer per host. While one bulk enable runs on qemu:///system, a second
# run on the same daemon through another URI (qemu+unix:///system) fails at once with
# --wait 0 and changes nothing; with the default --wait it waits for the first and then
# finds every domain already nest-capable. Nothing is lost.
. "$(dirname "$0")/lib.sh"

count=${VNSYS_WRITER_DOMAINS:-150}
other_uri=qemu+unix:///system

step "define $count domains"
names=()
cmds=""
for i in $(seq -f %03g 1 "$count"); do
    name=${PREFIX}w-$i
    names+=("$name")
    dom_xml "$name" >"$WORK/$name.def.xml"
    cmds+="define $WORK/$name.def.xml; "
done
V "$cmds" >/dev/null
pass "defined $count domains"

step "a second run on the same host through $other_uri"
mkdir -p "$BACKUPS"
"$VIRTNEST_BIN" -c "$URI" enable "${PREFIX}w-*" --json --backup-dir "$BACKUPS" >"$WORK/first.out" 2>"$WORK/first.err" &
first=$!
while kill -0 "$first" 2>/dev/null && [ "$(count_files "$BACKUPS")" -lt 1 ]; do
    sleep 0.01
done
kill -0 "$first" 2>/dev/null || fail "the first run ended before the second started; raise VNSYS_WRITER_DOMAINS"
vn_at "$other_uri" enable "${PREFIX}w-*" --json --backup-dir "$WORK/backups2" --wait 0
expect_rc 1 "second run with --wait 0"
expect_text "$ERR" "another virt-nest run is changing host" "second run with --wait 0"
[ ! -e "$WORK/backups2" ] || [ "$(count_files "$WORK/backups2")" -eq 0 ] || fail "the refused run wrote backups"
vn_at "$other_uri" enable "${PREFIX}w-*" --json --backup-dir "$WORK/backups2" --wait 120
expect_rc 0 "second run with the default wait"
kill -0 "$first" 2>/dev/null && fail "the second run finished while the first still ran"
set +e
wait "$first"
first_rc=$?
set -e
[ "$first_rc" -eq 0 ] || fail "the first run exited $first_rc"
validate_json "$WORK/first.out"
xt records "$OUT" >"$WORK/records2"
[ "$(awk -F'\t' '$2 == "already"' "$WORK/records2" | wc -l)" -eq "$count" ] ||
    fail "the waiting run did not find all $count domains already nest-capable"
[ "$(count_files "$WORK/backups2")" -eq 0 ] || fail "the waiting run wrote backups"
pass "the second run failed fast, then waited and found all $count already nest-capable"
