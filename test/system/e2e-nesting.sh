#!/usr/bin/env bash
# End-to-end proof that a converted VM nests: boot a tiny guest under TCG and read, from
# its serial console, whether its CPU offers svm/vmx. Before: no svm. After
# `virt-nest enable` (auto mode, no flags): svm. After `virt-nest disable`: no svm again.
. "$(dirname "$0")/lib.sh"
: "${VNSYS_PROBE_DIR:?the cached probe guest (make-probe-guest); set by CMakeLists.txt}"

# libvirtd's QEMU runs as libvirt-qemu and may not traverse the build tree (a clone in a
# 0700 mktemp directory, say), so the guest's files live where QEMU is expected to read.
run=/var/lib/libvirt/images/${PREFIX}e2e
CLEANUP_PATHS+=("$run")
mkdir -p "$run"
chmod 0755 "$run"
cp "$VNSYS_PROBE_DIR/vmlinuz" "$VNSYS_PROBE_DIR/initrd.img" "$run/"
serial=$run/serial.log
name=${PREFIX}nestprobe
DOM_MEMORY_MIB=256 # the cloud kernel does not boot in 64 MiB

os="<kernel>$run/vmlinuz</kernel>
    <initrd>$run/initrd.img</initrd>
    <cmdline>console=ttyS0 panic=-1 quiet</cmdline>"
serial_dev="<serial type='file'><source path='$serial'/><target port='0'/></serial>"

# boot_probe: start the guest, wait until it powered itself off, return its marker line.
boot_probe() {
    local deadline=$((SECONDS + ${VNSYS_BOOT_TIMEOUT:-180})) started=$SECONDS
    rm -f "$serial"
    V start "$name" >/dev/null
    while [ "$(domain_state "$name")" != "shut off" ]; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            V destroy "$name" >/dev/null 2>&1 || true
            fail "the probe guest did not power off within ${VNSYS_BOOT_TIMEOUT:-180} s; console: $(cat "$serial" 2>/dev/null)"
        fi
        sleep 0.25
    done
    MARKER=$(grep -a -m1 '^NESTPROBE ' "$serial" | tr -d '\r' || true)
    if [ -z "$MARKER" ]; then
        echo "console:" >&2
        cat "$serial" >&2
        echo "QEMU log:" >&2
        tail -n 20 "/var/log/libvirt/qemu/$name.log" >&2
        fail "the probe guest printed no NESTPROBE line"
    fi
    echo "boot took $((SECONDS - started)) s: $MARKER"
}

step "define $name: qemu64 with svm disabled, direct kernel boot, serial console to a file"
dom_xml "$name" "$CPU_NO_SVM" "$serial_dev" "$os" >"$WORK/$name.def.xml"
V define "$WORK/$name.def.xml" --validate >/dev/null
dump "$name" "$WORK/before.xml"

step "before: the guest sees no svm"
boot_probe
[ "$MARKER" = "NESTPROBE svm=no vmx=no" ] || fail "before enable: got '$MARKER'"
pass "before enable: $MARKER"

step "enable --dry-run changes nothing"
vn enable "$name" --dry-run --backup-dir "$BACKUPS"
expect_rc 0 "enable --dry-run"
dump "$name" "$WORK/dry.xml"
same_xml "$WORK/before.xml" "$WORK/dry.xml" "config after enable --dry-run"
expect_no_backups "enable --dry-run"

step "virt-nest enable, auto mode, no flags"
vn enable "$name" --backup-dir "$BACKUPS"
expect_rc 0 "enable"
dump "$name" "$WORK/enabled.xml"
expect_svm "$WORK/enabled.xml" on "config after enable"
same_outside_cpu "$WORK/before.xml" "$WORK/enabled.xml" "config after enable"

step "after enable: the guest sees svm"
boot_probe
[ "$MARKER" = "NESTPROBE svm=yes vmx=no" ] || fail "after enable: got '$MARKER'"
pass "after enable: $MARKER"

step "virt-nest disable"
vn disable "$name" --backup-dir "$BACKUPS"
expect_rc 0 "disable"
dump "$name" "$WORK/disabled.xml"
expect_svm "$WORK/disabled.xml" off "config after disable"
same_outside_cpu "$WORK/before.xml" "$WORK/disabled.xml" "config after disable"

step "after disable: the guest sees no svm again"
boot_probe
[ "$MARKER" = "NESTPROBE svm=no vmx=no" ] || fail "after disable: got '$MARKER'"
pass "after disable: $MARKER"
