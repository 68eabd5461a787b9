// SPDX-License-Identifier: GPL-2.0-or-later
// The only source file that includes <libvirt/libvirt.h>: every libvirt call of
// virt-nest goes through the owners defined here.
#include "virtnest/libvirt/connection.hpp"

#include "virtnest/util/error.hpp"

#include <libvirt/libvirt-qemu.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/relaxng.h>
#include <libxml/xmlschemastypes.h>

#include <array>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>
#include <unistd.h>

namespace virtnest {
namespace {

// libvirt prints every error to stderr by default; we report errors ourselves.
void silent_error_handler(void* /*user_data*/, virErrorPtr /*error*/) {}

void init_libvirt_once() {
    static std::once_flag flag;
    std::call_once(flag, [] {
        if (virInitialize() < 0) {
            throw Error("cannot initialize libvirt");
        }
        virSetErrorFunc(nullptr, silent_error_handler);
        // An in-process driver (test:///) validates each define against domain.rng in the
        // calling thread. libxml2 before 2.11 fills its RelaxNG type libraries and its XML
        // Schema type table on first use, without a lock: two first defines on two threads
        // then fail with "Error type 'unsignedInt' is not exported by type library" (and leak
        // the loser's tables). Fill both once here, before any worker thread exists;
        // xmlRelaxNGInitTypes does not fill the schema table itself in libxml2 2.9.
        xmlSchemaInitTypes();
        if (xmlRelaxNGInitTypes() != 0) {
            throw Error("cannot initialize libxml2's RelaxNG datatypes");
        }
        // Lifecycle events (and the daemon's keepalive probes) need an event loop, registered
        // before the first connection opens and run by one thread for the whole process.
        if (virEventRegisterDefaultImpl() == 0) {
            std::thread([] {
                for (;;) {
                    if (virEventRunDefaultImpl() < 0) {
                        return;
                    }
                }
            }).detach();
        }
        // A daemon that dies mid-call closes the socket under libvirt's writes; the default
        // SIGPIPE action would kill us silently (exit 141) instead of reporting the error.
        std::signal(SIGPIPE, SIG_IGN);
    });
}

LibvirtFailure classify(const virError* err, virConnectPtr conn) {
    if (err == nullptr) {
        return LibvirtFailure::other;
    }
    switch (err->code) {
    case VIR_ERR_NO_DOMAIN: return LibvirtFailure::no_domain;
    case VIR_ERR_NO_SUPPORT:
    case VIR_ERR_OPERATION_UNSUPPORTED: return LibvirtFailure::no_support;
    case VIR_ERR_OPERATION_DENIED: return LibvirtFailure::read_only;
    case VIR_ERR_XML_ERROR:
    case VIR_ERR_XML_DETAIL:
    case VIR_ERR_CONFIG_UNSUPPORTED:
    case VIR_ERR_INVALID_ARG:
    case VIR_ERR_OPERATION_INVALID: return LibvirtFailure::invalid_argument;
    case VIR_ERR_NO_CONNECT:
    case VIR_ERR_RPC: return LibvirtFailure::connection_lost;
    default: break;
    }
    if (conn != nullptr && virConnectIsAlive(conn) == 0) {
        return LibvirtFailure::connection_lost;
    }
    return LibvirtFailure::other;
}

// Throw a LibvirtError whose text is `what` followed by libvirt's own reason.
[[noreturn]] void throw_last_error(const std::string& what, virConnectPtr conn = nullptr) {
    const virError* err = virGetLastError();
    std::string reason =
        (err != nullptr && err->message != nullptr) ? err->message : "unknown libvirt error";
    LibvirtFailure failure = classify(err, conn);
    virResetLastError();
    throw LibvirtError(what + ": " + reason, failure);
}

// As throw_last_error, for a failed call on a domain: the domain's connection is looked up
// only after libvirt's error is copied, since every libvirt call resets the last error.
[[noreturn]] void throw_domain_error(const std::string& what, virDomainPtr dom) {
    virError copy{};
    const bool have_error = virCopyLastError(&copy) > 0;
    std::string reason =
        (have_error && copy.message != nullptr) ? copy.message : "unknown libvirt error";
    LibvirtFailure failure = classify(have_error ? &copy : nullptr, virDomainGetConnect(dom));
    virResetError(&copy);
    virResetLastError();
    throw LibvirtError(what + ": " + reason, failure);
}

// Copy a libvirt-allocated string and free it at once.
std::string take_string(char* raw) {
    std::string copy(raw);
    std::free(raw); // NOLINT(cppcoreguidelines-no-malloc): libvirt allocates with malloc
    return copy;
}

std::string dq(const std::string& name) { return "\"" + name + "\""; }

const char* or_null(const std::string& value) { return value.empty() ? nullptr : value.c_str(); }

bool is_unsupported() {
    const virError* err = virGetLastError();
    if (err != nullptr &&
        (err->code == VIR_ERR_NO_SUPPORT || err->code == VIR_ERR_OPERATION_UNSUPPORTED)) {
        virResetLastError();
        return true;
    }
    return false;
}

DomainState state_from_libvirt(int state) {
    switch (state) {
    case VIR_DOMAIN_RUNNING: return DomainState::running;
    case VIR_DOMAIN_BLOCKED: return DomainState::blocked;
    case VIR_DOMAIN_PAUSED: return DomainState::paused;
    case VIR_DOMAIN_SHUTDOWN: return DomainState::shutdown;
    case VIR_DOMAIN_SHUTOFF: return DomainState::shut_off;
    case VIR_DOMAIN_CRASHED: return DomainState::crashed;
    case VIR_DOMAIN_PMSUSPENDED: return DomainState::pmsuspended;
    default: return DomainState::no_state;
    }
}

} // namespace

namespace {

std::string version_string(unsigned long number) {
    return std::to_string(number / 1000000) + "." + std::to_string(number / 1000 % 1000) + "." +
           std::to_string(number % 1000);
}

} // namespace

std::string libvirt_build_version() { return version_string(LIBVIR_VERSION_NUMBER); }

std::optional<std::string> libvirt_runtime_version() {
    unsigned long number = 0;
    if (virGetVersion(&number, nullptr, nullptr) < 0) {
        return std::nullopt;
    }
    return version_string(number);
}

void ConnectCloser::operator()(_virConnect* ptr) const noexcept { virConnectClose(ptr); }
void DomainFreer::operator()(_virDomain* ptr) const noexcept { virDomainFree(ptr); }

// ---- Domain ----

Domain::Domain(_virDomain* ptr) : m_ptr(ptr) {
    const char* name = virDomainGetName(ptr);
    m_name = name != nullptr ? name : "";
}

std::string Domain::uuid() const {
    std::array<char, VIR_UUID_STRING_BUFLEN> buf{};
    if (virDomainGetUUIDString(m_ptr.get(), buf.data()) < 0) {
        throw_last_error("cannot read UUID of domain " + dq(m_name));
    }
    return buf.data();
}

DomainState Domain::state() const {
    int state = 0;
    int reason = 0;
    if (virDomainGetState(m_ptr.get(), &state, &reason, 0) < 0) {
        throw_domain_error("cannot read state of domain " + dq(m_name), m_ptr.get());
    }
    return state_from_libvirt(state);
}

bool Domain::is_persistent() const {
    int rc = virDomainIsPersistent(m_ptr.get());
    if (rc < 0) {
        throw_last_error("cannot tell whether domain " + dq(m_name) + " is persistent");
    }
    return rc == 1;
}

int Domain::snapshot_count() const {
    int rc = virDomainSnapshotNum(m_ptr.get(), 0);
    if (rc < 0) {
        if (is_unsupported()) {
            return 0;
        }
        throw_domain_error("cannot count snapshots of domain " + dq(m_name), m_ptr.get());
    }
    return rc;
}

std::string Domain::xml(XmlView view) const {
    unsigned int flags = 0U;
    if (view == XmlView::inactive_secure) {
        flags = VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE;
    } else if (view == XmlView::inactive) {
        flags = VIR_DOMAIN_XML_INACTIVE;
    }
    char* raw = virDomainGetXMLDesc(m_ptr.get(), flags);
    if (raw == nullptr) {
        throw_domain_error("cannot read XML of domain " + dq(m_name), m_ptr.get());
    }
    return take_string(raw);
}

std::string Domain::qemu_monitor_command(const std::string& qmp_json) const {
    char* reply = nullptr;
    if (virDomainQemuMonitorCommand(m_ptr.get(), qmp_json.c_str(), &reply, 0U) < 0) {
        throw_domain_error("cannot ask the QEMU monitor of domain " + dq(m_name), m_ptr.get());
    }
    return take_string(reply);
}

std::string Domain::qemu_agent_command(const std::string& json, int timeout_seconds) const {
    char* reply = virDomainQemuAgentCommand(m_ptr.get(), json.c_str(), timeout_seconds, 0U);
    if (reply == nullptr) {
        throw_domain_error("cannot ask the guest agent of domain " + dq(m_name), m_ptr.get());
    }
    return take_string(reply);
}

void Domain::undefine(bool remove_managed_save_and_snapshots) const {
    unsigned int flags =
        remove_managed_save_and_snapshots
            ? (VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
               VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA | VIR_DOMAIN_UNDEFINE_NVRAM)
            : 0U;
    if (virDomainUndefineFlags(m_ptr.get(), flags) < 0) {
        throw_last_error("cannot undefine domain " + dq(m_name));
    }
}

void Domain::managed_save() const {
    if (virDomainManagedSave(m_ptr.get(), 0) < 0) {
        throw_last_error("cannot managed-save domain " + dq(m_name));
    }
}

void Domain::create_snapshot(const std::string& snapshot_xml) const {
    virDomainSnapshotPtr snap = virDomainSnapshotCreateXML(m_ptr.get(), snapshot_xml.c_str(), 0);
    if (snap == nullptr) {
        throw_last_error("cannot create a snapshot of domain " + dq(m_name));
    }
    virDomainSnapshotFree(snap);
}

// ---- Connection ----

Connection::Connection(_virConnect* ptr) : m_ptr(ptr) {
    char* raw = virConnectGetURI(ptr);
    m_uri = raw != nullptr ? take_string(raw) : std::string();
}

Connection Connection::open(const std::string& uri, bool read_only) {
    init_libvirt_once();
    virConnectPtr conn =
        read_only ? virConnectOpenReadOnly(or_null(uri)) : virConnectOpen(or_null(uri));
    if (conn == nullptr) {
        std::string shown = uri.empty() ? "(default)" : uri;
        try {
            throw_last_error("cannot connect to " + dq(shown));
        } catch (const LibvirtError& e) {
            const std::string hint = connect_permission_hint(uri, ::geteuid() == 0, e.what());
            if (hint.empty()) {
                throw;
            }
            throw LibvirtError(std::string(e.what()) + "; " + hint, e.failure());
        }
    }
    return Connection(conn);
}

std::pair<std::string, std::string> Connection::versions() const {
    // libvirt encodes a version as major * 1,000,000 + minor * 1,000 + release.
    auto text = [](unsigned long v) {
        return std::to_string(v / 1000000) + "." + std::to_string(v / 1000 % 1000) + "." +
               std::to_string(v % 1000);
    };
    unsigned long lib = 0;
    unsigned long hyp = 0;
    std::pair<std::string, std::string> out;
    if (virConnectGetLibVersion(m_ptr.get(), &lib) == 0) {
        out.first = text(lib);
    }
    if (virConnectGetVersion(m_ptr.get(), &hyp) == 0 && hyp != 0) {
        out.second = text(hyp);
    }
    virResetLastError();
    return out;
}

std::vector<Domain> Connection::list_all_domains() const {
    virDomainPtr* raw = nullptr;
    int count = virConnectListAllDomains(m_ptr.get(), &raw, 0);
    if (count < 0) {
        throw_last_error("cannot list domains on " + dq(m_uri), m_ptr.get());
    }
    std::vector<Domain> domains;
    domains.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        domains.emplace_back(raw[i]); // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
    }
    std::free(raw); // NOLINT(cppcoreguidelines-no-malloc)
    return domains;
}

