// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/live/cpu_inspect.hpp"

#include "virtnest/rewrite/cpu_vendor.hpp"
#include "virtnest/util/error.hpp"
#include "virtnest/xml/xml_document.hpp"

#include <pugixml.hpp>

namespace virtnest {
namespace {

pugi::xml_document parse_domain(std::string_view domain_xml) {
    return parse_domain_xml(domain_xml, "domain XML");
}

} // namespace

std::optional<FeaturePolicy> parse_feature_policy(std::string_view text) noexcept {
    if (text.empty() || text == "require") {
        return FeaturePolicy::require;
    }
    if (text == "force") {
        return FeaturePolicy::force;
    }
    if (text == "optional") {
        return FeaturePolicy::optional;
    }
    if (text == "disable") {
        return FeaturePolicy::disable;
    }
    if (text == "forbid") {
        return FeaturePolicy::forbid;
    }
    return std::nullopt;
}

CpuFacts inspect_cpu(std::string_view domain_xml) {
    pugi::xml_document doc = parse_domain(domain_xml);
    pugi::xml_node domain = doc.document_element();
    CpuFacts facts;
    facts.name = domain.child("name").text().as_string();
    facts.uuid = domain.child("uuid").text().as_string();
    facts.caps_key.virt_type = domain.attribute("type").as_string();
    facts.caps_key.emulator = domain.child("devices").child("emulator").text().as_string();
    pugi::xml_node type = domain.child("os").child("type");
    facts.caps_key.arch = type.attribute("arch").as_string();
    facts.caps_key.machine = type.attribute("machine").as_string();

    if (pugi::xml_node nested = domain.child("features").child("nested-hv")) {
        // <nested-hv/> without a state means on.
        facts.nested_hv = std::string_view(nested.attribute("state").as_string("on")) == "on";
    }
    if (pugi::xml_node security = domain.child("launchSecurity")) {
        facts.launch_security = security.attribute("type").as_string("unknown");
    }

    pugi::xml_node cpu = domain.child("cpu");
    if (!cpu) {
        return facts;
    }
    facts.model = cpu.child("model").text().as_string();
    facts.vendor = cpu.child("vendor").text().as_string();
    if (pugi::xml_attribute mode = cpu.attribute("mode")) {
        facts.mode = parse_cpu_mode(mode.as_string()).value_or(CpuMode::none);
    } else if (!facts.model.empty()) {
        facts.mode = CpuMode::custom; // libvirt's default when a model is named
    }
    for (pugi::xml_node feature : cpu.children("feature")) {
        std::string_view name = feature.attribute("name").as_string();
        auto policy = parse_feature_policy(feature.attribute("policy").as_string());
        if (name == "vmx") {
            facts.vmx = policy;
        } else if (name == "svm") {
            facts.svm = policy;
        } else if (name == "sief2") {
            facts.sief2 = policy;
        }
    }
    return facts;
}

std::optional<FeaturePolicy> policy_of(const CpuFacts& facts, NestFeature feature) noexcept {
    return feature == NestFeature::vmx ? facts.vmx : facts.svm;
}

bool passes_feature(const CpuFacts& facts, NestFeature feature, bool host_offers) {
    if (auto policy = policy_of(facts, feature)) {
        switch (*policy) {
        case FeaturePolicy::disable:
        case FeaturePolicy::forbid: return false;
        case FeaturePolicy::optional: return host_offers;
        case FeaturePolicy::force:
        case FeaturePolicy::require: return facts.mode != CpuMode::none;
        }
    }
    switch (facts.mode) {
    case CpuMode::host_passthrough:
    case CpuMode::maximum:
    case CpuMode::host_model: return host_offers;
    case CpuMode::custom:
        return feature == NestFeature::svm && vendor_of_model(facts.model) == Vendor::amd;
    case CpuMode::none: break;
    }
    return false;
}

bool sief2_blocked(const CpuFacts& facts) noexcept {
    return facts.sief2 == FeaturePolicy::disable || facts.sief2 == FeaturePolicy::forbid;
}

std::string comparable_cpu_xml(std::string_view domain_xml) {
    pugi::xml_document doc = parse_domain(domain_xml);
    pugi::xml_node cpu = doc.document_element().child("cpu");
    std::string_view mode = cpu.attribute("mode").as_string();
    const bool custom = mode == "custom" || (mode.empty() && cpu.child("model"));
    if (!cpu || !custom || std::string_view(cpu.child("model").text().as_string()).empty()) {
        return {};
    }
    pugi::xml_document alone;
    alone.append_copy(cpu);
    return format_xml(alone);
}

bool arch_blocks_nesting(const CpuFacts& facts) noexcept {
    return sief2_blocked(facts) ||
           (facts.caps_key.arch.starts_with("ppc") && facts.nested_hv != true);
}

std::string_view arch_nest_setting(const CpuFacts& facts) noexcept {
    if (facts.caps_key.arch.starts_with("s390")) {
        return "sief2";
    }
    if (facts.caps_key.arch.starts_with("ppc")) {
        return "nested-hv";
    }
    return {};
}

bool restart_pending(const CpuFacts& inactive, const CpuFacts& live) noexcept {
    if (inactive.nested_hv != live.nested_hv) {
        return true; // <features> are not expanded: any difference is real
    }
    if (inactive.vmx != live.vmx || inactive.svm != live.svm) {
        // A running host-model guest lists its expanded features; only a disagreement on
        // an explicit disable is meaningful there.
        if (inactive.mode != CpuMode::host_model) {
            return true;
        }
        auto disabled = [](std::optional<FeaturePolicy> p) {
            return p == FeaturePolicy::disable || p == FeaturePolicy::forbid;
        };
        if (disabled(inactive.vmx) != disabled(live.vmx) ||
            disabled(inactive.svm) != disabled(live.svm)) {
            return true;
        }
    }
    if (inactive.mode == CpuMode::host_model && live.mode == CpuMode::custom) {
        return false;
    }
    if (inactive.mode != live.mode) {
        return true;
    }
    return inactive.mode == CpuMode::custom && inactive.model != live.model;
}

} // namespace virtnest
