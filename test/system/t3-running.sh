#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# System test 3: on a running TCG domain, enable changes the persistent config only; the
# live XML is untouched; the report says a cold boot is needed; after destroy + start the
# new CPU is live, and `list` shows the restart pending until then. (The domains have no
# disk: SeaBIOS keeps them running.)
. "$(dirname "$0")/lib.sh"

text=${PREFIX}running-text
json=${PREFIX}running-json
for name in "$text" "$json"; do
    define "$name"
    V start "$name" >/dev/null
    [ "$(domain_state "$name")" = running ] || fail "$name did not start"
    dump "$name" "$WORK/$name.before.xml"
    live "$name" "$WORK/$name.live-before.xml"
done
pass "started $text and $json"

step "enable --dry-run changes neither the live nor the persistent XML"
vn enable "$text" --dry-run --backup-dir "$BACKUPS"
expect_rc 0 "enable --dry-run"
dump "$text" "$WORK/dry.xml"
live "$text" "$WORK/dry-live.xml"
same_xml "$WORK/$text.before.xml" "$WORK/dry.xml" "persistent config after enable --dry-run"
same_xml "$WORK/$text.live-before.xml" "$WORK/dry-live.xml" "live XML after enable --dry-run"
expect_no_backups "enable --dry-run"

step "enable (text report): a cold boot is needed"
vn enable "$text" --backup-dir "$BACKUPS"
expect_rc 0 "enable"
expect_text "$OUT" "cold boot" "the report"

step "enable (--json): restart_required"
vn enable "$json" --json --backup-dir "$BACKUPS"
expect_rc 0 "enable --json"
[ "$(xt field "$OUT" "$json" action)" = changed ] || fail "--json action is not 'changed'"
[ "$(xt field "$OUT" "$json" restart_required)" = true ] || fail "--json restart_required is not true"
pass "--json: action changed, restart_required true"

step "the persistent config changed, the live XML did not"
for name in "$text" "$json"; do
    [ "$(domain_state "$name")" = running ] || fail "$name is no longer running"
    dump "$name" "$WORK/$name.after.xml"
    live "$name" "$WORK/$name.live-after.xml"
    expect_svm "$WORK/$name.after.xml" on "$name: persistent config"
    same_outside_cpu "$WORK/$name.before.xml" "$WORK/$name.after.xml" "$name: persistent config"
    same_xml "$WORK/$name.live-before.xml" "$WORK/$name.live-after.xml" "$name: live XML"
    expect_svm "$WORK/$name.live-after.xml" off "$name: live CPU until the cold boot"
done

step "list shows the pending restart"
vn list "$text" --json
expect_rc 0 "list --json"
xt field "$OUT" "$text" notes >"$WORK/notes"
expect_text "$WORK/notes" "restart pending" "list notes"

step "destroy + start: the new CPU is live"
for name in "$text" "$json"; do
    V destroy "$name" >/dev/null
    V start "$name" >/dev/null
    live "$name" "$WORK/$name.live-rebooted.xml"
    expect_svm "$WORK/$name.live-rebooted.xml" on "$name: live CPU after the cold boot"
done
vn list "$text" --json
expect_rc 0 "list --json"
xt field "$OUT" "$text" notes >"$WORK/notes"
expect_no_text "$WORK/notes" "restart pending" "list notes after the cold boot"