std::vector<ListedDomain> Connection::list_all_domains_with_state() const {
    std::vector<ListedDomain> listed;
    for (bool persistent : {true, false}) {
        virDomainStatsRecordPtr* records = nullptr;
        unsigned int filter = persistent ? VIR_CONNECT_GET_ALL_DOMAINS_STATS_PERSISTENT
                                         : VIR_CONNECT_GET_ALL_DOMAINS_STATS_TRANSIENT;
        int count =
            virConnectGetAllDomainStats(m_ptr.get(), VIR_DOMAIN_STATS_STATE, &records, filter);
        if (count < 0) {
            if (!is_unsupported()) {
                throw_last_error("cannot list domains on " + dq(m_uri), m_ptr.get());
            }
            // The driver has no bulk stats: one listing, then per-domain queries.
            listed.clear();
            for (Domain& domain : list_all_domains()) {
                DomainState state = domain.state();
                bool is_persistent_domain = domain.is_persistent();
                listed.push_back({std::move(domain), state, is_persistent_domain});
            }
            return listed;
        }
        for (int i = 0; i < count; ++i) {
            virDomainStatsRecordPtr record =
                records[i]; // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
            int state = VIR_DOMAIN_NOSTATE;
            virTypedParamsGetInt(record->params, record->nparams, "state.state", &state);
            virDomainRef(record->dom);
            listed.push_back({Domain(record->dom), state_from_libvirt(state), persistent});
        }
        virDomainStatsRecordListFree(records);
    }
    return listed;
}

