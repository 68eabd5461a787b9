// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Which vendor a CPU model name belongs to, for choosing vmx or svm offline.

#include "virtnest/rewrite/cpu_types.hpp"

#include <optional>
#include <string_view>
#include <vector>

namespace virtnest {

// Return the vendor of a libvirt/QEMU x86 CPU model name (Haswell, Skylake-Server, ... are
// Intel; EPYC, Opteron_G5, ... AMD; Dhyana is Hygon, treated as AMD); nullopt for generic
// models such as qemu64 or kvm64 and for unknown names.
std::optional<Vendor> vendor_of_model(std::string_view model) noexcept;

// Return the vendor for "intel"/"amd" and libvirt's <vendor> spellings ("Intel", "AMD",
// "GenuineIntel", "AuthenticAMD", "Hygon", "HygonGenuine"); nullopt otherwise.
std::optional<Vendor> parse_vendor(std::string_view text) noexcept;

// Return the x86 CPU model names libvirt 9 knows (its cpu_map), for validation and hints.
std::vector<std::string_view> known_x86_models();

// Return true when `model` is one of known_x86_models() (names are case-sensitive).
bool is_known_x86_model(std::string_view model) noexcept;

// Return the second-level paging feature to require beside svm/vmx in custom `model`, for
// a nested hypervisor to run at speed: "npt" for libvirt 9's AMD models that lack it (EPYC,
// EPYC-IBPB, Dhyana, Opteron_G*, ...); nullopt for models that carry it (EPYC-Rome,
// EPYC-Milan), unknown ones, and Intel's (libvirt 9's CPU map has no name for EPT).
std::optional<std::string_view> paging_feature_to_add(std::string_view model) noexcept;

} // namespace virtnest
