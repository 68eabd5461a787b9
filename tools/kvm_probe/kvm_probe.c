// SPDX-License-Identifier: GPL-2.0-or-later
/* The KVM probe: one VM, one vCPU, two real-mode steps and one in 64-bit mode with paging.
 * See kvm_probe.h. */
#define _GNU_SOURCE
#include "kvm_probe.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

enum {
    k_mem_size = 0x10000, /* 64 KiB of guest memory at physical address 0 */
    k_io_code = 0x1000,
    k_loop_code = 0x1100,
    k_loop_store = 0x2000, /* where the loop step stores its counter */
    k_io_port = 0x10,
    k_io_value = 0x2a,
    k_loop_port = 0x11,
    k_paging_code = 0x1200,
    k_pml4 = 0x3000,        /* then the PDPT, PD and PT in the next three pages */
    k_paging_virt = 0x8000, /* mapped to k_paging_phys, not to itself */
    k_paging_phys = 0x7000,
    k_paging_port = 0x12,
};

#define k_paging_value 0x600dcafeu

/* One instruction a line. */
// clang-format off
/* mov al,0x2a; out 0x10,al; hlt */
static const uint8_t k_io_guest[] = {
    0xb0, k_io_value,
    0xe6, k_io_port,
    0xf4,
};

/* mov cx,N; xor ax,ax; 1: out 0x11,al; inc ax; loop 1b; mov [0x2000],ax; hlt
 * (N is patched in at offsets 1 and 2). */
static const uint8_t k_loop_guest[] = {
    0xb9, 0x00, 0x00,
    0x31, 0xc0,
    0xe6, k_loop_port,
    0x40,
    0xe2, 0xfb,
    0xa3, 0x00, 0x20,
    0xf4,
};

/* movl $0x600dcafe,0x8000; movl 0x8000,%eax; outl %eax,$0x12; hlt */
static const uint8_t k_paging_guest[] = {
    0xc7, 0x04, 0x25, 0x00, 0x80, 0x00, 0x00, 0xfe, 0xca, 0x0d, 0x60,
    0x8b, 0x04, 0x25, 0x00, 0x80, 0x00, 0x00,
    0xe7, k_paging_port,
    0xf4,
};
// clang-format on

struct probe {
    int kvm;
    int vm;
    int vcpu;
    uint8_t* mem;
    struct kvm_run* run;
    size_t run_size;
    timer_t timer;
    int have_timer;
    unsigned timeout_ms;
    struct kvm_probe_result* out;
};

static enum kvm_probe_status set_reason(struct probe* p, enum kvm_probe_status status, int error,
                                        const char* fmt, ...) __attribute__((format(printf, 4, 5)));

static enum kvm_probe_status set_reason(struct probe* p, enum kvm_probe_status status, int error,
                                        const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(p->out->reason, sizeof p->out->reason, fmt, ap);
    va_end(ap);
    if (error != 0 && n >= 0 && (size_t)n < sizeof p->out->reason) {
        char buf[64];
        snprintf(p->out->reason + n, sizeof p->out->reason - (size_t)n, ": %s",
                 strerror_r(error, buf, sizeof buf));
    }
    p->out->status = status;
    p->out->error = error;
    return status;
}

/* An ioctl that failed before the guest ran: KVM (or the device) refused the setup. */
static enum kvm_probe_status refused(struct probe* p, const char* what) {
    return set_reason(p, KVM_PROBE_NONE, errno, "%s", what);
}

static int arm_timer(struct probe* p) {
    struct itimerspec spec;
    memset(&spec, 0, sizeof spec);
    spec.it_value.tv_sec = p->timeout_ms / 1000;
    spec.it_value.tv_nsec = (long)(p->timeout_ms % 1000) * 1000000L;
    return timer_settime(p->timer, 0, &spec, NULL);
}

/* Return 1 when the probe's timer signal is pending on this thread, consuming it. */
static int timer_fired(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, KVM_PROBE_TIMER_SIGNAL);
    const struct timespec zero = {0, 0};
    return sigtimedwait(&set, NULL, &zero) == KVM_PROBE_TIMER_SIGNAL;
}

/* KVM_RUN once. Returns KVM_PROBE_RAN with an exit in p->run, or the status that ends the
 * probe. */
