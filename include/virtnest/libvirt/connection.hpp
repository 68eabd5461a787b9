// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// RAII owners over libvirt's connection and domain handles. This header exposes only
// standard types; <libvirt/libvirt.h> is included by src/libvirt/connection.cpp alone.

#include "virtnest/libvirt/domain_types.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// libvirt's own type names (virConnectPtr, virDomainPtr), declared here so that this header
// does not include <libvirt/libvirt.h>.
struct _virConnect; // NOLINT(bugprone-reserved-identifier)
struct _virDomain;  // NOLINT(bugprone-reserved-identifier)

namespace virtnest {

// Deleter calling virConnectClose.
struct ConnectCloser {
    void operator()(_virConnect* ptr) const noexcept;
};

// Deleter calling virDomainFree.
struct DomainFreer {
    void operator()(_virDomain* ptr) const noexcept;
};

// Return the libvirt version virt-nest was compiled against ("9.0.0").
std::string libvirt_build_version();
// Return the version of the libvirt library loaded at run time, or nullopt if it cannot say.
std::optional<std::string> libvirt_runtime_version();

// A move-only owner of one virDomainPtr.
class Domain {
  public:
    // Take ownership of a handle libvirt returned (never null).
    explicit Domain(_virDomain* ptr);

    // Return the domain's name (read once at construction).
    const std::string& name() const noexcept { return m_name; }
    // Return the domain's UUID string.
    std::string uuid() const;
    // Return the current state.
    DomainState state() const;
    // Return true when the domain has a persistent config (false: transient).
    bool is_persistent() const;
    // Return the number of snapshots (0 where the driver has no snapshots).
    int snapshot_count() const;
    // Return the domain's XML document.
    std::string xml(XmlView view) const;
    // Send one QMP command to the running domain's QEMU monitor (virDomainQemuMonitorCommand)
    // and return its JSON reply. libvirt marks the domain tainted (custom-monitor).
    std::string qemu_monitor_command(const std::string& qmp_json) const;
    // Send one command to the QEMU guest agent inside the running domain
    // (virDomainQemuAgentCommand), waiting at most `timeout_seconds`, and return its JSON
    // reply. libvirt marks the domain tainted (custom-ga-command).
    std::string qemu_agent_command(const std::string& json, int timeout_seconds) const;

    // Remove the persistent config; with managed-save and snapshot metadata when asked.
    void undefine(bool remove_managed_save_and_snapshots = false) const;
    // Save the running domain's state to a managed-save image and stop it (virDomainManagedSave).
    void managed_save() const;
    // Create a snapshot from snapshot XML (virDomainSnapshotCreateXML); the handle is dropped.
    void create_snapshot(const std::string& snapshot_xml) const;

  private:
    std::unique_ptr<_virDomain, DomainFreer> m_ptr;
    std::string m_name;
};

// One domain with the state and persistence a bulk listing reported for it.
struct ListedDomain {
    Domain domain;
    DomainState state = DomainState::no_state;
    bool persistent = true;
};

// Counts, per domain UUID, the DEFINED and UNDEFINED lifecycle events and the
// METADATA_CHANGE events of one connection while it lives (virConnectDomainEventRegisterAny;
// events run on one event-loop thread per process). Thread-safe. Deregisters on destruction.
class DefinitionWatch {
  public:
    DefinitionWatch(const DefinitionWatch&) = delete;
    DefinitionWatch& operator=(const DefinitionWatch&) = delete;
    DefinitionWatch(DefinitionWatch&&) = delete;
    DefinitionWatch& operator=(DefinitionWatch&&) = delete;
    ~DefinitionWatch();

    // Return the events delivered so far for the domain with `uuid`.
    DefinitionEvents events_of(const std::string& uuid) const;
    // Wait until the domain with `uuid` has had at least `defined` DEFINED events, or until
    // `deadline`; return whether it has.
    bool wait_defined(const std::string& uuid, int defined,
                      std::chrono::steady_clock::time_point deadline) const;

