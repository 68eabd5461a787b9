// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/live/nest_target_cache.hpp"

#include "virtnest/rewrite/cpu_vendor.hpp"
#include "virtnest/util/error.hpp"

namespace virtnest {

std::optional<std::set<std::string>>
expanded_host_model_features(const Connection& conn, const CapsKey& key, const DomainCaps& caps) {
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
    // std::map never moves its values, so the reference stays valid after unlocking.
    const std::lock_guard<std::mutex> hold(m_mutex);
    auto found = m_targets.find(key);
    if (found != m_targets.end()) {
        return found->second;
    }
    NestTarget target;
    std::optional<std::string> caps_xml;
    bool refused = false;
    try {
        caps_xml = m_conn.domain_capabilities(key);
    } catch (const LibvirtError& e) {
        // libvirt 9.0 refuses domain capabilities on a read-only connection: unverified.
        if (e.failure() != LibvirtFailure::read_only) {
            throw;
        }
        refused = true;
    }
    if (caps_xml) {
        DomainCaps caps = parse_domain_caps(*caps_xml);
        target = target_from_caps(caps, expanded_host_model_features(m_conn, key, caps));
    } else {
        if (!m_host_vendor) {
            m_host_vendor = host_vendor_from_capabilities(m_conn.capabilities());
        }
        target = fallback_target(key.virt_type, *m_host_vendor);
        if (refused) {
            target.note = std::string(k_unverified_note) +
                          " (a read-only connection may not read domain capabilities)";
        }
    }
    return m_targets.emplace(key, std::move(target)).first->second;
}

std::optional<CpuCompat> NestTargetCache::compare(const CapsKey& key, const std::string& cpu_xml) {
    const std::lock_guard<std::mutex> hold(m_mutex);
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

std::size_t NestTargetCache::lookups() const {
    const std::lock_guard<std::mutex> hold(m_mutex);
    return m_targets.size();
}

} // namespace virtnest