static enum kvm_probe_status vcpu_run(struct probe* p, const char* step) {
    for (;;) {
        if (ioctl(p->vcpu, KVM_RUN, 0) == 0) {
            p->out->exits++;
            return KVM_PROBE_RAN;
        }
        if (errno != EINTR) {
            return set_reason(p, KVM_PROBE_WRONG, errno, "%s: KVM_RUN", step);
        }
        if (timer_fired()) {
            return set_reason(p, KVM_PROBE_HUNG, 0, "%s: KVM_RUN did not exit within %u ms", step,
                              p->timeout_ms);
        }
        /* Another signal let through by the caller's mask: run on. */
    }
}

/* Describe an exit the step did not expect. */
static enum kvm_probe_status unexpected_exit(struct probe* p, const char* step) {
    const struct kvm_run* r = p->run;
    switch (r->exit_reason) {
    case KVM_EXIT_IO:
        return set_reason(p, KVM_PROBE_WRONG, 0, "%s: unexpected %s port 0x%x size %u count %u",
                          step, r->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", r->io.port,
                          r->io.size, r->io.count);
    case KVM_EXIT_FAIL_ENTRY:
        return set_reason(p, KVM_PROBE_WRONG, 0, "%s: entry failed, reason 0x%llx", step,
                          (unsigned long long)r->fail_entry.hardware_entry_failure_reason);
    case KVM_EXIT_INTERNAL_ERROR:
        return set_reason(p, KVM_PROBE_WRONG, 0, "%s: KVM internal error, suberror %u", step,
                          r->internal.suberror);
    case KVM_EXIT_SHUTDOWN:
        return set_reason(p, KVM_PROBE_WRONG, 0, "%s: guest shutdown (triple fault)", step);
    default:
        return set_reason(p, KVM_PROBE_WRONG, 0, "%s: unexpected exit reason %u", step,
                          r->exit_reason);
    }
}

/* Return the byte of a one-byte OUT to PORT, or -1 when the exit is anything else. */
static int out_byte(const struct probe* p, unsigned port) {
    const struct kvm_run* r = p->run;
    if (r->exit_reason != KVM_EXIT_IO || r->io.direction != KVM_EXIT_IO_OUT || r->io.port != port ||
        r->io.size != 1 || r->io.count != 1) {
        return -1;
    }
    return ((const uint8_t*)r)[r->io.data_offset];
}

/* Real mode, CS:IP = 0:IP, flat data segments, as the vCPU's reset state otherwise is. */
static enum kvm_probe_status enter_at(struct probe* p, uint16_t ip) {
    struct kvm_sregs sregs;
    if (ioctl(p->vcpu, KVM_GET_SREGS, &sregs) < 0) {
        return refused(p, "KVM_GET_SREGS");
    }
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    sregs.ds.base = 0;
    sregs.ds.selector = 0;
    if (ioctl(p->vcpu, KVM_SET_SREGS, &sregs) < 0) {
        return refused(p, "KVM_SET_SREGS");
    }
    struct kvm_regs regs;
    memset(&regs, 0, sizeof regs);
    regs.rip = ip;
    regs.rflags = 0x2;
    if (ioctl(p->vcpu, KVM_SET_REGS, &regs) < 0) {
        return refused(p, "KVM_SET_REGS");
    }
    return arm_timer(p) == 0 ? KVM_PROBE_RAN
                             : set_reason(p, KVM_PROBE_NONE, errno, "timer_settime");
}

static enum kvm_probe_status step_io(struct probe* p) {
    enum kvm_probe_status st = enter_at(p, k_io_code);
    if (st != KVM_PROBE_RAN || (st = vcpu_run(p, "io")) != KVM_PROBE_RAN) {
        return st;
    }
    int value = out_byte(p, k_io_port);
    if (value < 0) {
        return unexpected_exit(p, "io");
    }
    p->out->value = (unsigned)value;
    if (value != k_io_value) {
        return set_reason(p, KVM_PROBE_WRONG, 0, "io: out 0x%x, expected 0x%x", value, k_io_value);
    }
    if ((st = vcpu_run(p, "io")) != KVM_PROBE_RAN) {
        return st;
    }
    if (p->run->exit_reason != KVM_EXIT_HLT) {
        return unexpected_exit(p, "io");
    }
    p->out->steps |= KVM_PROBE_STEP_IO;
    return KVM_PROBE_RAN;
}

