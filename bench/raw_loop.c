// SPDX-License-Identifier: GPL-2.0-or-later
/* The practical limit of a bulk redefine over one libvirt connection: list the domains
 * once, then for each one whose name matches PATTERN read its persistent XML
 * (INACTIVE|SECURE) and define it again unchanged. No parsing, no rewrite, no output
 * per domain. bench/run compares virt-nest against this loop; it is not part of the
 * virt-nest library.
 *
 * usage: raw_loop URI PATTERN [--validate]
 */
#include <fnmatch.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int main(int argc, char** argv) {
    if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "--validate") != 0)) {
        fprintf(stderr, "usage: raw_loop URI PATTERN [--validate]\n");
        return 2;
    }
    const char* uri = argv[1];
    const char* pattern = argv[2];
    unsigned int define_flags = argc == 4 ? VIR_DOMAIN_DEFINE_VALIDATE : 0;

    virSetErrorFunc(NULL, silent);
    virConnectPtr conn = virConnectOpen(uri);
    if (!conn) {
        return fail("cannot connect to", uri);
    }
    virDomainPtr* domains = NULL;
    int count = virConnectListAllDomains(conn, &domains, 0);
    if (count < 0) {
        return fail("cannot list domains on", uri);
    }
    int done = 0;
    int rc = 0;
    for (int i = 0; i < count; ++i) {
        const char* name = virDomainGetName(domains[i]);
        if (rc == 0 && fnmatch(pattern, name, 0) == 0) {
            char* xml =
                virDomainGetXMLDesc(domains[i], VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
            if (!xml) {
                rc = fail("cannot read XML of domain", name);
            } else {
                virDomainPtr defined = virDomainDefineXMLFlags(conn, xml, define_flags);
                if (!defined) {
                    rc = fail("cannot define domain", name);
                } else {
                    virDomainFree(defined);
                    ++done;
                }
                free(xml);
            }
        }
        virDomainFree(domains[i]);
    }
    free(domains);
    virConnectClose(conn);
    printf("redefined %d domains\n", done);
    return rc;
}
