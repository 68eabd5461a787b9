// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/rewrite/cpu_vendor.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <utility>

namespace virtnest {
namespace {

struct ModelVendor {
    std::string_view name;
    std::optional<Vendor> vendor;
};

// libvirt 9.0's x86 CPU map (/usr/share/libvirt/cpu_map/x86_*.xml) with each model's
// <vendor>; the models without one are generic and run on either vendor.
constexpr std::array<ModelVendor, 58> k_x86_models{{
    {"486", std::nullopt},
    {"Broadwell", Vendor::intel},
    {"Broadwell-IBRS", Vendor::intel},
    {"Broadwell-noTSX", Vendor::intel},
    {"Broadwell-noTSX-IBRS", Vendor::intel},
    {"Cascadelake-Server", Vendor::intel},
    {"Cascadelake-Server-noTSX", Vendor::intel},
    {"Conroe", Vendor::intel},
    {"Cooperlake", Vendor::intel},
    {"Dhyana", Vendor::amd},
    {"EPYC", Vendor::amd},
    {"EPYC-IBPB", Vendor::amd},
    {"EPYC-Milan", Vendor::amd},
    {"EPYC-Rome", Vendor::amd},
    {"Haswell", Vendor::intel},
    {"Haswell-IBRS", Vendor::intel},
    {"Haswell-noTSX", Vendor::intel},
    {"Haswell-noTSX-IBRS", Vendor::intel},
    {"Icelake-Client", Vendor::intel},
    {"Icelake-Client-noTSX", Vendor::intel},
    {"Icelake-Server", Vendor::intel},
    {"Icelake-Server-noTSX", Vendor::intel},
    {"IvyBridge", Vendor::intel},
    {"IvyBridge-IBRS", Vendor::intel},
    {"Nehalem", Vendor::intel},
    {"Nehalem-IBRS", Vendor::intel},
    {"Opteron_G1", Vendor::amd},
    {"Opteron_G2", Vendor::amd},
    {"Opteron_G3", Vendor::amd},
    {"Opteron_G4", Vendor::amd},
    {"Opteron_G5", Vendor::amd},
    {"Penryn", Vendor::intel},
    {"SandyBridge", Vendor::intel},
    {"SandyBridge-IBRS", Vendor::intel},
    {"Skylake-Client", Vendor::intel},
    {"Skylake-Client-IBRS", Vendor::intel},
    {"Skylake-Client-noTSX-IBRS", Vendor::intel},
    {"Skylake-Server", Vendor::intel},
    {"Skylake-Server-IBRS", Vendor::intel},
    {"Skylake-Server-noTSX-IBRS", Vendor::intel},
    {"Snowridge", Vendor::intel},
    {"Westmere", Vendor::intel},
    {"Westmere-IBRS", Vendor::intel},
    {"athlon", Vendor::amd},
    {"core2duo", Vendor::intel},
    {"coreduo", Vendor::intel},
    {"cpu64-rhel5", std::nullopt},
    {"cpu64-rhel6", std::nullopt},
    {"kvm32", std::nullopt},
    {"kvm64", std::nullopt},
    {"n270", Vendor::intel},
    {"pentium", std::nullopt},
    {"pentium2", std::nullopt},
    {"pentium3", std::nullopt},
    {"pentiumpro", std::nullopt},
    {"phenom", Vendor::amd},
    {"qemu32", std::nullopt},
    {"qemu64", std::nullopt},
}};

// Families newer than libvirt 9's map (or QEMU's versioned names such as EPYC-v4):
// recognised by prefix so that vendor inference keeps working on newer hosts' XML.
constexpr std::array<std::pair<std::string_view, Vendor>, 14> k_family_prefixes{{
    {"EPYC", Vendor::amd},
    {"Opteron", Vendor::amd},
    {"Dhyana", Vendor::amd},
    {"Haswell", Vendor::intel},
    {"Broadwell", Vendor::intel},
    {"Skylake", Vendor::intel},
    {"Cascadelake", Vendor::intel},
    {"Cooperlake", Vendor::intel},
    {"Icelake", Vendor::intel},
    {"SapphireRapids", Vendor::intel},
    {"GraniteRapids", Vendor::intel},
    {"SierraForest", Vendor::intel},
    {"Denverton", Vendor::intel},
    {"Snowridge", Vendor::intel},
}};

// libvirt 9's AMD models whose definition lacks npt (EPYC-Rome and EPYC-Milan carry it).
constexpr std::array<std::string_view, 10> k_amd_without_npt{
    "Dhyana",     "EPYC",       "EPYC-IBPB",  "Opteron_G1", "Opteron_G2",
    "Opteron_G3", "Opteron_G4", "Opteron_G5", "athlon",     "phenom",
};

std::string lowercase(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

} // namespace

std::optional<Vendor> vendor_of_model(std::string_view model) noexcept {
    for (const ModelVendor& entry : k_x86_models) {
        if (entry.name == model) {
            return entry.vendor;
        }
    }
    for (const auto& [prefix, vendor] : k_family_prefixes) {
        if (model.starts_with(prefix)) {
            return vendor;
        }
    }
    return std::nullopt;
}

std::optional<Vendor> parse_vendor(std::string_view text) noexcept {
    try {
        std::string lower = lowercase(text);
        if (lower == "intel" || lower == "genuineintel") {
            return Vendor::intel;
        }
        if (lower == "amd" || lower == "authenticamd" || lower == "hygon" ||
            lower == "hygongenuine") {
            return Vendor::amd;
        }
    } catch (...) {
        // Allocation failure: no vendor rather than an exception through noexcept.
    }
    return std::nullopt;
}

std::vector<std::string_view> known_x86_models() {
    std::vector<std::string_view> names;
    names.reserve(k_x86_models.size());
    for (const ModelVendor& entry : k_x86_models) {
        names.push_back(entry.name);
    }
    return names;
}

bool is_known_x86_model(std::string_view model) noexcept {
    return std::any_of(k_x86_models.begin(), k_x86_models.end(),
                       [&](const ModelVendor& entry) { return entry.name == model; });
}

std::optional<std::string_view> paging_feature_to_add(std::string_view model) noexcept {
    if (std::find(k_amd_without_npt.begin(), k_amd_without_npt.end(), model) !=
        k_amd_without_npt.end()) {
        return "npt";
    }
    return std::nullopt;
}

} // namespace virtnest