namespace {

std::vector<std::string> uuids_of(virConnectPtr conn, unsigned int filter, const std::string& what,
                                  const std::string& uri) {
    virDomainPtr* raw = nullptr;
    int count = virConnectListAllDomains(conn, &raw, filter);
    if (count < 0) {
        throw_last_error("cannot list domains " + what + " on " + dq(uri), conn);
    }
    std::vector<std::string> uuids;
    uuids.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        std::array<char, VIR_UUID_STRING_BUFLEN> buf{};
        virDomainPtr dom = raw[i]; // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
        if (virDomainGetUUIDString(dom, buf.data()) == 0) {
            uuids.emplace_back(buf.data());
        }
        virDomainFree(dom);
    }
    std::free(raw); // NOLINT(cppcoreguidelines-no-malloc)
    return uuids;
}

} // namespace

std::vector<std::string> Connection::uuids_with_managed_save() const {
    return uuids_of(m_ptr.get(), VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE, "with a managed-save image",
                    m_uri);
}

std::vector<std::string> Connection::uuids_with_snapshots() const {
    return uuids_of(m_ptr.get(), VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT, "with snapshots", m_uri);
}

Domain Connection::lookup(const std::string& name) const {
    virDomainPtr dom = virDomainLookupByName(m_ptr.get(), name.c_str());
    if (dom == nullptr) {
        throw_last_error("cannot find domain " + dq(name), m_ptr.get());
    }
    return Domain(dom);
}

