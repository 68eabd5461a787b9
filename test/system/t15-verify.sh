#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# System test 15: `verify` answers for a running TCG domain from its live XML: svm=no while
# it runs with svm disabled (also after enable, until the cold boot, and `list` names the
# missing feature), svm=yes after destroy + start. A shut-off domain is unknown. (No disk:
# SeaBIOS keeps the domain running. Its guest agent channel has no agent behind it, so only
# the live XML answers, and verify says so; the e2e test asks a real agent.)
. "$(dirname "$0")/lib.sh"

name=${PREFIX}verify
define "$name" "$CPU_NO_SVM" "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
V start "$name" >/dev/null
[ "$(domain_state "$name")" = running ] || fail "$name did not start"
pass "started $name"

step "before enable: the running vCPU has no svm"
vn verify "$name"
expect_rc 4 "verify"
expect_text "$OUT" "$name: svm=no" "verify"
expect_text "$OUT" "(live XML: svm absent" "verify names its source"
expect_text "$OUT" "guest agent: channel present, no agent connected" "verify without an agent"
expect_no_text "$OUT" "tainted" "verify without an agent"

step "after enable, before the cold boot: still no svm, and list names it"
vn enable "$name" --backup-dir "$BACKUPS"
expect_rc 0 "enable"
expect_text "$OUT" "then, after the cold boot: \`virt-nest verify $name\` asks its guest agent" "enable's next step"
vn verify "$name" --json
expect_rc 4 "verify --json"
[ "$(xt field "$OUT" "$name" virt)" = no ] || fail "--json virt is not 'no'"
pass "--json: virt no"
vn list "$name" --json
expect_rc 0 "list --json"
xt field "$OUT" "$name" notes >"$WORK/notes"
expect_text "$WORK/notes" "restart pending: the running vCPU lacks svm (live XML)" "list notes"

step "after destroy + start: svm"
V destroy "$name" >/dev/null
V start "$name" >/dev/null
vn verify "$name"
expect_rc 0 "verify after the cold boot"
expect_text "$OUT" "$name: svm=yes" "verify after the cold boot"

step "a shut-off domain is unknown, exit 3"
V destroy "$name" >/dev/null
vn verify "$name"
expect_rc 3 "verify of a shut-off domain"
expect_text "$OUT" "svm=unknown" "verify of a shut-off domain"
expect_text "$OUT" "(state: not running" "verify of a shut-off domain"

step "mode maximum: the live XML cannot tell; --monitor asks QEMU (and warns of the taint)"
max=${PREFIX}verify-max
define "$max" "<cpu mode='maximum' check='none'/>"
V start "$max" >/dev/null
vn verify "$max"
expect_rc 3 "verify without --monitor"
expect_text "$OUT" "svm=unknown" "verify without --monitor"
vn verify "$max" --monitor
expect_rc 0 "verify --monitor"
expect_text "$OUT" "$max: svm=yes" "verify --monitor"
expect_text "$OUT" "(QEMU monitor: qom-get" "verify --monitor names its source"
expect_text "$ERR" "tainted" "verify --monitor warns"
V destroy "$max" >/dev/null
