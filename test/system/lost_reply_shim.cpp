// SPDX-License-Identifier: GPL-2.0-or-later
// Test-only LD_PRELOAD shim for the lost-define-reply system test: the first define of one
// domain is applied, then a shell command runs (it kills libvirtd, and may start it again),
// and the call returns what the same define says on the now dead connection: the reply is
// lost although the define landed. Not part of the virtnest library; see edit_shim.cpp.
//
// Environment: VNSYS_SHIM_DOMAIN (domain name), VNSYS_SHIM_COMMAND (run through /bin/sh).
#include "shim_env.hpp"

#include <libvirt/libvirt.h>

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <string>

namespace {

using vnsys_shim::env_or;

using DefineXmlFlags = virDomainPtr (*)(virConnectPtr, const char*, unsigned int);

std::mutex g_mutex;
bool g_done = false;

} // namespace

extern "C" virDomainPtr virDomainDefineXMLFlags(virConnectPtr conn, const char* xml,
                                                unsigned int flags) {
    static const auto real =
        reinterpret_cast<DefineXmlFlags>(dlsym(RTLD_NEXT, "virDomainDefineXMLFlags"));
    const std::string name = "<name>" + env_or("VNSYS_SHIM_DOMAIN", "") + "</name>";
    const std::lock_guard<std::mutex> lock(g_mutex);
    if (g_done || name == "<name></name>" || std::string(xml).find(name) == std::string::npos) {
        return real(conn, xml, flags);
    }
    g_done = true;
    if (virDomainPtr applied = real(conn, xml, flags)) {
        virDomainFree(applied);
    }
    [[maybe_unused]] const int status = std::system(env_or("VNSYS_SHIM_COMMAND", "false").c_str());
    return real(conn, xml, flags);
}
