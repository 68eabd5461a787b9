#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# System test 9: the CPU choices of issue 14 on the real QEMU driver. Every golden result of
# the confidential, Windows/Hyper-V, paging and migratable cases is accepted by
# `virsh define --validate`; `baseline` over the real daemon and over real Intel and AMD
# host CPUs from libvirt's own test data (scripts/fetch-test-data) prints a CPU that
# defines with --validate, and mixed vendors are refused. s390x results are checked by the
# golden test on libvirt's test driver only: no qemu-system-s390x here.
. "$(dirname "$0")/lib.sh"

FIXTURES=$VNSYS_LIB_DIR/../../xml-fixtures
TESTDATA=${VIRTNEST_LIBVIRT_TESTS:-$(dirname "$VIRTNEST_BIN")/libvirt-tests}

step "every golden result of the new x86 cases defines with --validate"
# confidential-sev-disable is left to the golden test: the QEMU driver accepts SEV only where
# the host and QEMU offer it.
cases=(windows-intel-hyperv windows-intel-vapic-off windows-intel-libosinfo windows-intel-flag
       windows-amd-evmcs windows-amd-custom windows-disable windows-unknown-vendor
       windows-other-flag
       custom-amd-paging custom-amd-has-paging custom-intel-paging passthrough-migratable)
for case in "${cases[@]}"; do
    expected=$FIXTURES/$case.expected.xml
    [ -f "$expected" ] || fail "$case: no $expected"
    name=${PREFIX}$case
    xt set-name "$expected" "$name" >"$WORK/$name.xml"
    V define "$WORK/$name.xml" --validate >/dev/null || fail "$case: define --validate refused it"
    V undefine "$name" >/dev/null
    pass "$case: accepted by the QEMU driver"
done

step "confidential guests are refused by rewrite, whatever the options"
for case in confidential-sev confidential-sev-snp confidential-tdx confidential-s390-pv; do
    set +e
    "$VIRTNEST_BIN" rewrite "$FIXTURES/$case.xml" --mode host-passthrough >"$WORK/out" 2>"$WORK/err"
    RC=$?
    set -e
    expect_rc 1 "rewrite $case"
    expect_text "$WORK/err" "the hardware does not offer nested virtualization" "rewrite $case"
done

host_model_cpu() {
    V domcapabilities | python3 -c '
import sys, xml.etree.ElementTree as ET
mode = ET.parse(sys.stdin).getroot().find("cpu/mode[@name=\"host-model\"]")
mode.tag = "cpu"; mode.attrib.clear(); mode.set("mode", "custom"); mode.set("match", "exact")
print(ET.tostring(mode, encoding="unicode"))'
}

# cpu_domain CPU_FILE NAME: a domain around the <cpu> of CPU_FILE (a baseline result).
cpu_domain() {
    local cpu
    cpu=$(python3 -c '
import sys, xml.etree.ElementTree as ET
text = open(sys.argv[1]).read()
print(text[:text.index("</cpu>") + len("</cpu>")])' "$1")
    dom_xml "$2" "$cpu" >"$WORK/$2.xml"
}

step "baseline over the real daemon"
vn baseline
vendor=$(V capabilities | python3 -c '
import sys, xml.etree.ElementTree as ET
print(ET.parse(sys.stdin).getroot().findtext("host/cpu/vendor"))')
feature=vmx
[ "$vendor" = AMD ] && feature=svm
expect_text "$OUT" "<feature policy='require' name='$feature'/>" "baseline of $vendor host"
expect_text "$OUT" "<!-- $URI: " "baseline checked the host"
# The host runs it (exit 0) when it offers nesting; without nesting here it says so (3).
if grep -qF "CANNOT run" "$OUT"; then
    expect_rc 3 "baseline on a host without nesting"
    expect_text "$ERR" "cannot run the baseline CPU with nesting" "baseline on a host without nesting"
else
    expect_rc 0 "baseline on a host with nesting"
fi
cpu_domain "$OUT" "${PREFIX}baseline-host"
V define "$WORK/${PREFIX}baseline-host.xml" --validate >/dev/null || fail "baseline CPU refused"
pass "the baseline CPU defines with --validate"

vn baseline --json
python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))["baseline"]
assert doc["feature"] in ("vmx", "svm"), doc
assert doc["cpu"].startswith("<cpu"), doc
assert doc["checks"][0]["check"] in ("identical", "superset", "incompatible"), doc' "$OUT" ||
    fail "baseline --json: unexpected document"
pass "baseline --json: vendor, feature, cpu, checks"

if [ ! -d "$TESTDATA/cputestdata" ]; then
    fail "libvirt's test data missing in $TESTDATA: run scripts/fetch-test-data"
fi
cpus=$TESTDATA/cputestdata
caps=$TESTDATA/domaincapsdata

step "baseline of real Intel hosts (libvirt's test data), computed by the daemon"
vn baseline --cpus-only --cpu "$cpus/x86_64-cpuid-Core-i7-8700-host.xml" \
    --cpu "$cpus/x86_64-cpuid-Ice-Lake-Server-host.xml" --cpu "$caps/qemu_5.0.0.x86_64.xml"
