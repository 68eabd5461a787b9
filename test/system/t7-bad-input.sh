#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# System test 7: bad input (unknown domain, a glob matching nothing, an unreachable daemon,
# a malformed URI, a read-only connection) gets a clear message and a non-zero exit, and
# changes nothing: every config is as before and no backup is written.
. "$(dirname "$0")/lib.sh"

define "${PREFIX}alpha"
define "${PREFIX}beta"
dump_all "$WORK/before"

# nothing_changed WHAT
nothing_changed() {
    same_configs "$WORK/before" "$1"
    expect_no_backups "$1"
}

# expect_error WHAT PHRASE...: exit 1, and stderr says "virt-nest: error:" and each PHRASE.
expect_error() {
    local what=$1 phrase
    shift
    expect_rc 1 "$what"
    expect_text "$ERR" "virt-nest: error:" "$what"
    for phrase in "$@"; do
        expect_text "$ERR" "$phrase" "$what"
    done
    nothing_changed "$what"
}

for cmd in enable disable revert; do
    step "$cmd: unknown domain, with a did-you-mean"
    vn "$cmd" "${PREFIX}alpah" --backup-dir "$BACKUPS"
    expect_error "$cmd ${PREFIX}alpah" "\"${PREFIX}alpah\"" "did you mean" "${PREFIX}alpha"
done

step "enable: a glob matching nothing"
vn enable "${PREFIX}nomatch-*" --backup-dir "$BACKUPS"
expect_error "enable ${PREFIX}nomatch-*" "\"${PREFIX}nomatch-*\""

step "enable: one good name and one unknown name: nothing is done"
vn enable "${PREFIX}alpha" "${PREFIX}gamma" --backup-dir "$BACKUPS"
expect_error "enable alpha gamma" "\"${PREFIX}gamma\""

step "enable: unreachable daemon"
bad_socket="qemu+unix:///system?socket=$WORK/no-such-libvirt-sock"
vn_at "$bad_socket" enable "${PREFIX}alpha" --backup-dir "$BACKUPS"
expect_error "unreachable daemon" "$WORK/no-such-libvirt-sock"

step "enable: malformed URI"
vn_at "qemu://[bad" enable "${PREFIX}alpha" --backup-dir "$BACKUPS"
expect_error "malformed URI" "qemu://[bad"

step "enable: read-only connection"
ro_socket="qemu+unix:///system?socket=/run/libvirt/libvirt-sock-ro"
vn_at "$ro_socket" enable "${PREFIX}alpha" --backup-dir "$BACKUPS"
expect_rc_nonzero "read-only connection"
# A refusal may be a run-stopping error (stderr) or a per-domain failure (the report).
cat "$OUT" "$ERR" >"$WORK/ro.all"
expect_text "$WORK/ro.all" "operation forbidden" "read-only connection (libvirt's reason)"
expect_text "$WORK/ro.all" "${PREFIX}alpha" "read-only connection (the domain)"
nothing_changed "read-only connection"
