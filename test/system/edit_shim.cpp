// SPDX-License-Identifier: GPL-2.0-or-later
// Test-only LD_PRELOAD shim for the concurrent-edit system test: it runs a shell command
// (someone else editing the domain) right before the N-th read of one domain's persistent
// XML, i.e. between virt-nest's planning read and its re-read before define. It is not
// part of the virtnest library, which alone includes <libvirt/libvirt.h>; the shim needs
// libvirt's declarations to interpose the real function with its exact signature.
//
// Environment: VNSYS_SHIM_DOMAIN (domain name), VNSYS_SHIM_READ (N, default 2),
// VNSYS_SHIM_COMMAND (run through /bin/sh), VNSYS_SHIM_LOG (file the reads are logged to).
#include "shim_env.hpp"

#include <libvirt/libvirt.h>

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

namespace {

using vnsys_shim::env_or;
using vnsys_shim::log_line;

using GetXmlDesc = char* (*)(virDomainPtr, unsigned int);

std::mutex g_mutex;
int g_reads = 0;

} // namespace

extern "C" char* virDomainGetXMLDesc(virDomainPtr domain, unsigned int flags) {
    static const auto real = reinterpret_cast<GetXmlDesc>(dlsym(RTLD_NEXT, "virDomainGetXMLDesc"));
    const std::string target = env_or("VNSYS_SHIM_DOMAIN", "");
    const char* name = virDomainGetName(domain);
    const bool inactive = (flags & static_cast<unsigned int>(VIR_DOMAIN_XML_INACTIVE)) != 0;
    if (!target.empty() && name != nullptr && target == name && inactive) {
        const std::lock_guard<std::mutex> lock(g_mutex);
        ++g_reads;
        log_line("read " + std::to_string(g_reads) + " of " + target);
        if (g_reads == std::stoi(env_or("VNSYS_SHIM_READ", "2"))) {
            const int status = std::system(env_or("VNSYS_SHIM_COMMAND", "false").c_str());
            log_line("edit ran before read " + std::to_string(g_reads) + ": status " +
                     std::to_string(status));
        }
    }
    return real(domain, flags);
}
