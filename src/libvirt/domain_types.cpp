// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/libvirt/domain_types.hpp"

namespace virtnest {

std::string_view to_string(DomainState state) noexcept {
    switch (state) {
    case DomainState::no_state: return "no state";
    case DomainState::running: return "running";
    case DomainState::blocked: return "idle";
    case DomainState::paused: return "paused";
    case DomainState::shutdown: return "in shutdown";
    case DomainState::shut_off: return "shut off";
    case DomainState::crashed: return "crashed";
    case DomainState::pmsuspended: return "pmsuspended";
    }
    return "unknown";
}

std::string connect_permission_hint(std::string_view uri, bool root, std::string_view reason) {
    // A local system URI: "qemu:///system", "qemu+unix:///system", not "qemu+ssh://h/system".
    const auto scheme_end = uri.find(":///");
    if (root || scheme_end == std::string_view::npos || uri.substr(scheme_end + 4, 6) != "system") {
        return {};
    }
    for (std::string_view sign : {"Permission denied", "system bus", "authentication",
                                  "Authorization", "access denied", "polkit"}) {
        if (reason.find(sign) != std::string_view::npos) {
            return "as a non-root user, qemu:///system needs membership of the libvirt group "
                   "(`usermod -aG libvirt USER`, then log in again) or polkit's permission; or "
                   "run as root";
        }
    }
    return {};
}

} // namespace virtnest
