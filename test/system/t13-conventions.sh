#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# System test 13: conventions on the real daemon. A misspelt --model is one usage error
# before any domain is read (libvirt's own model list for the host, not a table); `list`
# works over the read-only socket and says once, not per domain, that host support could
# not be verified there; `-r check` degrades the same way; `backups` lists and prunes.
. "$(dirname "$0")/lib.sh"

define "${PREFIX}a"
define "${PREFIX}b"
define "${PREFIX}c"
dump_all "$WORK/before"

step "a misspelt --model: exit 2 once, before any domain is read"
vn enable "${PREFIX}*" --model Skylake-Clinet --backup-dir "$BACKUPS"
expect_rc 2 "enable --model Skylake-Clinet"
expect_text "$ERR" 'unknown CPU model "Skylake-Clinet"' "enable --model Skylake-Clinet"
expect_text "$ERR" 'did you mean "Skylake-Client"?' "enable --model Skylake-Clinet"
[ "$(wc -l <"$ERR")" -eq 1 ] || fail "the error is said more than once"
[ ! -s "$OUT" ] || fail "a misspelt model produced domain output"
expect_no_backups "enable --model Skylake-Clinet"
same_configs "$WORK/before" "enable --model Skylake-Clinet"
# A model libvirt knows passes the check; each domain's own checks then decide (on TCG,
# Skylake-Client is known but not usable: skipped per domain, exit 3, never a usage error).
vn enable "${PREFIX}*" --model Skylake-Client --dry-run
[ "$RC" -eq 0 ] || [ "$RC" -eq 3 ] || fail "enable --model Skylake-Client: exit $RC"
expect_no_text "$ERR" "unknown CPU model" "enable --model Skylake-Client"
expect_text "$OUT" "summary: 3 selected" "enable --model Skylake-Client"

step "list reads over the read-only socket; host support unverified is said once"
vn list "${PREFIX}*"
expect_rc 0 "list (read-only by default)"
expect_text "$OUT" "${PREFIX}c" "list"
[ "$(grep -c 'could not be verified' "$OUT")" -eq 1 ] ||
    fail "list: the unverified note is not said exactly once"
expect_text "$OUT" "note: host nesting support could not be verified (a read-only connection may not read domain capabilities) (3 domains)" "list: said once, with the reason"
vn -r list "${PREFIX}*" --json
expect_rc 0 "-r list --json"
vn list --read-write "${PREFIX}*"
expect_rc 0 "list --read-write"
expect_no_text "$OUT" "could not be verified" "list --read-write (domain capabilities answer)"

step "-r check: libvirt's view degrades to a warning"
vn -r check --json
[ "$RC" -eq 0 ] || [ "$RC" -eq 4 ] || fail "-r check: exit $RC"
python3 - "$OUT" <<'PY' || fail "-r check: libvirt.kvm is not the read-only warning"
import json, sys
doc = json.load(open(sys.argv[1]))
kvm = [c for c in doc["hosts"][0]["check"]["checks"] if c["id"] == "libvirt.kvm"][0]
assert kvm["status"] == "WARN", kvm
assert "read-only connection" in kvm["message"], kvm
PY
pass "-r check: libvirt.kvm WARN, read-only"

step "backups: listed newest first, pruned to one per domain"
vn enable "${PREFIX}a" --backup-dir "$BACKUPS"
expect_rc 0 "enable a"
vn disable "${PREFIX}a" --backup-dir "$BACKUPS"
expect_rc 0 "disable a"
vn backups "${PREFIX}a" --backup-dir "$BACKUPS" --json
expect_rc 0 "backups --json"
python3 - "$OUT" <<'PY' || fail "backups: not two records, newest first"
import json, sys
doc = json.load(open(sys.argv[1]))
assert [r["kind"] for r in doc["backups"]] == ["disable", "enable"], doc
PY
vn backups --backup-dir "$BACKUPS" --prune --keep 1 --dry-run
expect_rc 0 "backups --prune --keep 1 --dry-run"
[ "$(count_files "$BACKUPS")" -eq 2 ] || fail "--dry-run removed a backup"
vn backups --backup-dir "$BACKUPS" --prune --keep 1
expect_rc 0 "backups --prune --keep 1"
[ "$(count_files "$BACKUPS")" -eq 1 ] || fail "--prune --keep 1 did not leave one backup"
pass "pruned to the newest"
