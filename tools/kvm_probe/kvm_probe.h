// SPDX-License-Identifier: GPL-2.0-or-later
/* Run a tiny guest through /dev/kvm and say whether it really ran.
 *
 * Pure C, usable from C++ (extern "C"). No heap allocation; the only file it opens is the
 * device, the guest's memory is one anonymous mapping, and everything is released before
 * the call returns. The calling thread's signal mask is restored on return; the timeout
 * uses a thread-directed POSIX timer on KVM_PROBE_TIMER_SIGNAL, which stays blocked in the
 * thread and is only let through inside KVM_RUN (KVM_SET_SIGNAL_MASK), so no signal
 * handler is installed. */
#ifndef KVM_PROBE_H
#define KVM_PROBE_H

#include <signal.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The signal the timeout is delivered by (a real-time signal, consumed by the probe). */
#define KVM_PROBE_TIMER_SIGNAL (SIGRTMIN + 2)

/* The overall verdict. */
enum kvm_probe_status {
    KVM_PROBE_RAN = 0,   /* every step ran and halted with the expected values */
    KVM_PROBE_NONE = 1,  /* no guest could be set up (no device, KVM refused an ioctl) */
    KVM_PROBE_HUNG = 2,  /* KVM_RUN did not finish a step before the timeout */
    KVM_PROBE_WRONG = 3, /* the guest ran but exited wrongly or produced wrong values */
};

/* The steps, in the order they run; passed steps are set in kvm_probe_result.steps. */
enum kvm_probe_step {
    KVM_PROBE_STEP_IO = 1u << 0,     /* real mode: mov al,0x2a; out 0x10,al; hlt */
    KVM_PROBE_STEP_LOOP = 1u << 1,   /* real mode: KVM_PROBE_LOOP_OUTS port I/O exits, then a
                                        store to guest memory read back by the host */
    KVM_PROBE_STEP_PAGING = 1u << 2, /* 64-bit mode with 4-level paging: a store through a
                                        page mapped elsewhere, read back, out 0x12, hlt */
};

/* The number of OUT exits of the loop step. */
#define KVM_PROBE_LOOP_OUTS 2000u

/* What the probe found. */
struct kvm_probe_result {
    enum kvm_probe_status status;
    int api_version;     /* KVM_GET_API_VERSION, or -1 when not reached */
    unsigned steps;      /* the kvm_probe_step bits of the steps that passed */
    unsigned value;      /* the byte the io step's OUT wrote (0x2a when it ran) */
    unsigned long exits; /* KVM_RUN exits seen, over all steps */
    int error;           /* errno of the failing call, or 0 */
    char reason[128];    /* why the status is not KVM_PROBE_RAN; empty when it is */
};

/* Run the probe against DEV (e.g. "/dev/kvm"), each step given up after TIMEOUT_MS; the
 * steps run in order and the first failing one ends the probe.
 * Fills *OUT and returns its status. */
enum kvm_probe_status kvm_probe_run(const char* dev, unsigned timeout_ms,
                                    struct kvm_probe_result* out);

/* Return the name of a status: "ran", "none", "hung" or "wrong". */
const char* kvm_probe_status_name(enum kvm_probe_status status);

/* Write the one-line, machine-readable summary of R into BUF (no newline), e.g.
 * `l2=ran value=0x2a exits=2005 steps=io,loop,paging api=12` or
 * `l2=none steps= reason="open /dev/kvm: No such file or directory"`.
 * Returns what snprintf returns. */
int kvm_probe_format(const struct kvm_probe_result* r, char* buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