Domain Connection::define(const std::string& xml, bool validate, const std::string& name) const {
    unsigned int flags = validate ? static_cast<unsigned int>(VIR_DOMAIN_DEFINE_VALIDATE) : 0U;
    virDomainPtr dom = virDomainDefineXMLFlags(m_ptr.get(), xml.c_str(), flags);
    if (dom == nullptr) {
        throw_last_error(name.empty() ? std::string("cannot define domain")
                                      : "cannot define domain " + dq(name),
                         m_ptr.get());
    }
    return Domain(dom);
}

Domain Connection::create_transient(const std::string& xml) const {
    virDomainPtr dom = virDomainCreateXML(m_ptr.get(), xml.c_str(), 0);
    if (dom == nullptr) {
        throw_last_error("cannot create transient domain", m_ptr.get());
    }
    return Domain(dom);
}

std::string Connection::capabilities() const {
    char* raw = virConnectGetCapabilities(m_ptr.get());
    if (raw == nullptr) {
        throw_last_error("cannot read host capabilities of " + dq(m_uri), m_ptr.get());
    }
    return take_string(raw);
}

std::optional<std::vector<std::string>> Connection::cpu_model_names(const std::string& arch) const {
    char** models = nullptr;
    int count = virConnectGetCPUModelNames(m_ptr.get(), arch.c_str(), &models, 0);
    if (count < 0) {
        if (classify(virGetLastError(), m_ptr.get()) == LibvirtFailure::connection_lost) {
            throw_last_error("cannot list CPU models of " + dq(m_uri), m_ptr.get());
        }
        // An architecture without a CPU driver, a driver without the call: not known.
        virResetLastError();
        return std::nullopt;
    }
    std::vector<std::string> names;
    names.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        // NOLINTNEXTLINE(cppcoreguidelines-pro-bounds-pointer-arithmetic)
        names.push_back(take_string(models[i]));
    }
    std::free(models); // NOLINT(cppcoreguidelines-no-malloc): libvirt allocated it
    return names;
}

