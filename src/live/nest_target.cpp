// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/live/nest_target.hpp"

#include "virtnest/rewrite/cpu_vendor.hpp"
#include "virtnest/util/error.hpp"

namespace virtnest {

std::optional<NestFeature> NestTarget::feature() const {
    if (vendor) {
        return feature_for(*vendor);
    }
    return std::nullopt;
}

NestTarget target_from_caps(const DomainCaps& caps,
                            const std::optional<std::set<std::string>>& expanded_features) {
    NestTarget target;
    target.verified = true;
    target.host_passthrough_supported = caps.host_passthrough_supported;
    target.passthrough_migratable = caps.host_passthrough_migratable;
    target.host_model_supported = caps.host_model_supported;
    target.host_model_name = caps.host_model_name;
    target.custom_models = caps.custom_models;
    target.vendor = caps.host_model_vendor;
    if (!target.vendor && !caps.host_model_name.empty()) {
        target.vendor = vendor_of_model(caps.host_model_name);
    }
    auto feature = target.feature();
    if (!feature || !caps.host_model_supported) {
        // Without a vendor or a host-model CPU there is nothing to look for vmx/svm in.
        target.verified = false;
        target.offers_nesting = true;
        target.note =
            std::string(k_unverified_note) + " (no host-model CPU in the domain capabilities)";
        return target;
    }
    const std::string name(to_string(*feature));
    if (expanded_features) {
        target.offers_nesting = expanded_features->count(name) > 0;
    } else {
        // No baseline expansion: the listed extras, plus svm inside AMD models.
        std::set<std::string> listed = caps.host_model_cpu_xml.empty()
                                           ? std::set<std::string>{}
                                           : enabled_features(caps.host_model_cpu_xml);
        target.offers_nesting =
            listed.count(name) > 0 ||
            (*feature == NestFeature::svm && vendor_of_model(caps.host_model_name) == Vendor::amd);
    }
    return target;
}

NestTarget fallback_target(const std::string& virt_type, std::optional<Vendor> host_vendor) {
    NestTarget target;
    target.verified = false;
    target.vendor = host_vendor;
    target.offers_nesting = true;
    // TCG ('qemu') has no host-passthrough; everything else is assumed to.
    target.host_passthrough_supported = virt_type != "qemu";
    target.note = std::string(k_unverified_note) + " (the driver reports no domain capabilities)";
    return target;
}

} // namespace virtnest