static enum kvm_probe_status step_loop(struct probe* p) {
    enum kvm_probe_status st = enter_at(p, k_loop_code);
    for (unsigned i = 0; st == KVM_PROBE_RAN && i < KVM_PROBE_LOOP_OUTS; i++) {
        if ((st = vcpu_run(p, "loop")) != KVM_PROBE_RAN) {
            break;
        }
        int value = out_byte(p, k_loop_port);
        if (value < 0) {
            return unexpected_exit(p, "loop");
        }
        if ((unsigned)value != (i & 0xffu)) {
            return set_reason(p, KVM_PROBE_WRONG, 0, "loop: exit %u wrote 0x%x, expected 0x%x", i,
                              value, i & 0xffu);
        }
    }
    if (st != KVM_PROBE_RAN || (st = vcpu_run(p, "loop")) != KVM_PROBE_RAN) {
        return st;
    }
    if (p->run->exit_reason != KVM_EXIT_HLT) {
        return unexpected_exit(p, "loop");
    }
    unsigned stored = (unsigned)p->mem[k_loop_store] | (unsigned)p->mem[k_loop_store + 1] << 8;
    if (stored != KVM_PROBE_LOOP_OUTS) {
        return set_reason(p, KVM_PROBE_WRONG, 0, "loop: guest stored %u, expected %u", stored,
                          KVM_PROBE_LOOP_OUTS);
    }
    p->out->steps |= KVM_PROBE_STEP_LOOP;
    return KVM_PROBE_RAN;
}

static void put64(uint8_t* at, uint64_t value) { memcpy(at, &value, sizeof value); }

/* Identity-map the 64 KiB with 4 KiB pages, except k_paging_virt -> k_paging_phys. */
static void build_page_tables(uint8_t* mem) {
    const uint64_t rw = 0x3; /* present, writable */
    put64(mem + k_pml4, (k_pml4 + 0x1000) | rw);
    put64(mem + k_pml4 + 0x1000, (k_pml4 + 0x2000) | rw);
    put64(mem + k_pml4 + 0x2000, (k_pml4 + 0x3000) | rw);
    for (uint64_t page = 0; page < k_mem_size / 0x1000; page++) {
        uint64_t phys = page == k_paging_virt / 0x1000 ? k_paging_phys : page * 0x1000;
        put64(mem + k_pml4 + 0x3000 + page * 8, phys | rw);
    }
}

static void flat_segment(struct kvm_segment* seg, uint16_t selector, uint8_t type, int code) {
    memset(seg, 0, sizeof *seg);
    seg->limit = 0xffffffff;
    seg->selector = selector;
    seg->type = type;
    seg->present = 1;
    seg->s = 1;
    seg->g = 1;
    seg->l = code ? 1 : 0;
    seg->db = code ? 0 : 1;
}