std::optional<std::string> Connection::domain_capabilities(const CapsKey& key) const {
    char* raw =
        virConnectGetDomainCapabilities(m_ptr.get(), or_null(key.emulator), or_null(key.arch),
                                        or_null(key.machine), or_null(key.virt_type), 0);
    if (raw == nullptr) {
        if (is_unsupported()) {
            return std::nullopt;
        }
        throw_last_error("cannot read domain capabilities of " + dq(m_uri), m_ptr.get());
    }
    return take_string(raw);
}

std::optional<std::string> Connection::baseline_hypervisor_cpu(const CapsKey& key,
                                                               const std::string& cpu_xml,
                                                               bool expand_features) const {
    return baseline_hypervisor_cpu(key, std::vector<std::string>{cpu_xml}, expand_features);
}

std::optional<std::string>
Connection::baseline_hypervisor_cpu(const CapsKey& key, const std::vector<std::string>& cpu_xmls,
                                    bool expand_features, bool migratable) const {
    std::vector<const char*> cpus;
    cpus.reserve(cpu_xmls.size());
    for (const std::string& xml : cpu_xmls) {
        cpus.push_back(xml.c_str());
    }
    unsigned int flags =
        expand_features ? static_cast<unsigned int>(VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES) : 0U;
    if (migratable) {
        flags |= static_cast<unsigned int>(VIR_CONNECT_BASELINE_CPU_MIGRATABLE);
    }
    char* raw = virConnectBaselineHypervisorCPU(
        m_ptr.get(), or_null(key.emulator), or_null(key.arch), or_null(key.machine),
        or_null(key.virt_type), cpus.data(), static_cast<unsigned int>(cpus.size()), flags);
    if (raw == nullptr) {
        if (is_unsupported()) {
            return std::nullopt;
        }
        throw_last_error("cannot compute baseline CPU on " + dq(m_uri), m_ptr.get());
    }
    return take_string(raw);
}

std::optional<CpuCompat> Connection::compare_hypervisor_cpu(const CapsKey& key,
                                                            const std::string& cpu_xml) const {
    int rc = virConnectCompareHypervisorCPU(m_ptr.get(), or_null(key.emulator), or_null(key.arch),
                                            or_null(key.machine), or_null(key.virt_type),
                                            cpu_xml.c_str(), 0);
    switch (rc) {
    case VIR_CPU_COMPARE_INCOMPATIBLE: return CpuCompat::incompatible;
    case VIR_CPU_COMPARE_IDENTICAL: return CpuCompat::identical;
    case VIR_CPU_COMPARE_SUPERSET: return CpuCompat::superset;
    default: break;
    }
    if (is_unsupported()) {
        return std::nullopt;
    }
    throw_last_error("cannot compare CPU on " + dq(m_uri), m_ptr.get());
}

// ---- DefinitionWatch ----

struct DefinitionWatch::Tally {
    mutable std::mutex mutex;
    mutable std::condition_variable arrived;
    std::map<std::string, DefinitionEvents> events;
};

