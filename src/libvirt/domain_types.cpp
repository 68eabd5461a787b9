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

} // namespace virtnest
