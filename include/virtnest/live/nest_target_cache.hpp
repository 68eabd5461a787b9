// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The nesting targets of one connection, asked of libvirt once per CapsKey.

#include "virtnest/libvirt/connection.hpp"
#include "virtnest/live/nest_target.hpp"

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace virtnest {

// Return the features libvirt's host-model CPU of `caps` enables once expanded by
// virConnectBaselineHypervisorCPU under `key` (vmx/svm appear only when KVM offers nesting);
// nullopt without a host-model CPU or when the driver cannot expand. Throws Error.
std::optional<std::set<std::string>>
expanded_host_model_features(const Connection& conn, const CapsKey& key, const DomainCaps& caps);

// Looks targets up through one connection, once per CapsKey, and CPU comparisons once per
// (CapsKey, CPU). Thread-safe: the threads of one run share it, and a lookup in progress
// makes the others wait for its answer instead of asking libvirt again.
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
    std::size_t lookups() const;

  private:
    const Connection& m_conn;
    mutable std::mutex m_mutex; // guards the maps; held across a libvirt lookup
    std::map<CapsKey, NestTarget> m_targets;
    std::map<std::pair<CapsKey, std::string>, std::optional<CpuCompat>> m_compares;
    std::optional<std::optional<Vendor>> m_host_vendor;
};

} // namespace virtnest
