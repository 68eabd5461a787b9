// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Windows guests nest through Hyper-V (WSL2, virtualization-based security): on Intel they
// want the enlightened VMCS (<evmcs>, which needs <vapic>), on AMD they must not have it.
// Pure DOM edits; each appends one line per change.

#include "virtnest/rewrite/cpu_types.hpp"

#include <pugixml.hpp>

#include <optional>
#include <string>
#include <vector>

namespace virtnest {

// Return true when `domain` runs Windows: `guest_os` says so, or (detect) it has
// <features><hyperv> or libosinfo metadata naming a Microsoft OS (http://microsoft.com/win/...).
bool is_windows_guest(pugi::xml_node domain, GuestOs guest_os);

// Set up the Hyper-V enlightenments of a Windows guest for nesting with `feature` (vmx:
// vapic and evmcs on, adding <hyperv mode='custom'> when missing; svm: every evmcs removed
// with a warning, plus the Windows version note; nullopt: a warning that the vendor is unknown).
void enable_hyperv_nesting(pugi::xml_node domain, std::optional<NestFeature> feature,
                           std::vector<std::string>& changes, std::vector<std::string>& warnings);

// Remove every <evmcs state='on'/>, which serves only nested guests.
void disable_hyperv_nesting(pugi::xml_node domain, std::vector<std::string>& changes);

} // namespace virtnest
