// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The vocabulary of CPU nesting shared by every layer: CPU modes, the nesting feature, the
// vendor and the direction of a rewrite. Values only; the functions live in cpu_types.cpp.

#include <optional>
#include <string_view>

namespace virtnest {

// The CPU modes libvirt knows; `none` stands for a domain without a <cpu> mode.
enum class CpuMode { host_passthrough, host_model, custom, maximum, none };

// Return the mode as libvirt spells it ("host-passthrough", ...; "none" for none).
std::string_view to_string(CpuMode mode) noexcept;
// Return the mode for libvirt's spelling; nullopt for an unknown name.
std::optional<CpuMode> parse_cpu_mode(std::string_view text) noexcept;

// The CPU feature that carries hardware virtualization into the guest.
enum class NestFeature { vmx, svm };

// Return "vmx" or "svm".
std::string_view to_string(NestFeature feature) noexcept;
// Return the feature for "vmx"/"svm"; nullopt otherwise.
std::optional<NestFeature> parse_nest_feature(std::string_view text) noexcept;

// A CPU vendor, as far as nesting cares.
enum class Vendor { intel, amd };

// Return the vendor's nesting feature: vmx for Intel, svm for AMD (and Hygon).
NestFeature feature_for(Vendor vendor) noexcept;

// Whether a rewrite turns nesting on or off.
enum class Nesting { enable, disable };

// What the guest runs, as far as nesting cares: Windows nests Hyper-V (WSL2, VBS) and needs
// Hyper-V enlightenments; `detect` reads <features><hyperv> and libosinfo metadata.
enum class GuestOs { detect, windows, other };

// Return the guest OS for "windows"/"other"/"detect"; nullopt otherwise.
std::optional<GuestOs> parse_guest_os(std::string_view text) noexcept;

} // namespace virtnest
