// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The values libvirt reports about domains, without the connection: pure code (planning,
// reports, verdicts) includes this header instead of connection.hpp.

#include <compare>
#include <string>
#include <string_view>

namespace virtnest {

// A domain's run state, as virDomainGetState reports it.
enum class DomainState {
    no_state,
    running,
    blocked,
    paused,
    shutdown,
    shut_off,
    crashed,
    pmsuspended
};

// Return the state as `virsh domstate` spells it ("running", "shut off", ...).
std::string_view to_string(DomainState state) noexcept;

// Which XML document of a domain to read.
enum class XmlView {
    inactive_secure, // VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE: the persistent config
    live,            // the running definition, secrets hidden
    inactive,        // VIR_DOMAIN_XML_INACTIVE: the persistent config, secrets hidden (read-only
                     // connections may read it; never redefine from it)
};

// libvirt's verdict on running a CPU definition on this hypervisor.
enum class CpuCompat { incompatible, identical, superset };

// The coordinates that select one set of domain capabilities.
struct CapsKey {
    std::string emulator; // may be empty: libvirt picks the default for arch/virt type
    std::string arch;
    std::string machine;
    std::string virt_type; // "kvm", "qemu", ...
    // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads the defaulted <=>
    friend auto operator<=>(const CapsKey&, const CapsKey&) = default;
};

// Return the hint for a connection to `uri` that failed with `reason` for a user who is
// not root (`root` false) on a local qemu:///system: membership of the libvirt group or
// polkit's permission, or root; empty when no permission problem shows.
std::string connect_permission_hint(std::string_view uri, bool root, std::string_view reason);
// How many DEFINED and UNDEFINED lifecycle events libvirt delivered for one domain.
struct DefinitionEvents {
    int defined = 0;
    int undefined = 0;
    int metadata = 0; // METADATA_CHANGE: a <title>, <description> or <metadata> element set
                      // (virsh desc, virsh metadata), which raises no DEFINED event
};

} // namespace virtnest
