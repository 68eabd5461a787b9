// SPDX-License-Identifier: GPL-2.0-or-later
// Test-only LD_PRELOAD shim for the outside-writer system test: it runs a shell command
// (another client defining or undefining the domain over its own connection) right before
// virt-nest's define of one domain, i.e. after virt-nest's re-read, inside the window
// libvirt's define without compare-and-swap leaves open. It is not part of the virtnest
// library, which alone includes <libvirt/libvirt.h>; the shim needs libvirt's declarations
// to interpose the real function with its exact signature.
//
// Environment: VNSYS_SHIM_DOMAIN (domain name), VNSYS_SHIM_COMMAND (run through /bin/sh,
// once), VNSYS_SHIM_LOG (file the defines are logged to).
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

using DefineXmlFlags = virDomainPtr (*)(virConnectPtr, const char*, unsigned int);

std::mutex g_mutex;
bool g_ran = false;

// Return the text of the document's first <name> element.
std::string name_of(const char* xml) {
    const std::string doc = xml != nullptr ? xml : "";
    const auto open = doc.find("<name>");
    const auto close = doc.find("</name>");
    if (open == std::string::npos || close == std::string::npos || close < open) {
        return {};
    }
    return doc.substr(open + 6, close - open - 6);
}

} // namespace

extern "C" virDomainPtr virDomainDefineXMLFlags(virConnectPtr conn, const char* xml,
                                                unsigned int flags) {
    static const auto real =
        reinterpret_cast<DefineXmlFlags>(dlsym(RTLD_NEXT, "virDomainDefineXMLFlags"));
    const std::string target = env_or("VNSYS_SHIM_DOMAIN", "");
    if (!target.empty() && name_of(xml) == target) {
        const std::lock_guard<std::mutex> lock(g_mutex);
        if (!g_ran) {
            g_ran = true;
            const int status = std::system(env_or("VNSYS_SHIM_COMMAND", "false").c_str());
            log_line("outside write ran before the define of " + target + ": status " +
                     std::to_string(status));
        }
    }
    return real(conn, xml, flags);
}
