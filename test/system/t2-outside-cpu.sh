#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# System test 2: outside <cpu>, the inactive XML is unchanged after enable. Run over real
# domain XML from libvirt's own test suite (domains/, see domains/SOURCES) and a small
# domain without <cpu>, selected with one glob.
. "$(dirname "$0")/lib.sh"

step "define the domains"
names=()
for src in "$VNSYS_LIB_DIR"/domains/*.xml; do
    name=${PREFIX}$(basename "$src" .xml)
    xt set-name "$src" "$name" >"$WORK/$name.def.xml"
    V define "$WORK/$name.def.xml" --validate >/dev/null
    names+=("$name")
done
define "${PREFIX}no-cpu" ""
names+=("${PREFIX}no-cpu")
dump_all "$WORK/before"
pass "defined ${#names[@]} domains: ${names[*]}"

step "enable --dry-run changes nothing"
vn enable "${PREFIX}*" --dry-run --backup-dir "$BACKUPS"
expect_rc 0 "enable --dry-run"
same_configs "$WORK/before" "after enable --dry-run"
expect_no_backups "enable --dry-run"

step "enable"
vn enable "${PREFIX}*" --backup-dir "$BACKUPS"
expect_rc 0 "enable"
dump_all "$WORK/after"
# The one change outside <cpu> that enable makes: a Windows guest (hyperv.xml) on an AMD host
# loses <evmcs>, which exists only on Intel (on Intel it stays, vapic being on already).
vendor=$(V capabilities | python3 -c '
import sys, xml.etree.ElementTree as ET
print(ET.parse(sys.stdin).getroot().findtext("host/cpu/vendor"))')
for name in "${names[@]}"; do
    before=$WORK/before/$name.xml
    after=$WORK/after/$name.xml
    if [ "$name" = "${PREFIX}hyperv" ] && [ "$vendor" = AMD ]; then
        expect_text "$before" "<evmcs state='on'/>" "$name before enable"
        expect_no_text "$after" "<evmcs" "$name on an AMD host"
        grep -v "<evmcs " "$before" >"$WORK/$name.before-without-evmcs.xml"
        before=$WORK/$name.before-without-evmcs.xml
    fi
    same_outside_cpu "$before" "$after" "$name"
    expect_svm "$after" on "$name"
done