namespace {

// Add one to the count `member` selects of `dom`'s events in the tally `opaque` points to.
void count_event(virDomainPtr dom, void* opaque, int DefinitionEvents::*member) {
    std::array<char, VIR_UUID_STRING_BUFLEN> buf{};
    if (virDomainGetUUIDString(dom, buf.data()) < 0) {
        return;
    }
    auto& tally = **static_cast<std::shared_ptr<DefinitionWatch::Tally>*>(opaque);
    {
        const std::lock_guard<std::mutex> hold(tally.mutex);
        ++(tally.events[buf.data()].*member);
    }
    tally.arrived.notify_all();
}

int on_lifecycle(virConnectPtr /*conn*/, virDomainPtr dom, int event, int /*detail*/,
                 void* opaque) {
    if (event == VIR_DOMAIN_EVENT_DEFINED) {
        count_event(dom, opaque, &DefinitionEvents::defined);
    } else if (event == VIR_DOMAIN_EVENT_UNDEFINED) {
        count_event(dom, opaque, &DefinitionEvents::undefined);
    }
    return 0;
}

int on_metadata_change(virConnectPtr /*conn*/, virDomainPtr dom, int /*type*/,
                       const char* /*nsuri*/, void* opaque) {
    count_event(dom, opaque, &DefinitionEvents::metadata);
    return 0;
}

void free_tally(void* opaque) {
    delete static_cast<std::shared_ptr<DefinitionWatch::Tally>*>(opaque);
}

} // namespace

DefinitionWatch::DefinitionWatch(_virConnect* conn, int lifecycle, int metadata,
                                 std::shared_ptr<Tally> tally)
    : m_conn(conn), m_lifecycle(lifecycle), m_metadata(metadata), m_tally(std::move(tally)) {}

DefinitionWatch::~DefinitionWatch() {
    if (m_metadata >= 0) {
        virConnectDomainEventDeregisterAny(m_conn, m_metadata);
    }
    virConnectDomainEventDeregisterAny(m_conn, m_lifecycle);
}

DefinitionEvents DefinitionWatch::events_of(const std::string& uuid) const {
    const std::lock_guard<std::mutex> hold(m_tally->mutex);
    auto found = m_tally->events.find(uuid);
    return found == m_tally->events.end() ? DefinitionEvents{} : found->second;
}

bool DefinitionWatch::wait_defined(const std::string& uuid, int defined,
                                   std::chrono::steady_clock::time_point deadline) const {
    std::unique_lock<std::mutex> hold(m_tally->mutex);
    return m_tally->arrived.wait_until(hold, deadline, [&] {
        auto found = m_tally->events.find(uuid);
        return found != m_tally->events.end() && found->second.defined >= defined;
    });
}

namespace {

// Register `callback` for events `id` of `conn`, counting into `tally`; libvirt owns its copy
// of the tally until it calls free_tally, after deregistration. Returns the callback id, or
// -1 (with libvirt's error cleared) when the driver offers no such events.
int register_tally_callback(virConnectPtr conn, int id,
                            virConnectDomainEventGenericCallback callback,
                            const std::shared_ptr<DefinitionWatch::Tally>& tally) {
    auto* opaque = new std::shared_ptr<DefinitionWatch::Tally>(tally);
    const int registered =
        virConnectDomainEventRegisterAny(conn, nullptr, id, callback, opaque, free_tally);
    if (registered < 0) {
        delete opaque;
        virResetLastError();
    }
    return registered;
}

} // namespace

std::unique_ptr<DefinitionWatch> Connection::watch_definitions() const {
    auto tally = std::make_shared<DefinitionWatch::Tally>();
    const int lifecycle = register_tally_callback(m_ptr.get(), VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                  VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), tally);
    if (lifecycle < 0) {
        return nullptr;
    }
    // Metadata events are a bonus: a driver without them still reports definitions.
    const int metadata =
        register_tally_callback(m_ptr.get(), VIR_DOMAIN_EVENT_ID_METADATA_CHANGE,
                                VIR_DOMAIN_EVENT_CALLBACK(on_metadata_change), tally);
    return std::unique_ptr<DefinitionWatch>(
        new DefinitionWatch(m_ptr.get(), lifecycle, metadata, tally));
}

} // namespace virtnest
