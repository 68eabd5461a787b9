# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers for the system tests (sourced by every t*.sh and e2e-*.sh).
#
# Every domain a test creates is named "$PREFIX..." (vnsys-<pid>-) and removed on exit,
# whether the test passed or not; domains without that prefix are never touched.
# virt-nest runs through `vn`, which keeps stdout, stderr and the exit status apart.

set -euo pipefail

VNSYS_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=daemon.sh
. "$VNSYS_LIB_DIR/daemon.sh"

: "${VIRTNEST_BIN:?the virt-nest binary; set by test/system/CMakeLists.txt}"
: "${VNSYS_WORK_ROOT:?a scratch directory in the build tree; set by test/system/CMakeLists.txt}"

URI=$VNSYS_URI
PREFIX="vnsys-$$-"

# Several checkouts may run these tests on one machine, all against the one libvirtd, and
# the fault test kills it: every test holds a machine-wide lock for its whole run, shared
# by default, exclusive for a test that sets VNSYS_LOCK_MODE=exclusive before sourcing.
VNSYS_LOCK_WAITED=$SECONDS
vnsys_lock "${VNSYS_LOCK_MODE:-shared}" 300 ||
    { echo "FAIL: another system test run held $VNSYS_LOCK for 300 s" >&2; exit 1; }
VNSYS_LOCK_WAITED=$((SECONDS - VNSYS_LOCK_WAITED))
# A test's time includes this wait: say so, or a slow run gets blamed on the test.
[ "$VNSYS_LOCK_WAITED" -lt 2 ] ||
    echo "waited $VNSYS_LOCK_WAITED s for $VNSYS_LOCK (another system test run held it)"
daemon_answers || { echo "FAIL: $URI does not answer" >&2; exit 1; }
mkdir -p "$VNSYS_WORK_ROOT"
WORK=$(mktemp -d "$VNSYS_WORK_ROOT/$(basename "$0" .sh).XXXXXX")
BACKUPS=$WORK/backups
# Exists while the fault test has libvirtd killed; cleanup-domains restarts the daemon when
# a test died (a CTest timeout) before its own cleanup could.
VNSYS_KILL_MARK=$VNSYS_WORK_ROOT/libvirtd-killed
VN_RUNS=0
# Extra environment for the next virt-nest runs (e.g. LD_PRELOAD of the edit shim).
VN_ENV=()
# Extra paths (outside the build tree) a test asks to have removed at exit.
CLEANUP_PATHS=()

# The CPU every test starts from: a plain TCG model with svm explicitly off, so the guest
# cannot nest until virt-nest changes it.
CPU_NO_SVM="<cpu mode='custom' match='exact'><model fallback='forbid'>qemu64</model><feature policy='disable' name='svm'/></cpu>"

V() { virsh -q -c "$URI" "$@"; }
xt() { python3 "$VNSYS_LIB_DIR/xmltool.py" "$@"; }

# The elapsed seconds in each heading show where a slow run spent its time.
step() { echo; echo "== [${SECONDS} s] $*"; }
pass() { echo "ok: $*"; }
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# ---- running virt-nest -------------------------------------------------------------

# Run virt-nest against $URI. Sets OUT and ERR (files) and RC; echoes all three, long
# outputs shortened (the files keep everything).
vn() { vn_at "$URI" "$@"; }

# Run virt-nest against the URI given first (for the bad-connection cases).
vn_at() {
    local uri=$1
    shift
    VN_RUNS=$((VN_RUNS + 1))
    OUT=$WORK/vn-$VN_RUNS.out
    ERR=$WORK/vn-$VN_RUNS.err
    echo "\$ ${VN_ENV[*]:+${VN_ENV[*]} }virt-nest -c '$uri' $*"
    set +e
    env "${VN_ENV[@]}" "$VIRTNEST_BIN" -c "$uri" "$@" >"$OUT" 2>"$ERR"
    RC=$?
    set -e
    show_output "$OUT" "  | "
    show_output "$ERR" "  ! "
    echo "  exit $RC"
    local arg
    for arg in "$@"; do
        case $arg in
        --json) validate_json "$OUT" ;;
        --json-lines) validate_json --lines "$OUT" ;;
        esac
    done
}

# validate_json [--lines] FILE: FILE is virt-nest --json (or --json-lines) output that
# validates against docs/json-schema/virt-nest.schema.json; vn and vn_at call it for every
# run given --json or --json-lines, a test that runs virt-nest itself calls it.
validate_json() {
    "$VNSYS_LIB_DIR/../../scripts/validate-json" "$@" ||
        fail "the output in ${*: -1} does not validate against the JSON schema"
}

show_output() {
    local lines
    lines=$(wc -l <"$1")
    if [ "$lines" -le 40 ]; then
        sed "s/^/$2/" "$1"
    else
        head -n 20 "$1" | sed "s/^/$2/"
        echo "$2... ($lines lines; all of them in $1)"
        tail -n 10 "$1" | sed "s/^/$2/"
    fi
}

# ---- assertions --------------------------------------------------------------------

expect_rc() {
    [ "$RC" -eq "$1" ] || fail "$2: exit status $RC, expected $1"
    pass "$2: exit $RC"
}

expect_rc_nonzero() {
    [ "$RC" -ne 0 ] || fail "$1: exit status 0, expected a failure"
    pass "$1: exit $RC"
}

# expect_text FILE PHRASE WHAT: FILE contains PHRASE (case-insensitive, literal).
expect_text() {
    grep -qiF -- "$2" "$1" || fail "$3: \"$2\" not found in $1"
    pass "$3: says \"$2\""
}

