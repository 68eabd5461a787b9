#pragma once

// What this hypervisor offers a domain for nesting, learned from libvirt once per CapsKey:
// domain capabilities plus the expanded baseline of their host-model CPU. Drivers without
// those calls (libvirt's test driver among them) get a fallback from the host capabilities'
// vendor, marked unverified.

#include "virtnest/cpu_rewrite.hpp"
#include "virtnest/domain_caps.hpp"
#include "virtnest/libvirt_conn.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace virtnest {

// The warning every unverified target carries.
inline constexpr const char* k_unverified_note = "host nesting support could not be verified";

// The nesting target for one (emulator, arch, machine, virt type).
struct NestTarget {
    bool verified = false;                 // learned from domain capabilities
    std::optional<Vendor> vendor;          // host CPU vendor as the hypervisor presents it
    bool offers_nesting = true;            // vmx/svm in the expanded host-model (assumed when unverified)
    bool host_passthrough_supported = true;
    bool host_model_supported = true;
    std::string host_model_name;           // e.g. "EPYC"; empty when unknown
    std::vector<CustomModel> custom_models;
    std::string note;                      // why it is unverified, empty when verified

    // Return the vendor's nesting feature; nullopt when the vendor is unknown.
    std::optional<NestFeature> feature() const;
};

// Return the target from parsed domain capabilities and the features of the expanded
// host-model CPU (nullopt when the baseline call is unsupported: the listed features and
// the model's vendor are used instead).
NestTarget target_from_caps(const DomainCaps& caps,
                            const std::optional<std::set<std::string>>& expanded_features);

// Return the unverified fallback target for a virt type, with the host vendor if known.
NestTarget fallback_target(const std::string& virt_type, std::optional<Vendor> host_vendor);

// Looks targets up through one connection, once per CapsKey, and CPU comparisons once per
// (CapsKey, CPU). Not thread-safe: one cache per connection and thread.
// Return the features libvirt's host-model CPU of `caps` enables once expanded by
// virConnectBaselineHypervisorCPU under `key` (vmx/svm appear only when KVM offers nesting);
// nullopt without a host-model CPU or when the driver cannot expand. Throws Error.
std::optional<std::set<std::string>> expanded_host_model_features(const Connection& conn,
                                                                  const CapsKey& key,
                                                                  const DomainCaps& caps);

class NestTargetCache {
public:
    // Use `conn` for every lookup; it must outlive the cache.
    explicit NestTargetCache(const Connection& conn) : m_conn(conn) {}

    // Return the target for `key`, asking libvirt the first time only.
    const NestTarget& get(const CapsKey& key);

    // Return virConnectCompareHypervisorCPU for `cpu_xml` under `key`; nullopt when the
    // driver cannot compare.
    std::optional<CpuCompat> compare(const CapsKey& key, const std::string& cpu_xml);

    // Return the number of distinct CapsKeys looked up so far.
    std::size_t lookups() const noexcept { return m_targets.size(); }

private:
    const Connection& m_conn;
    std::map<CapsKey, NestTarget> m_targets;
    std::map<std::pair<CapsKey, std::string>, std::optional<CpuCompat>> m_compares;
    std::optional<std::optional<Vendor>> m_host_vendor;
};

} // namespace virtnest
