# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the fixture scripts and the fault test: is libvirtd there, and how to (re)start it.
# Sourced, not run.

VNSYS_URI=${VNSYS_URI:-qemu:///system}
VNSYS_LOCK=${VNSYS_LOCK:-/run/lock/virt-nest-system-tests.lock}

# without_lock CMD...: run CMD without the lock descriptor; a daemon started with it would
# hold the lock for as long as it runs.
without_lock() {
    if [ -n "${VNSYS_LOCK_FD:-}" ]; then
        "$@" {VNSYS_LOCK_FD}>&-
    else
        "$@"
    fi
}

# vnsys_lock shared|exclusive SECONDS: take the machine-wide system-test lock, held until
# the shell exits.
vnsys_lock() {
    mkdir -p "$(dirname "$VNSYS_LOCK")"
    exec {VNSYS_LOCK_FD}>>"$VNSYS_LOCK"
    flock "--$1" -w "$2" "$VNSYS_LOCK_FD"
}

# Return 0 when qemu:///system answers.
daemon_answers() {
    timeout 10 virsh -c "$VNSYS_URI" uri >/dev/null 2>&1
}

# Wait up to $1 seconds for qemu:///system to answer.
daemon_wait() {
    local deadline=$((SECONDS + $1))
    while [ "$SECONDS" -lt "$deadline" ]; do
        daemon_answers && return 0
        sleep 0.2
    done
    return 1
}

# Return 0 when systemd runs this machine and knows libvirtd.
daemon_uses_systemd() {
    [ -d /run/systemd/system ] && systemctl cat libvirtd.service >/dev/null 2>&1
}

# Return 0 when the pid file names a live process.
pidfile_alive() {
    local pid
    [ -s "$1" ] || return 1
    pid=$(cat "$1")
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# Return the pid of the running libvirtd.
daemon_pid() {
    if pidfile_alive /run/libvirtd.pid; then
        cat /run/libvirtd.pid
    else
        pgrep -x -o libvirtd
    fi
}

# Start libvirtd again after it was killed, the way it was running before, and wait for it.
daemon_restart() {
    if daemon_uses_systemd; then
        systemctl start libvirtd.service
    else
        mkdir -p /var/log/libvirt /run/libvirt
        virtlogd_running || without_lock virtlogd -d
        without_lock libvirtd -d
    fi
    daemon_wait 30
}

# Return 0 when a virtlogd runs (the QEMU driver logs through it).
virtlogd_running() {
    pidfile_alive /run/virtlogd.pid && [ -S /run/libvirt/virtlogd-sock ]
}