expect_no_text() {
    if grep -qiF -- "$2" "$1"; then
        fail "$3: \"$2\" must not appear in $1"
    fi
    pass "$3: does not show \"$2\""
}

# same_xml A B WHAT: the two documents are equal in canonical form.
same_xml() {
    if ! diff -u <(xt canon "$1") <(xt canon "$2") >"$WORK/xml.diff"; then
        cat "$WORK/xml.diff" >&2
        fail "$3: the XML differs ($1 vs $2)"
    fi
    pass "$3: XML identical"
}

# same_outside_cpu A B WHAT: equal in canonical form once <cpu> is removed from both.
same_outside_cpu() {
    if ! diff -u <(xt outside-cpu "$1") <(xt outside-cpu "$2") >"$WORK/xml.diff"; then
        cat "$WORK/xml.diff" >&2
        fail "$3: the XML outside <cpu> differs ($1 vs $2)"
    fi
    pass "$3: XML outside <cpu> identical"
}

# expect_svm FILE on|off|model|none WHAT
expect_svm() {
    local got
    got=$(xt svm "$1")
    [ "$got" = "$2" ] || fail "$3: svm is '$got' in $1, expected '$2'; cpu: $(xt cpu "$1")"
    pass "$3: svm $got"
}

# ---- domains -----------------------------------------------------------------------

# dom_xml NAME [CPU_XML] [DEVICES_XML] [OS_XML]: a small TCG domain (DOM_MEMORY_MIB,
# default 64); without a disk it sits in SeaBIOS once started, which is all a "running
# domain" needs here.
dom_xml() {
    local name=$1 cpu=${2-$CPU_NO_SVM} devices=${3-} os=${4-}
    cat <<EOF
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>${DOM_MEMORY_MIB:-64}</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    $os
  </os>
  <features><acpi/></features>
  $cpu
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    $devices
    <memballoon model='none'/>
  </devices>
</domain>
EOF
}

# define NAME [CPU_XML] [DEVICES_XML]: define a persistent domain, validated.
define() {
    dom_xml "$@" >"$WORK/$1.def.xml"
    V define "$WORK/$1.def.xml" --validate >/dev/null
}

# dump NAME FILE: the persistent config with secrets, as virt-nest must read it.
dump() { V dumpxml --inactive --security-info "$1" >"$2"; }

# live NAME FILE: the running definition.
live() { V dumpxml "$1" >"$2"; }

domain_state() { V domstate "$1"; }

# dominfo_is NAME FIELD VALUE: `virsh dominfo` shows "FIELD: VALUE" (read whole first: a
# `virsh | grep -q` pipeline fails under pipefail when grep stops reading early).
dominfo_is() {
    local info
    info=$(V dominfo "$1")
    grep -qE "^$2: +$3\$" <<<"$info"
}

# prefixed_domains: every domain of this test, one name a line.
prefixed_domains() { V list --all --name | grep "^$PREFIX" || true; }

# dump_all DIR [NAME...]: the configs of NAMEs (default: every domain of this test) into
# DIR/<name>.xml, read in one virsh session (hundreds of domains in the fault test).
dump_all() {
    local dir=$1 cmds="" name
    shift
    # Domain names of this test never contain blanks.
    # shellcheck disable=SC2046
    [ $# -gt 0 ] || set -- $(prefixed_domains)
    mkdir -p "$dir"
    [ $# -gt 0 ] || return 0
    for name in "$@"; do
        cmds+="dumpxml --inactive --security-info $name; "
    done
    V "$cmds" | xt split "$dir"
}

# same_configs DIR WHAT: every domain saved in DIR still has that config, and no domain of
# this test appeared or disappeared.
same_configs() {
    local changed
    dump_all "$WORK/now"
    changed=$(xt changed "$1" "$WORK/now")
    rm -rf "$WORK/now"
    [ -z "$changed" ] || fail "$2: config changed (or domain gone/added): $changed"
    pass "$2: no config changed ($(count_files "$1") domains)"
}

# count_files DIR: the number of regular files under DIR.
count_files() { find "$1" -type f | wc -l; }

expect_no_backups() {
    local n=0
    [ -d "$BACKUPS" ] && n=$(count_files "$BACKUPS")
    [ "$n" -eq 0 ] || fail "$1: $n backup file(s) written"
    pass "$1: no backup written"
}

# remove_domains NAME...: destroy and undefine, with managed-save images and snapshot
# metadata, in one virsh session (a failing command does not stop the others).
remove_domains() {
    [ $# -gt 0 ] || return 0
    local cmds="" name
    for name in "$@"; do
        cmds+="destroy $name; undefine $name --managed-save --snapshots-metadata; "
    done
    V "$cmds" >/dev/null 2>&1 || true
}

vnsys_cleanup() {
    local rc=$?
    trap - EXIT
    # The fault test kills the daemon on purpose; never leave the machine without one.
    if [ -f "$VNSYS_KILL_MARK" ]; then
        if ! daemon_answers; then
            echo "cleanup: restarting libvirtd"
            daemon_restart || echo "cleanup: libvirtd did not come back" >&2
        fi
        rm -f "$VNSYS_KILL_MARK"
    fi
    # shellcheck disable=SC2046
    remove_domains $(prefixed_domains)
    local left
    left=$(prefixed_domains)
    if [ -n "$left" ]; then
        echo "cleanup: could not remove: $left" >&2
        rc=1
    fi
    local path
    for path in "${CLEANUP_PATHS[@]}"; do
        rm -rf "$path"
    done
    if [ "$rc" -eq 0 ]; then
        rm -rf "$WORK"
    else
        echo "cleanup: files of the failed run kept in $WORK" >&2
    fi
    exit "$rc"
}
trap vnsys_cleanup EXIT
trap 'exit 130' INT TERM