expect_rc 0 "Intel baseline"
expect_text "$OUT" "<vendor>Intel</vendor>" "Intel baseline"
expect_text "$OUT" "<feature policy='require' name='vmx'/>" "Intel baseline"
expect_text "$OUT" "not checked" "Intel baseline"
cpu_domain "$OUT" "${PREFIX}baseline-intel"
V define "$WORK/${PREFIX}baseline-intel.xml" --validate >/dev/null || fail "Intel baseline refused"
pass "the Intel baseline defines with --validate"

step "baseline of real AMD hosts"
vn baseline --cpus-only --cpu "$cpus/x86_64-cpuid-EPYC-7502-32-Core-host.xml" \
    --cpu "$cpus/x86_64-cpuid-EPYC-7601-32-Core-host.xml" --cpu "$caps/qemu_7.2.0.x86_64.xml"
expect_rc 0 "AMD baseline"
expect_text "$OUT" "<feature policy='require' name='svm'/>" "AMD baseline"
expect_no_text "$OUT" "<feature policy='disable' name='npt'/>" "AMD baseline"
cpu_domain "$OUT" "${PREFIX}baseline-amd"
V define "$WORK/${PREFIX}baseline-amd.xml" --validate >/dev/null || fail "AMD baseline refused"
pass "the AMD baseline defines with --validate"

step "mixed vendors are refused with the reason"
vn baseline --cpus-only --cpu "$cpus/x86_64-cpuid-Core-i7-8700-host.xml" \
    --cpu "$cpus/x86_64-cpuid-EPYC-7502-32-Core-host.xml"
expect_rc 1 "mixed vendors"
expect_text "$ERR" "cannot compute one CPU for mixed vendors" "mixed vendors"
expect_text "$ERR" "make one baseline per vendor" "mixed vendors"
[ ! -s "$OUT" ] || fail "mixed vendors: printed a CPU anyway"
pass "mixed vendors: nothing printed"

step "enable --mode auto keeps a named model this host runs (TCG: no host-passthrough)"
auto=${PREFIX}auto-qemu64
define "$auto" "<cpu mode='custom' match='exact' check='partial'><model fallback='allow'>qemu64</model></cpu>"
vn enable "$auto" --json --backup-dir "$BACKUPS"
expect_rc 0 "enable (auto) of a qemu64 domain"
dump "$auto" "$WORK/$auto.after.xml"
expect_text "$WORK/$auto.after.xml" "<cpu mode='custom' match='exact' check='partial'>" "auto keeps the mode"
expect_text "$WORK/$auto.after.xml" "<model fallback='allow'>qemu64</model>" "auto keeps the model"
expect_text "$WORK/$auto.after.xml" "<feature policy='require' name='svm'/>" "auto requires svm"
python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["summary"]["lost_migration"] == 0, doc["summary"]' "$OUT" ||
    fail "enable (auto): lost_migration is not 0"
pass "enable (auto): no domain lost migration"

step "enable --mode auto refuses a model the host cannot run where there is no host-passthrough"
unusable=${PREFIX}auto-skylake
define "$unusable" "<cpu mode='custom' match='exact'><model fallback='allow'>Skylake-Client</model></cpu>"
dump "$unusable" "$WORK/$unusable.before.xml"
vn enable "$unusable" --backup-dir "$BACKUPS"
expect_rc 3 "enable (auto) of a Skylake-Client TCG domain"
expect_text "$OUT" "CPU model \"Skylake-Client\" is not usable on this host" "auto on an unusable model"
dump "$unusable" "$WORK/$unusable.after.xml"
same_xml "$WORK/$unusable.before.xml" "$WORK/$unusable.after.xml" "refused domain"

step "list over two hosts says which domains would not migrate where"
# The same daemon through two URIs stands in for two hosts: TCG cannot run Skylake-Client, so
# the other "host" is named for that domain and not for the qemu64 one.
other=qemu+unix:///system
vn_at "$URI" -c "$other" list "$auto" "$unusable" --json
expect_rc 0 "list over two hosts"
python3 -c '
import json, sys
doc = json.load(open(sys.argv[1]))
rows = {(r["uri"], r["name"]): r for r in doc["domains"]}
uri, other, auto, unusable = sys.argv[2:6]
assert rows[(uri, unusable)]["not_migratable_to"] == [other], rows[(uri, unusable)]
assert rows[(other, unusable)]["not_migratable_to"] == [uri], rows[(other, unusable)]
assert rows[(uri, auto)]["not_migratable_to"] == [], rows[(uri, auto)]' "$OUT" "$URI" "$other" "$auto" "$unusable" ||
    fail "list over two hosts: not_migratable_to is wrong"
pass "list over two hosts: Skylake-Client would not migrate, qemu64 would"

echo
echo "PASS: t9 cpu choices"