    struct Tally; // the counts, shared with libvirt's callback

  private:
    friend class Connection;
    DefinitionWatch(_virConnect* conn, int lifecycle, int metadata, std::shared_ptr<Tally> tally);
    _virConnect* m_conn;
    int m_lifecycle;
    int m_metadata; // -1: the driver offers no metadata events
    std::shared_ptr<Tally> m_tally;
};

// A move-only owner of one libvirt connection.
class Connection {
  public:
    // Open `uri` ("" selects LIBVIRT_DEFAULT_URI or libvirt's own default). Throws Error.
    static Connection open(const std::string& uri, bool read_only = false);

    // Return the URI the connection resolved to (virConnectGetURI).
    const std::string& uri() const noexcept { return m_uri; }

    // Return every domain, active and inactive, from one virConnectListAllDomains call.
    std::vector<Domain> list_all_domains() const;
    // Return every domain with its state and persistence from two bulk calls
    // (virConnectGetAllDomainStats for persistent, then transient domains) instead of two
    // calls per domain; a driver without that API gets list_all_domains plus per-domain calls.
    std::vector<ListedDomain> list_all_domains_with_state() const;
    // Return the UUIDs of the domains that have a managed-save image, from one filtered
    // virConnectListAllDomains call.
    std::vector<std::string> uuids_with_managed_save() const;
    // Return the UUIDs of the domains that have snapshots, from one filtered call.
    std::vector<std::string> uuids_with_snapshots() const;
    // Return the domain called `name`; throws LibvirtError(no_domain) when there is none.
    Domain lookup(const std::string& name) const;
    // Define (or redefine) a persistent domain from XML; with schema validation when asked.
    // `name` only labels the error message.
    Domain define(const std::string& xml, bool validate, const std::string& name = {}) const;
    // Create and start a transient domain from XML.
    Domain create_transient(const std::string& xml) const;

    // Return the host capabilities XML (virConnectGetCapabilities).
    std::string capabilities() const;
    // Return libvirt's version (virConnectGetLibVersion) and the hypervisor's, e.g. QEMU's
    // (virConnectGetVersion), as "9.0.0"; empty when the driver does not say.
    std::pair<std::string, std::string> versions() const;
    // Return the CPU model names libvirt knows for `arch` (virConnectGetCPUModelNames);
    // nullopt when the driver or a read-only connection cannot tell. Throws Error when the
    // connection is lost.
    std::optional<std::vector<std::string>> cpu_model_names(const std::string& arch) const;
    // Return the domain capabilities XML, or nullopt when the driver does not implement it.
    std::optional<std::string> domain_capabilities(const CapsKey& key) const;
    // Return virConnectBaselineHypervisorCPU of one CPU definition, with all features
    // expanded when asked; nullopt when the driver does not implement it.
    std::optional<std::string> baseline_hypervisor_cpu(const CapsKey& key,
                                                       const std::string& cpu_xml,
                                                       bool expand_features) const;
    // Return virConnectBaselineHypervisorCPU of several CPU definitions (one per host): the
    // CPU all of them can run; with `migratable`, without the features that block live
    // migration (invtsc, say); nullopt when the driver does not implement it.
    std::optional<std::string> baseline_hypervisor_cpu(const CapsKey& key,
                                                       const std::vector<std::string>& cpu_xmls,
                                                       bool expand_features,
                                                       bool migratable = false) const;
    // Return virConnectCompareHypervisorCPU for a CPU definition; nullopt when unsupported.
    std::optional<CpuCompat> compare_hypervisor_cpu(const CapsKey& key,
                                                    const std::string& cpu_xml) const;

    // Return a watch counting the connection's DEFINED/UNDEFINED events from now on; nullptr
    // when the driver cannot deliver events. The connection must outlive it.
    std::unique_ptr<DefinitionWatch> watch_definitions() const;

  private:
    explicit Connection(_virConnect* ptr);
    std::unique_ptr<_virConnect, ConnectCloser> m_ptr;
    std::string m_uri;
};

} // namespace virtnest