static enum kvm_probe_status step_paging(struct probe* p) {
    struct kvm_sregs sregs;
    if (ioctl(p->vcpu, KVM_GET_SREGS, &sregs) < 0) {
        return refused(p, "KVM_GET_SREGS");
    }
    flat_segment(&sregs.cs, 0x8, 0xb, 1);
    flat_segment(&sregs.ds, 0x10, 0x3, 0);
    sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
    sregs.cr3 = k_pml4;
    sregs.cr4 = 1u << 5;                 /* PAE */
    sregs.cr0 = 0x80000001u | (1u << 4); /* PG, PE, ET */
    sregs.efer = (1u << 8) | (1u << 10); /* LME, LMA */
    if (ioctl(p->vcpu, KVM_SET_SREGS, &sregs) < 0) {
        return set_reason(p, KVM_PROBE_WRONG, errno, "paging: KVM_SET_SREGS (64-bit mode)");
    }
    struct kvm_regs regs;
    memset(&regs, 0, sizeof regs);
    regs.rip = k_paging_code;
    regs.rflags = 0x2;
    if (ioctl(p->vcpu, KVM_SET_REGS, &regs) < 0) {
        return refused(p, "KVM_SET_REGS");
    }
    if (arm_timer(p) != 0) {
        return set_reason(p, KVM_PROBE_NONE, errno, "timer_settime");
    }
    enum kvm_probe_status st = vcpu_run(p, "paging");
    if (st != KVM_PROBE_RAN) {
        return st;
    }
    const struct kvm_run* r = p->run;
    if (r->exit_reason != KVM_EXIT_IO || r->io.direction != KVM_EXIT_IO_OUT ||
        r->io.port != k_paging_port || r->io.size != 4 || r->io.count != 1) {
        return unexpected_exit(p, "paging");
    }
    uint32_t seen;
    uint32_t stored;
    memcpy(&seen, (const uint8_t*)r + r->io.data_offset, sizeof seen);
    memcpy(&stored, p->mem + k_paging_phys, sizeof stored);
    if (seen != k_paging_value || stored != k_paging_value) {
        return set_reason(p, KVM_PROBE_WRONG, 0,
                          "paging: guest read 0x%x, memory holds 0x%x, expected 0x%x", seen, stored,
                          k_paging_value);
    }
    if ((st = vcpu_run(p, "paging")) != KVM_PROBE_RAN) {
        return st;
    }
    if (p->run->exit_reason != KVM_EXIT_HLT) {
        return unexpected_exit(p, "paging");
    }
    p->out->steps |= KVM_PROBE_STEP_PAGING;
    return KVM_PROBE_RAN;
}

/* Open the device, make the VM, its memory and its vCPU. */
static enum kvm_probe_status setup(struct probe* p, const char* dev) {
    p->kvm = open(dev, O_RDWR | O_CLOEXEC);
    if (p->kvm < 0) {
        return set_reason(p, KVM_PROBE_NONE, errno, "open %s", dev);
    }
    p->out->api_version = ioctl(p->kvm, KVM_GET_API_VERSION, 0);
    if (p->out->api_version != KVM_API_VERSION) {
        return set_reason(p, KVM_PROBE_NONE, p->out->api_version < 0 ? errno : 0,
                          "KVM_GET_API_VERSION %d, expected %d", p->out->api_version,
                          KVM_API_VERSION);
    }
    if ((p->vm = ioctl(p->kvm, KVM_CREATE_VM, 0)) < 0) {
        return refused(p, "KVM_CREATE_VM");
    }
    void* mem = mmap(NULL, k_mem_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
        return refused(p, "mmap guest memory");
    }
    p->mem = mem;
    memcpy(p->mem + k_io_code, k_io_guest, sizeof k_io_guest);
    memcpy(p->mem + k_loop_code, k_loop_guest, sizeof k_loop_guest);
    p->mem[k_loop_code + 1] = (uint8_t)(KVM_PROBE_LOOP_OUTS & 0xffu);
    p->mem[k_loop_code + 2] = (uint8_t)(KVM_PROBE_LOOP_OUTS >> 8);
    memcpy(p->mem + k_paging_code, k_paging_guest, sizeof k_paging_guest);
    build_page_tables(p->mem);
    struct kvm_userspace_memory_region region = {.slot = 0,
                                                 .guest_phys_addr = 0,
                                                 .memory_size = k_mem_size,
                                                 .userspace_addr = (uint64_t)(uintptr_t)p->mem};
    if (ioctl(p->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
        return refused(p, "KVM_SET_USER_MEMORY_REGION");
    }
    if ((p->vcpu = ioctl(p->vm, KVM_CREATE_VCPU, 0)) < 0) {
        return refused(p, "KVM_CREATE_VCPU");
    }
    int size = ioctl(p->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (size < (int)sizeof(struct kvm_run)) {
        return refused(p, "KVM_GET_VCPU_MMAP_SIZE");
    }
    void* run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, p->vcpu, 0);
    if (run == MAP_FAILED) {
        return refused(p, "mmap kvm_run");
    }
    p->run = run;
    p->run_size = (size_t)size;
    return KVM_PROBE_RAN;
}

/* Block the timer signal in this thread but let it through inside KVM_RUN, and start a
 * timer that sends it to this thread only. OLD receives the caller's mask. */
static enum kvm_probe_status setup_timeout(struct probe* p, sigset_t* old) {
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, KVM_PROBE_TIMER_SIGNAL);
    pthread_sigmask(SIG_BLOCK, &block, old);
    /* The kernel's sigset is the first 8 bytes of glibc's. (A union, since a struct with a
     * flexible array member may not be followed by more members.) */
    enum { k_kernel_sigset = 8 };
    union {
        struct kvm_signal_mask head;
        uint8_t bytes[sizeof(struct kvm_signal_mask) + k_kernel_sigset];
    } mask;
    sigset_t in_run = *old;
    sigdelset(&in_run, KVM_PROBE_TIMER_SIGNAL);
    mask.head.len = k_kernel_sigset;
    memcpy(mask.bytes + sizeof(struct kvm_signal_mask), &in_run, k_kernel_sigset);
    if (ioctl(p->vcpu, KVM_SET_SIGNAL_MASK, &mask) < 0) {
        return refused(p, "KVM_SET_SIGNAL_MASK");
    }
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_THREAD_ID;
    sev.sigev_signo = KVM_PROBE_TIMER_SIGNAL;
    sev.sigev_notify_thread_id = gettid();
    if (timer_create(CLOCK_MONOTONIC, &sev, &p->timer) < 0) {
        return set_reason(p, KVM_PROBE_NONE, errno, "timer_create");
    }
    p->have_timer = 1;
    return KVM_PROBE_RAN;
}

