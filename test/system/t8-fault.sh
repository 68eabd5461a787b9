#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# System test 8: kill libvirtd (SIGKILL) during a bulk enable of a few hundred domains.
# virt-nest must exit non-zero and name the domains it converted and those it did not; no
# domain may be left broken (each config is either the old one or the converted one); after
# the daemon is restarted, a second run converts the rest and reports the first ones as
# already nest-capable. The daemon is restarted at once: others share this machine.
VNSYS_LOCK_MODE=exclusive
. "$(dirname "$0")/lib.sh"

count=${VNSYS_FAULT_DOMAINS:-300}
kill_after=${VNSYS_FAULT_KILL_AFTER:-60} # backups written before the kill

step "define $count domains"
names=()
cmds=""
for i in $(seq -f %03g 1 "$count"); do
    name=${PREFIX}bulk-$i
    names+=("$name")
    # Two CPU shapes: svm explicitly off, and a bare model that lacks it.
    if [ $((10#$i % 2)) -eq 0 ]; then
        dom_xml "$name" >"$WORK/$name.def.xml"
    else
        dom_xml "$name" "<cpu mode='custom' match='exact'><model fallback='allow'>qemu64</model></cpu>" >"$WORK/$name.def.xml"
    fi
    cmds+="define $WORK/$name.def.xml; "
done
started=$SECONDS
V "$cmds" >/dev/null
dump_all "$WORK/before" "${names[@]}"
defined=$(count_files "$WORK/before")
[ "$defined" -eq "$count" ] || fail "only $defined of $count domains defined"
pass "defined $count domains in $((SECONDS - started)) s"

step "bulk enable; kill libvirtd after $kill_after backups"
mkdir -p "$BACKUPS"
OUT=$WORK/bulk.out
ERR=$WORK/bulk.err
started=$SECONDS
"$VIRTNEST_BIN" -c "$URI" enable "${PREFIX}bulk-*" --json --backup-dir "$BACKUPS" >"$OUT" 2>"$ERR" &
tool=$!
while kill -0 "$tool" 2>/dev/null && [ "$(count_files "$BACKUPS")" -lt "$kill_after" ]; do
    sleep 0.02
done
kill -0 "$tool" 2>/dev/null || fail "virt-nest finished before the daemon could be killed; raise VNSYS_FAULT_DOMAINS"
daemon=$(daemon_pid)
touch "$VNSYS_KILL_MARK"
kill -KILL "$daemon"
echo "killed libvirtd (pid $daemon) after $((SECONDS - started)) s, $(count_files "$BACKUPS") backups"

deadline=$((SECONDS + 120))
while kill -0 "$tool" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
        kill -KILL "$tool"
        daemon_restart
        fail "virt-nest did not exit within 120 s of losing libvirtd"
    fi
    sleep 0.1
done
set +e
wait "$tool"
RC=$?
set -e
show_output "$OUT" "  | "
show_output "$ERR" "  ! "
echo "  exit $RC"

step "restart libvirtd"
daemon_restart || fail "libvirtd did not come back"
rm -f "$VNSYS_KILL_MARK"
pass "libvirtd answers again (pid $(daemon_pid))"

step "the report: non-zero exit, every domain named as done or not done"
if [ "$RC" -gt 128 ]; then
    # A signal death leaves no report at all; name the signal (SIGPIPE, say, from a write to
    # the dead daemon's socket).
    fail "virt-nest was killed by signal $((RC - 128)) (SIG$(kill -l $((RC - 128)))) and reported nothing"
fi
expect_rc_nonzero "bulk enable with libvirtd killed"
validate_json "$OUT"
xt records "$OUT" >"$WORK/records" || fail "the output is not the --json report"
awk -F'\t' '$2 == "changed" { print $1 }' "$WORK/records" | sort >"$WORK/reported-done"
for name in "${names[@]}"; do
    grep -q "^$name	" "$WORK/records" || fail "the report does not name $name"
done
pass "the report names all $count domains: $(wc -l <"$WORK/reported-done") changed, $((count - $(wc -l <"$WORK/reported-done"))) not"
[ -s "$WORK/reported-done" ] || fail "no domain reported as changed, yet $kill_after backups were written"
awk -F'\t' '$2 != "changed" { print $2 }' "$WORK/records" | sort | uniq -c

step "no domain is broken: each config is the old one or the converted one"
dump_all "$WORK/after" "${names[@]}"
xt classify "$WORK/before" "$WORK/after" >"$WORK/classes"
if grep -v -P '\t(old|new)$' "$WORK/classes"; then
    fail "broken domains above"
fi
awk -F'\t' '$2 == "new" { print $1 }' "$WORK/classes" | sort >"$WORK/converted"
pass "$(wc -l <"$WORK/converted") converted, $((count - $(wc -l <"$WORK/converted"))) unchanged, none broken"
not_converted=$(comm -23 "$WORK/reported-done" "$WORK/converted")
[ -z "$not_converted" ] || fail "reported changed but not converted: $not_converted"
# The defines in flight when the daemon died (up to the engine's window of 8) may have
# landed without their replies: each such domain must say so ("unknown: check it"), never a
# plain failure or "not attempted".
comm -13 "$WORK/reported-done" "$WORK/converted" >"$WORK/unreported"
[ "$(wc -l <"$WORK/unreported")" -le 8 ] ||
    fail "$(wc -l <"$WORK/unreported") domains converted but not reported as changed (window is 8)"
python3 - "$OUT" "$WORK/unreported" <<'PY' || fail "a converted domain is not reported as changed or unknown"
import json, sys
doc = json.load(open(sys.argv[1]))
reasons = {d["name"]: d.get("reason", "") for d in doc["domains"]}
bad = [n for n in open(sys.argv[2]).read().split() if "unknown: check it" not in reasons.get(n, "")]
for n in bad:
    print(f"{n}: converted, reported as: {reasons.get(n)!r}")
sys.exit(1 if bad else 0)
PY
unreported=$(wc -l <"$WORK/unreported")
pass "$unreported converted without a reply, each reported as unknown: check it"
pass "the report matches the configs ($unreported in-flight define landed unreported)"

step "second run finishes the rest and reports the first ones as already nest-capable"
vn enable "${PREFIX}bulk-*" --json --backup-dir "$BACKUPS"
expect_rc 0 "second bulk enable"
xt records "$OUT" >"$WORK/records2"
while read -r name; do
    grep -q "^$name	already	" "$WORK/records2" || fail "$name: not reported as already nest-capable"
done <"$WORK/reported-done"
pass "$(wc -l <"$WORK/reported-done") domains reported as already nest-capable"
dump_all "$WORK/final" "${names[@]}"
xt classify "$WORK/before" "$WORK/final" >"$WORK/classes2"
[ "$(grep -c -P '\tnew$' "$WORK/classes2")" -eq "$count" ] || fail "not every domain is converted after the second run"
pass "all $count domains converted"
