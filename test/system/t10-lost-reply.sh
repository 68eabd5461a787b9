#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# System test 10: the reply of a define is lost (libvirtd killed right after applying it).
# virt-nest must read the domain back on a new connection and report what it is: "changed"
# (with a warning) when the define landed and the daemon answers again; "unknown: check it"
# when no new connection can read it; never a plain "failed" for a define that landed. The
# domains after it are not attempted and keep no backup. Uses a shim (lost_reply_shim.cpp)
# that applies the define, kills the daemon and lets the call fail on the dead connection.
VNSYS_LOCK_MODE=exclusive
. "$(dirname "$0")/lib.sh"
: "${VNSYS_LOST_REPLY_SHIM:?the lost-reply shim library; set by CMakeLists.txt}"

names=("${PREFIX}lr-1" "${PREFIX}lr-2" "${PREFIX}lr-3")
target=${names[1]}

# The shim's command: kill libvirtd (and start it again with "restart").
cat >"$WORK/kill-daemon" <<SCRIPT_END
#!/usr/bin/env bash
. "$VNSYS_LIB_DIR/daemon.sh"
pid=\$(daemon_pid)
touch "$VNSYS_KILL_MARK"
kill -KILL "\$pid"
while kill -0 "\$pid" 2>/dev/null; do sleep 0.05; done
if [ "\${1:-}" = restart ]; then
    daemon_restart && rm -f "$VNSYS_KILL_MARK"
fi
SCRIPT_END
chmod +x "$WORK/kill-daemon"

# run_lost MODE: define the three domains afresh, enable them with the shim, keep the
# report in $OUT and the configs in $WORK/MODE-after.
run_lost() {
    local mode=$1
    remove_domains "${names[@]}"
    for name in "${names[@]}"; do
        define "$name"
    done
    dump_all "$WORK/$mode-before" "${names[@]}"
    rm -rf "$BACKUPS"
    VN_ENV=(LD_PRELOAD="$VNSYS_LOST_REPLY_SHIM" VNSYS_SHIM_DOMAIN="$target"
        VNSYS_LOCK_FD="${VNSYS_LOCK_FD:-}"
        VNSYS_SHIM_COMMAND="env -u LD_PRELOAD '$WORK/kill-daemon' $mode")
    vn enable "${names[@]}" --json --backup-dir "$BACKUPS"
    VN_ENV=()
    if ! daemon_answers; then
        daemon_restart || fail "libvirtd did not come back"
        rm -f "$VNSYS_KILL_MARK"
    fi
    expect_rc 1 "enable that lost the connection"
    dump_all "$WORK/$mode-after" "${names[@]}"
    xt classify "$WORK/$mode-before" "$WORK/$mode-after" >"$WORK/$mode-classes"
    cat "$WORK/$mode-classes"
}

field() { xt field "$OUT" "$1" "$2"; }

step "the daemon comes back: the landed define is reported changed"
run_lost restart
grep -q -P "^$target\tnew$" "$WORK/restart-classes" || fail "$target was not converted: the shim did not apply the define"
[ "$(field "$target" action)" = changed ] || fail "$target: $(field "$target" action): $(field "$target" reason)"
field "$target" warnings | grep -q "the connection was lost during the define" ||
    fail "$target: no warning about the lost connection"
# The engine keeps several domains in flight: each other domain was not started yet ("not
# attempted"), or its own define met the dead connection and a new connection read its old
# definition back ("nothing was defined"), or its define landed before the daemon died. What
# each is reported as must be what it is: unchanged without a backup, or changed with one.
backups=1
for other in "${names[0]}" "${names[2]}"; do
    last="$(field "$other" action): $(field "$other" reason)"
    case "$last" in
    "skipped: not attempted: the connection was lost"* | \
        "failed: the connection was lost during the define"*"nothing was defined")
        grep -q -P "^$other\told$" "$WORK/restart-classes" || fail "$other changed, reported as $last"
        ;;
    "changed: "*)
        grep -q -P "^$other\tnew$" "$WORK/restart-classes" || fail "$other reported changed, is old"
        backups=$((backups + 1))
        ;;
    *) fail "$other: $last" ;;
    esac
    pass "$other reported as what it is: $last"
done
[ "$(count_files "$BACKUPS")" -eq "$backups" ] ||
    fail "$(count_files "$BACKUPS") backups, expected $backups (a domain left unchanged keeps none)"
pass "$target changed (read back on a new connection), $backups backups"

step "the daemon stays down: the domain is reported unknown, not failed as if not applied"
run_lost kill
field "$target" reason | grep -q "^unknown: check it: the connection was lost during the define" ||
    fail "$target: $(field "$target" action): $(field "$target" reason)"
grep -q -P "^$target\tnew$" "$WORK/kill-classes" || fail "$target was not converted"
[ -n "$(field "$target" backup)" ] || fail "$target: the backup is not named"
pass "$target reported \"unknown: check it\" with its backup; it did land"
