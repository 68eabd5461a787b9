#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# System test 16: a domain's result line is printed when that domain is done, not at the end
# of the run. The edit shim (LD_PRELOAD) runs a command right before virt-nest's re-read of
# the last domain, i.e. while the run is still going: that command looks at what virt-nest
# has printed so far. The --json-lines twin streams a record the same way. Twenty domains: the
# engine works in batches of eight (on a local socket), and a batch's results are printed once
# its conflict check is done, which overlaps the next batch's defines; so the last domain's
# re-read (in the third batch) comes after the first batch's results.
. "$(dirname "$0")/lib.sh"
: "${VNSYS_EDIT_SHIM:?the edit shim library; set by CMakeLists.txt}"

names=()
for n in $(seq -w 1 20); do
    names+=("${PREFIX}s-$n")
done
for name in "${names[@]}"; do
    define "$name"
done

# stream_check MODE PATTERN: enable the twenty with output MODE ("text" or "json-lines");
# before the last one's re-read, the output must already match PATTERN (the first domain).
stream_check() {
    local mode=$1 pattern=$2 flags=()
    [ "$mode" = json-lines ] && flags=(--json-lines)
    VN_ENV=(LD_PRELOAD="$VNSYS_EDIT_SHIM" VNSYS_SHIM_DOMAIN="${names[19]}" VNSYS_SHIM_READ=2
        VNSYS_SHIM_LOG="$WORK/shim-$mode.log"
        VNSYS_SHIM_COMMAND="grep -q -- '$pattern' '$WORK/vn-$((VN_RUNS + 1)).out' && touch '$WORK/seen-$mode'")
    vn enable "${PREFIX}s-*" "${flags[@]}" --backup-dir "$BACKUPS"
    VN_ENV=()
    expect_rc 0 "enable ($mode)"
    [ -e "$WORK/seen-$mode" ] ||
        fail "$mode: the first domain's result was not printed before the last domain was defined"
    pass "$mode: the first domain's result was out while the run went on"
}

step "text: the first line arrives before the run ends"
stream_check text "^${names[0]}: changed"

step "--json-lines: the first record arrives before the run ends"
vn disable "${PREFIX}s-*" --backup-dir "$BACKUPS"
expect_rc 0 "disable (back to the start)"
stream_check json-lines "\"name\":\"${names[0]}\""
