// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// What the QEMU guest agent inside a running guest can prove: the guest's own
// /proc/cpuinfo (does the vCPU carry vmx/svm and ept/npt?), /proc/modules (is kvm_intel or
// kvm_amd loaded?) and /proc/misc (has the kernel registered /dev/kvm?). Files are read with
// guest-file-open/-read/-close, which Debian's and upstream's qemu-ga allow by default, not
// with guest-exec; no device is opened. Pure: the commands, the replies and the verdict.

#include "virtnest/live/running_cpu.hpp"
#include "virtnest/rewrite/cpu_types.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace virtnest {

// The virtio-serial channel name the agent listens on.
inline constexpr std::string_view k_agent_channel = "org.qemu.guest_agent.0";

// Whether a running domain has an agent channel, and whether an agent answers on it
// (libvirt records state='connected' in the live XML once the guest opened the port).
enum class AgentChannel { none, disconnected, connected };

// Return the agent channel of a live domain XML. Malformed XML counts as none.
AgentChannel agent_channel(std::string_view live_xml);

// The guest agent commands (JSON text for virDomainQemuAgentCommand).
std::string agent_file_open_command(std::string_view path);
std::string agent_file_read_command(std::int64_t handle, std::size_t count);
std::string agent_file_close_command(std::int64_t handle);

// Return the handle from guest-file-open's reply. Throws Error when the reply has none.
std::int64_t parse_agent_handle(std::string_view reply);

// One guest-file-read reply: the bytes (decoded from buf-b64) and whether the file ended.
struct AgentChunk {
    std::string data;
    bool eof = false;
};

// Parse guest-file-read's reply. Throws Error when it is not one.
AgentChunk parse_agent_read(std::string_view reply);

// Decode standard base64 (RFC 4648, padding optional, no line breaks). Throws Error on any
// other character.
std::string decode_base64(std::string_view text);

// What the guest itself says, from the files the agent read.
struct GuestKvm {
    RunningCpu cpu; // virt/slat from the guest's /proc/cpuinfo, source "guest agent"
    Answer module = Answer::unknown;  // kvm_intel/kvm_amd loaded (or KVM built in)
    Answer dev_kvm = Answer::unknown; // /dev/kvm registered (/proc/misc names kvm)
    std::string module_name;          // "kvm_amd", "kvm_intel"
};

// Return the guest's view for `feature` from its /proc/cpuinfo, /proc/modules and
// /proc/misc (an empty string: that file could not be read, and its answers are unknown).
GuestKvm guest_kvm_from_files(std::string_view cpuinfo, std::string_view modules,
                              std::string_view misc, NestFeature feature);

// One line for a report: "kvm_amd loaded, /dev/kvm present" or what is missing, with the
// command to run inside the guest.
std::string describe_guest_kvm(const GuestKvm& guest);

} // namespace virtnest
