#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# System test 17: `enable --mode baseline` on the real daemon. A hosts file with one host
# (this daemon): the baseline is its host-model CPU with nesting; a dry run changes nothing;
# the domains it defines carry the baseline's model and feature, keep their topology and
# NUMA, and are accepted again by `virsh define --validate`; a second run says "already";
# revert restores. The same daemon under two URIs is one host: both URIs compute the
# baseline, and the host lock lets only one of them change each domain. A host that cannot
# run the baseline stops the run before any domain is touched (on a host without nesting,
# that refusal and the offline rewrite are all that can be shown).
. "$(dirname "$0")/lib.sh"

other_uri=qemu+unix:///system
TOPO_CPU="<cpu mode='host-model'><topology sockets='1' dies='1' cores='2' threads='1'/><numa><cell id='0' cpus='0-1' memory='65536' unit='KiB'/></numa></cpu>"
define "${PREFIX}a"
dom_xml "${PREFIX}topo" "$TOPO_CPU" | sed "s|<vcpu>1</vcpu>|<vcpu>2</vcpu>|" >"$WORK/topo.def.xml"
V define "$WORK/topo.def.xml" --validate >/dev/null
dump_all "$WORK/before"
printf '# one host\n%s\n' "$URI" >"$WORK/hosts"

step "the baseline of this one host"
vn baseline --hosts "$WORK/hosts"
baseline_rc=$RC
model=$(python3 -c '
import sys, xml.etree.ElementTree as ET
text = open(sys.argv[1]).read()
print(ET.fromstring(text[:text.index("</cpu>") + 6]).findtext("model"))' "$OUT")
feature=$(grep -oE "name='(vmx|svm)'" "$OUT" | head -n 1 | cut -d"'" -f2)
[ -n "$model" ] && [ -n "$feature" ] || fail "baseline printed no model or nesting feature"
pass "baseline: $model with $feature (exit $baseline_rc)"
# The cluster's CPU exists for migration: nothing in it may block that (libvirt's
# VIR_CONNECT_BASELINE_CPU_MIGRATABLE leaves out invtsc, which the host-model here carries).
expect_no_text "$OUT" "name='invtsc'" "the baseline (no feature that blocks migration)"

step "the offline rewrite with this baseline: accepted by define --validate"
sed -n '/^<cpu/,/^<\/cpu>/p' "$OUT" >"$WORK/baseline-cpu.xml"
for name in "${PREFIX}a" "${PREFIX}topo"; do
    "$VIRTNEST_BIN" rewrite "$WORK/before/$name.xml" --baseline "$WORK/baseline-cpu.xml" \
        -o "$WORK/$name.rewritten.xml" || fail "$name: rewrite --baseline failed"
    grep -qF "<feature policy='require' name='$feature'/>" "$WORK/$name.rewritten.xml" ||
        fail "$name: the rewrite does not require $feature"
    V define "$WORK/$name.rewritten.xml" --validate >/dev/null ||
        fail "$name: define --validate refused the rewritten domain"
    pass "$name: the baseline CPU defines with --validate"
done
# Put the configs back as they were for the run below.
for name in "${PREFIX}a" "${PREFIX}topo"; do
    V define "$WORK/before/$name.xml" >/dev/null
done
same_configs "$WORK/before" "after the offline rewrite check"

if [ "$baseline_rc" -eq 3 ]; then
    step "this host cannot run its baseline with nesting: enable stops before any domain"
    vn enable --mode baseline --hosts "$WORK/hosts" "${PREFIX}*" --backup-dir "$BACKUPS"
    expect_rc 1 "enable --mode baseline on a host without nesting"
    expect_text "$ERR" "cannot run the baseline CPU with nesting, so no domain was changed" \
        "enable --mode baseline on a host without nesting"
    expect_no_backups "enable --mode baseline on a host without nesting"
    same_configs "$WORK/before" "enable --mode baseline on a host without nesting"
    exit 0
fi
expect_rc 0 "baseline"

step "--model with --mode baseline is a usage error"
vn enable --mode baseline --model Skylake-Client --hosts "$WORK/hosts" "${PREFIX}*"
expect_rc 2 "enable --mode baseline --model"
expect_no_backups "enable --mode baseline --model"

step "dry run: nothing changes"
vn enable --mode baseline --hosts "$WORK/hosts" "${PREFIX}*" --dry-run --json --backup-dir "$BACKUPS"
expect_rc 0 "enable --mode baseline --dry-run"
python3 - "$OUT" <<'PY' || fail "dry run: not two would-change records"
import json, sys
doc = json.load(open(sys.argv[1]))
assert sorted(d["action"] for d in doc["domains"]) == ["would-change"] * 2, doc
PY
expect_no_backups "enable --mode baseline --dry-run"
same_configs "$WORK/before" "enable --mode baseline --dry-run"

step "enable --mode baseline --hosts FILE"
vn enable --mode baseline --hosts "$WORK/hosts" "${PREFIX}*" --backup-dir "$BACKUPS"
expect_rc 0 "enable --mode baseline"
for name in "${PREFIX}a" "${PREFIX}topo"; do
    dump "$name" "$WORK/$name.after.xml"
    python3 - "$WORK/$name.after.xml" "$model" "$feature" <<'PY' || fail "$name: not the baseline CPU"
import sys, xml.etree.ElementTree as ET
cpu = ET.parse(sys.argv[1]).getroot().find("cpu")
assert cpu.get("mode") == "custom" and cpu.get("match") == "exact", cpu.attrib
assert cpu.findtext("model") == sys.argv[2], cpu.findtext("model")
assert cpu.find(f"feature[@name='{sys.argv[3]}']").get("policy") == "require"
PY
    V define "$WORK/$name.after.xml" --validate >/dev/null || fail "$name: define --validate refused it"
    pass "$name: the baseline CPU, accepted again by define --validate"
done
python3 - "$WORK/${PREFIX}topo.after.xml" <<'PY' || fail "topology or NUMA lost"
import sys, xml.etree.ElementTree as ET
cpu = ET.parse(sys.argv[1]).getroot().find("cpu")
assert cpu.find("topology").get("cores") == "2", ET.tostring(cpu)
assert cpu.find("numa/cell").get("cpus") == "0-1", ET.tostring(cpu)
PY
pass "topology and NUMA kept"
same_outside_cpu "$WORK/before/${PREFIX}a.xml" "$WORK/${PREFIX}a.after.xml" "enable --mode baseline"

step "a second run: already"
vn enable --mode baseline --hosts "$WORK/hosts" "${PREFIX}*" --json --backup-dir "$BACKUPS"
expect_rc 0 "enable --mode baseline again"
python3 - "$OUT" <<'PY' || fail "second run: not already"
import json, sys
doc = json.load(open(sys.argv[1]))
assert sorted(d["action"] for d in doc["domains"]) == ["already"] * 2, doc
PY

step "the same daemon under two URIs is one host"
vn revert "${PREFIX}*" --backup-dir "$BACKUPS"
expect_rc 0 "revert"
same_configs "$WORK/before" "revert after enable --mode baseline"
vn enable --mode baseline -c "$other_uri" "${PREFIX}*" --json --backup-dir "$WORK/backups2"
expect_rc 0 "enable --mode baseline over two URIs of one daemon"
python3 - "$OUT" <<'PY' || fail "two URIs: a domain was not changed exactly once"
import collections, json, sys
doc = json.load(open(sys.argv[1]))
assert len(doc["hosts"]) == 2, doc["hosts"]
actions = collections.defaultdict(list)
for d in doc["domains"]:
    actions[d["name"]].append(d["action"])
for name, seen in actions.items():
    assert sorted(seen) == ["already", "changed"], (name, seen)
PY
pass "each domain changed once, the other URI found it already"

step "revert restores"
vn revert "${PREFIX}*" --backup-dir "$WORK/backups2"
expect_rc 0 "revert"
same_configs "$WORK/before" "revert"
