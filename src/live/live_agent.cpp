// SPDX-License-Identifier: GPL-2.0-or-later
#include "live/live_agent.hpp"

#include "virtnest/util/error.hpp"

namespace virtnest {
namespace {

// Bytes asked per guest-file-read, and the most read from one file (a guest with hundreds
// of vCPUs has a /proc/cpuinfo of about 1.5 KiB each).
constexpr std::size_t k_chunk = std::size_t{64} * 1024U;
constexpr std::size_t k_max_file = std::size_t{4} * 1024U * 1024U;

std::string read_guest_file(const Domain& dom, const std::string& path) {
    const std::int64_t handle = parse_agent_handle(
        dom.qemu_agent_command(agent_file_open_command(path), k_agent_timeout_seconds));
    std::string data;
    try {
        for (;;) {
            AgentChunk chunk = parse_agent_read(dom.qemu_agent_command(
                agent_file_read_command(handle, k_chunk), k_agent_timeout_seconds));
            data += chunk.data;
            if (chunk.eof || chunk.data.empty()) {
                break;
            }
            if (data.size() > k_max_file) {
                throw Error("the guest's " + path + " is larger than 4 MiB");
            }
        }
    } catch (...) {
        try {
            dom.qemu_agent_command(agent_file_close_command(handle), k_agent_timeout_seconds);
        } catch (const Error&) {
            // The first failure is the one to report.
        }
        throw;
    }
    dom.qemu_agent_command(agent_file_close_command(handle), k_agent_timeout_seconds);
    return data;
}

// A file the verdict can do without: empty when it cannot be read.
std::string read_optional(const Domain& dom, const std::string& path) {
    try {
        return read_guest_file(dom, path);
    } catch (const LibvirtError& e) {
        if (e.failure() == LibvirtFailure::no_domain) {
            throw;
        }
        return {};
    } catch (const Error&) {
        return {};
    }
}

} // namespace

GuestKvm ask_guest_agent(const Domain& dom, NestFeature feature) {
    const std::string cpuinfo = read_guest_file(dom, "/proc/cpuinfo");
    if (cpuinfo.empty()) {
        throw Error("the guest's /proc/cpuinfo read back empty");
    }
    return guest_kvm_from_files(cpuinfo, read_optional(dom, "/proc/modules"),
                                read_optional(dom, "/proc/misc"), feature);
}

} // namespace virtnest
