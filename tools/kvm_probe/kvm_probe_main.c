// SPDX-License-Identifier: GPL-2.0-or-later
/* kvm-probe: run the KVM probe once and print its one-line verdict.
 * Usage: kvm-probe [--timeout-ms N] [DEVICE]   (default /dev/kvm, 5000 ms a step)
 * Exit status: 0 ran, 1 none, 2 hung, 3 wrong, 64 usage. */
#define _GNU_SOURCE
#include "kvm_probe.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char k_stuck[] = "l2=hung value=0x00 exits=0 steps=- api=-1 "
                              "reason=\"KVM_RUN did not even return to the timeout signal\"\n";

/* The last resort when KVM_RUN ignores the probe's own timer (the vCPU thread never gets
 * back to the kernel's signal check): say so instead of hanging. */
static void on_alarm(int sig) {
    (void)sig;
    ssize_t n = write(STDOUT_FILENO, k_stuck, sizeof k_stuck - 1);
    (void)n;
    _exit(KVM_PROBE_HUNG);
}

int main(int argc, char** argv) {
    const char* dev = "/dev/kvm";
    unsigned long timeout_ms = 5000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--timeout-ms") == 0 && i + 1 < argc) {
            char* end = NULL;
            timeout_ms = strtoul(argv[++i], &end, 10);
            if (*end != '\0' || timeout_ms == 0 || timeout_ms > 600000) {
                fprintf(stderr, "kvm-probe: bad --timeout-ms \"%s\"\n", argv[i]);
                return 64;
            }
        } else if (argv[i][0] != '-' && i == argc - 1) {
            dev = argv[i];
        } else {
            fprintf(stderr, "usage: kvm-probe [--timeout-ms N] [DEVICE]\n");
            return 64;
        }
    }
    signal(SIGALRM, on_alarm);
    /* Two steps, each with its own timeout, plus slack. */
    alarm((unsigned)(2 * timeout_ms / 1000 + 3));

    struct kvm_probe_result result;
    kvm_probe_run(dev, (unsigned)timeout_ms, &result);
    alarm(0);
    char line[256];
    kvm_probe_format(&result, line, sizeof line);
    if (printf("%s\n", line) < 0 || fflush(stdout) != 0) {
        return 70;
    }
    return (int)result.status;
}
