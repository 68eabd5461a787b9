#include "virtnest/nest_target.hpp"

#include "virtnest/cpu_vendor.hpp"
#include "virtnest/error.hpp"

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
        target.note = std::string(k_unverified_note) + " (no host-model CPU in the domain capabilities)";
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
        target.offers_nesting = listed.count(name) > 0 ||
                                (*feature == NestFeature::svm &&
                                 vendor_of_model(caps.host_model_name) == Vendor::amd);
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
    target.note = std::string(k_unverified_note) +
                  " (the driver reports no domain capabilities)";
    return target;
}

std::optional<std::set<std::string>> expanded_host_model_features(const Connection& conn,
                                                                  const CapsKey& key,
                                                                  const DomainCaps& caps) {
    if (caps.host_model_cpu_xml.empty()) {
        return std::nullopt;
    }
    std::optional<std::string> baseline =
        conn.baseline_hypervisor_cpu(key, caps.host_model_cpu_xml, /*expand_features=*/true);
    if (!baseline) {
        return std::nullopt;
    }
    return enabled_features(*baseline);
}

const NestTarget& NestTargetCache::get(const CapsKey& key) {
    auto found = m_targets.find(key);
    if (found != m_targets.end()) {
        return found->second;
    }
    NestTarget target;
    std::optional<std::string> caps_xml = m_conn.domain_capabilities(key);
    if (caps_xml) {
        DomainCaps caps = parse_domain_caps(*caps_xml);
        target = target_from_caps(caps, expanded_host_model_features(m_conn, key, caps));
    } else {
        if (!m_host_vendor) {
            m_host_vendor = host_vendor_from_capabilities(m_conn.capabilities());
        }
        target = fallback_target(key.virt_type, *m_host_vendor);
    }
    return m_targets.emplace(key, std::move(target)).first->second;
}

std::optional<CpuCompat> NestTargetCache::compare(const CapsKey& key, const std::string& cpu_xml) {
    auto cache_key = std::make_pair(key, cpu_xml);
    auto found = m_compares.find(cache_key);
    if (found != m_compares.end()) {
        return found->second;
    }
    std::optional<CpuCompat> verdict;
    try {
        verdict = m_conn.compare_hypervisor_cpu(key, cpu_xml);
    } catch (const LibvirtError& e) {
        if (e.failure() == LibvirtFailure::connection_lost) {
            throw;
        }
        // libvirt rejects a CPU it cannot run with an error rather than a verdict.
        verdict = CpuCompat::incompatible;
    }
    m_compares.emplace(std::move(cache_key), verdict);
    return verdict;
}

} // namespace virtnest
