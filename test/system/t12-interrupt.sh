#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# System test 12: SIGINT in the middle of a bulk enable over a few hundred domains. virt-nest
# must finish the define in flight, print the whole report (every finished domain, the
# others as not attempted, the summary) and exit 130; every config is the old one or the
# converted one, exactly the reported ones are converted, and only they have a backup. A
# second SIGINT ends the run at once.
. "$(dirname "$0")/lib.sh"

count=${VNSYS_INTERRUPT_DOMAINS:-200}
interrupt_after=${VNSYS_INTERRUPT_AFTER:-30} # backups written before the SIGINT

step "define $count domains"
names=()
cmds=""
for i in $(seq -f %03g 1 "$count"); do
    name=${PREFIX}int-$i
    names+=("$name")
    dom_xml "$name" "<cpu mode='custom' match='exact'><model fallback='allow'>qemu64</model></cpu>" >"$WORK/$name.def.xml"
    cmds+="define $WORK/$name.def.xml; "
done
V "$cmds" >/dev/null
dump_all "$WORK/before" "${names[@]}"
[ "$(count_files "$WORK/before")" -eq "$count" ] || fail "not all $count domains defined"
pass "defined $count domains"

# Start a bulk enable and send SIGINT (once, or `signals` times) after `interrupt_after`
# backups; sets RC.
interrupt_enable() {
    local signals=$1
    mkdir -p "$BACKUPS"
    "$VIRTNEST_BIN" -c "$URI" enable "${PREFIX}int-*" --json --backup-dir "$BACKUPS" >"$OUT" 2>"$ERR" &
    local tool=$!
    while kill -0 "$tool" 2>/dev/null && [ "$(count_files "$BACKUPS")" -lt "$interrupt_after" ]; do
        sleep 0.01
    done
    kill -0 "$tool" 2>/dev/null || fail "virt-nest finished before the SIGINT; raise VNSYS_INTERRUPT_DOMAINS"
    if [ "$signals" -eq 1 ]; then
        kill -INT "$tool"
    else
        # Two signals, deterministically: the stopped process cannot finish between them, and
        # SIGINT and SIGTERM, unlike two SIGINTs, never merge into one while pending.
        kill -STOP "$tool"
        kill -INT "$tool"
        kill -TERM "$tool"
        kill -CONT "$tool"
    fi
    set +e
    wait "$tool"
    RC=$?
    set -e
    echo "  exit $RC after $(count_files "$BACKUPS") backups"
}

step "bulk enable, SIGINT after $interrupt_after backups"
OUT=$WORK/int.out
ERR=$WORK/int.err
interrupt_enable 1
show_output "$ERR" "  ! "
[ "$RC" -eq 130 ] || fail "exit $RC, expected 130"
validate_json "$OUT"
xt records "$OUT" >"$WORK/records" || fail "the output is not the --json report"
for name in "${names[@]}"; do
    grep -q "^$name	" "$WORK/records" || fail "the report does not name $name"
done
awk -F'\t' '$2 == "changed" { print $1 }' "$WORK/records" | sort >"$WORK/reported-done"
done_count=$(wc -l <"$WORK/reported-done")
[ "$done_count" -gt 0 ] && [ "$done_count" -lt "$count" ] ||
    fail "$done_count of $count reported changed: the SIGINT did not land mid-run"
awk -F'\t' '$2 != "changed" && $2 != "skipped" { print }' "$WORK/records" | grep . &&
    fail "records above are neither changed nor skipped"
python3 - "$OUT" <<'PY' || fail "not every unchanged domain is 'not attempted: interrupted by SIGINT'"
import json, sys
doc = json.load(open(sys.argv[1]))
bad = [d["name"] for d in doc["domains"]
       if d["action"] != "changed" and d["reason"] != "not attempted: interrupted by SIGINT"]
assert not bad, bad
assert doc["hosts"][0]["summary"]["stopped"] == "interrupted by SIGINT", doc["hosts"]
assert doc["summary"]["exit_code"] == 130, doc["summary"]
PY
pass "exit 130 (and 130 in the JSON summary); the report names all $count: $done_count changed, the rest not attempted"

step "state consistent: exactly the reported domains converted, only they backed up"
dump_all "$WORK/after" "${names[@]}"
xt classify "$WORK/before" "$WORK/after" >"$WORK/classes"
if grep -v -P '\t(old|new)$' "$WORK/classes"; then
    fail "broken domains above"
fi
awk -F'\t' '$2 == "new" { print $1 }' "$WORK/classes" | sort >"$WORK/converted"
cmp -s "$WORK/reported-done" "$WORK/converted" ||
    fail "converted and reported-changed differ: $(diff "$WORK/reported-done" "$WORK/converted" | head -5)"
backups=$(count_files "$BACKUPS")
[ "$backups" -eq "$done_count" ] || fail "$backups backups for $done_count changed domains"
pass "$done_count converted, $done_count backups, $((count - done_count)) untouched"

step "a second signal ends the run at once"
rm -rf "$BACKUPS"
V "$(for n in $(cat "$WORK/converted"); do printf 'define %s; ' "$WORK/before/$n.xml"; done)" >/dev/null
OUT=$WORK/int2.out
ERR=$WORK/int2.err
interrupt_enable 2
[ "$RC" -eq 130 ] || [ "$RC" -eq 143 ] || fail "exit $RC, expected death by the second signal"
[ ! -s "$OUT" ] || fail "a report was printed after the second SIGINT"
dump_all "$WORK/after2" "${names[@]}"
xt classify "$WORK/before" "$WORK/after2" >"$WORK/classes2"
if grep -v -P '\t(old|new)$' "$WORK/classes2"; then
    fail "broken domains above"
fi
pass "killed by the second signal, no report, no domain broken"