enum kvm_probe_status kvm_probe_run(const char* dev, unsigned timeout_ms,
                                    struct kvm_probe_result* out) {
    memset(out, 0, sizeof *out);
    out->api_version = -1;
    struct probe p = {.kvm = -1, .vm = -1, .vcpu = -1, .timeout_ms = timeout_ms, .out = out};
    sigset_t old;
    int mask_changed = 0;
    enum kvm_probe_status st = setup(&p, dev);
    if (st == KVM_PROBE_RAN) {
        mask_changed = 1;
        st = setup_timeout(&p, &old);
    }
    if (st == KVM_PROBE_RAN) {
        st = step_io(&p);
    }
    if (st == KVM_PROBE_RAN) {
        st = step_loop(&p);
    }
    if (st == KVM_PROBE_RAN) {
        st = step_paging(&p);
    }
    if (p.have_timer) {
        timer_delete(p.timer);
        (void)timer_fired(); /* a signal sent after the last KVM_RUN */
    }
    if (mask_changed) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    if (p.run != NULL) {
        munmap(p.run, p.run_size);
    }
    if (p.mem != NULL) {
        munmap(p.mem, k_mem_size);
    }
    const int fds[] = {p.vcpu, p.vm, p.kvm};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++) {
        if (fds[i] >= 0) {
            close(fds[i]);
        }
    }
    out->status = st;
    return st;
}

const char* kvm_probe_status_name(enum kvm_probe_status status) {
    switch (status) {
    case KVM_PROBE_RAN: return "ran";
    case KVM_PROBE_NONE: return "none";
    case KVM_PROBE_HUNG: return "hung";
    case KVM_PROBE_WRONG: return "wrong";
    }
    return "unknown";
}

int kvm_probe_format(const struct kvm_probe_result* r, char* buf, size_t len) {
    static const struct {
        unsigned bit;
        const char* name;
    } names[] = {{KVM_PROBE_STEP_IO, "io"},
                 {KVM_PROBE_STEP_LOOP, "loop"},
                 {KVM_PROBE_STEP_PAGING, "paging"}};
    char steps[32] = "-";
    size_t used = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (r->steps & names[i].bit) {
            int n =
                snprintf(steps + used, sizeof steps - used, "%s%s", used ? "," : "", names[i].name);
            used += n > 0 ? (size_t)n : 0;
        }
    }
    if (r->status == KVM_PROBE_RAN) {
        return snprintf(buf, len, "l2=ran value=0x%02x exits=%lu steps=%s api=%d", r->value,
                        r->exits, steps, r->api_version);
    }
    return snprintf(buf, len, "l2=%s value=0x%02x exits=%lu steps=%s api=%d reason=\"%s\"",
                    kvm_probe_status_name(r->status), r->value, r->exits, steps, r->api_version,
                    r->reason);
}
