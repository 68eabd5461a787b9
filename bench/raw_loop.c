// SPDX-License-Identifier: GPL-2.0-or-later
/* The practical limit of a bulk redefine over one libvirt connection: list the domains
 * once, then for each one whose name matches PATTERN read its persistent XML
 * (INACTIVE|SECURE) and define it again unchanged. No parsing, no rewrite, no output
 * per domain. With --threads N, N threads share the one connection, each taking the next
 * domain, so up to N calls are in flight (libvirtd serves up to max_client_requests of
 * them at once). bench/run compares virt-nest against this loop; it is not part of the
 * virt-nest library.
 *
 * usage: raw_loop URI PATTERN [--validate] [--threads N]
 */
#include <fnmatch.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_THREADS 64

struct shared {
    virConnectPtr conn;
    virDomainPtr* domains;
    int count;
    const char* pattern;
    unsigned int define_flags;
    atomic_int next;
    atomic_int done;
    atomic_int failed;
};

static void silent(void* opaque, virErrorPtr err) {
    (void)opaque;
    (void)err;
}

static int fail(const char* what, const char* name) {
    virErrorPtr err = virGetLastError();
    fprintf(stderr, "raw_loop: %s \"%s\": %s\n", what, name,
            err && err->message ? err->message : "unknown libvirt error");
    return 1;
}

/* Read and define one domain; return 0 when done, 1 when it failed. */
static int redefine(struct shared* s, virDomainPtr dom) {
    const char* name = virDomainGetName(dom);
    char* xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
    if (!xml) {
        return fail("cannot read XML of domain", name);
    }
    virDomainPtr defined = virDomainDefineXMLFlags(s->conn, xml, s->define_flags);
    free(xml);
    if (!defined) {
        return fail("cannot define domain", name);
    }
    virDomainFree(defined);
    return 0;
}

static void* worker(void* arg) {
    struct shared* s = arg;
    for (;;) {
        int i = atomic_fetch_add(&s->next, 1);
        if (i >= s->count || atomic_load(&s->failed)) {
            return NULL;
        }
        if (fnmatch(s->pattern, virDomainGetName(s->domains[i]), 0) != 0) {
            continue;
        }
        if (redefine(s, s->domains[i]) != 0) {
            atomic_store(&s->failed, 1);
        } else {
            atomic_fetch_add(&s->done, 1);
        }
    }
}

static int usage(void) {
    fprintf(stderr, "usage: raw_loop URI PATTERN [--validate] [--threads N]\n");
    return 2;
}

int main(int argc, char** argv) {
    if (argc < 3) {
        return usage();
    }
    struct shared s = {.pattern = argv[2]};
    int threads = 1;
    for (int a = 3; a < argc; ++a) {
        if (strcmp(argv[a], "--validate") == 0) {
            s.define_flags = VIR_DOMAIN_DEFINE_VALIDATE;
        } else if (strcmp(argv[a], "--threads") == 0 && a + 1 < argc) {
            threads = atoi(argv[++a]);
            if (threads < 1 || threads > MAX_THREADS) {
                return usage();
            }
        } else {
            return usage();
        }
    }
    const char* uri = argv[1];
    virSetErrorFunc(NULL, silent);
    s.conn = virConnectOpen(uri);
    if (!s.conn) {
        return fail("cannot connect to", uri);
    }
    s.count = virConnectListAllDomains(s.conn, &s.domains, 0);
    if (s.count < 0) {
        return fail("cannot list domains on", uri);
    }
    pthread_t helpers[MAX_THREADS];
    int started = 0;
    for (; started < threads - 1; ++started) {
        if (pthread_create(&helpers[started], NULL, worker, &s) != 0) {
            break;
        }
    }
    worker(&s);
    for (int t = 0; t < started; ++t) {
        pthread_join(helpers[t], NULL);
    }
    for (int i = 0; i < s.count; ++i) {
        virDomainFree(s.domains[i]);
    }
    free(s.domains);
    virConnectClose(s.conn);
    printf("redefined %d domains\n", atomic_load(&s.done));
    return atomic_load(&s.failed) ? 1 : 0;
}
