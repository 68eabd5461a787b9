// SPDX-License-Identifier: GPL-2.0-or-later
// The spellings of the rewrite's vocabulary: CPU modes, nesting features, vendors.
#include "virtnest/rewrite/cpu_types.hpp"

namespace virtnest {

std::string_view to_string(CpuMode mode) noexcept {
    switch (mode) {
    case CpuMode::host_passthrough: return "host-passthrough";
    case CpuMode::host_model: return "host-model";
    case CpuMode::custom: return "custom";
    case CpuMode::maximum: return "maximum";
    case CpuMode::none: return "none";
    }
    return "none";
}

std::optional<CpuMode> parse_cpu_mode(std::string_view text) noexcept {
    for (CpuMode mode :
         {CpuMode::host_passthrough, CpuMode::host_model, CpuMode::custom, CpuMode::maximum}) {
        if (text == to_string(mode)) {
            return mode;
        }
    }
    return std::nullopt;
}

std::string_view to_string(NestFeature feature) noexcept {
    return feature == NestFeature::vmx ? "vmx" : "svm";
}

std::optional<NestFeature> parse_nest_feature(std::string_view text) noexcept {
    if (text == "vmx") {
        return NestFeature::vmx;
    }
    if (text == "svm") {
        return NestFeature::svm;
    }
    return std::nullopt;
}

NestFeature feature_for(Vendor vendor) noexcept {
    return vendor == Vendor::intel ? NestFeature::vmx : NestFeature::svm;
}

std::optional<GuestOs> parse_guest_os(std::string_view text) noexcept {
    if (text == "windows") {
        return GuestOs::windows;
    }
    if (text == "other") {
        return GuestOs::other;
    }
    if (text == "detect") {
        return GuestOs::detect;
    }
    return std::nullopt;
}

} // namespace virtnest
