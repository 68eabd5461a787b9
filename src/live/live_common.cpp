// SPDX-License-Identifier: GPL-2.0-or-later
#include "live/live_common.hpp"

#include "virtnest/libvirt/domain_caps.hpp"
#include "virtnest/live/backup_store.hpp"
#include "virtnest/live/define_conflict.hpp"

namespace virtnest {

std::vector<std::size_t> select_listed(const std::vector<ListedDomain>& listed,
                                       const Selection& selection) {
    std::vector<DomainBrief> briefs;
    briefs.reserve(listed.size());
    for (const ListedDomain& item : listed) {
        briefs.push_back({item.domain.name(), item.state});
    }
    return select_domains(briefs, selection);
}

bool DomainMarks::has_managed_save(const std::string& uuid) {
    const std::lock_guard<std::mutex> hold(m_mutex);
    if (!m_saved) {
        std::vector<std::string> uuids = m_conn.uuids_with_managed_save();
        m_saved.emplace(uuids.begin(), uuids.end());
    }
    return m_saved->count(uuid) > 0;
}

bool DomainMarks::has_snapshots(const std::string& uuid) {
    const std::lock_guard<std::mutex> hold(m_mutex);
    if (!m_snapshots) {
        std::vector<std::string> uuids = m_conn.uuids_with_snapshots();
        m_snapshots.emplace(uuids.begin(), uuids.end());
    }
    return m_snapshots->count(uuid) > 0;
}

std::string RunGate::stop_reason() {
    const std::lock_guard<std::mutex> hold(m_mutex);
    if (m_stopped.empty()) {
        m_stopped = m_observer.stop_requested();
    }
    return m_stopped;
}

std::string RunGate::admit_define(const Domain& dom) {
    const std::lock_guard<std::mutex> hold(m_mutex);
    if (m_stopped.empty()) {
        m_stopped = m_observer.stop_requested();
    }
    if (m_stopped.empty()) {
        m_observer.before_define(dom);
    }
    return m_stopped;
}

void RunGate::stop(const std::string& why) {
    const std::lock_guard<std::mutex> hold(m_mutex);
    if (m_stopped.empty()) {
        m_stopped = why;
    }
}

std::string RunGate::stopped() {
    const std::lock_guard<std::mutex> hold(m_mutex);
    return m_stopped;
}

void RunGate::done(std::size_t index, std::size_t total, const DomainOutcome& outcome) {
    const std::lock_guard<std::mutex> hold(m_mutex);
    m_observer.on_domain_done(index, total, outcome);
}

namespace {

// Return what a read of the domain finds now: virt-nest's definition, another, or none.
StoredNow stored_now(const Domain& dom, const std::string& defined_xml) {
    try {
        return dom.xml(XmlView::inactive_secure) == defined_xml ? StoredNow::own : StoredNow::other;
    } catch (const LibvirtError& e) {
        return e.failure() == LibvirtFailure::no_domain ? StoredNow::none : StoredNow::other;
    }
}

} // namespace

std::optional<std::string> outside_write(const DefinitionWatch& watch, const Domain& dom,
                                         const std::string& uuid, const DefinitionEvents& before,
                                         const DefinitionEvents& at_define,
                                         const std::string& defined_xml, const std::string& backup,
                                         std::chrono::steady_clock::time_point deadline,
                                         std::chrono::steady_clock::time_point settle_until,
                                         std::vector<std::string>& warnings) {
    // virt-nest's own DEFINED event comes after every event delivered before its define.
    const int own = std::max(before.defined, at_define.defined) + 1;
    if (!watch.wait_defined(uuid, own, deadline)) {
        warnings.emplace_back("libvirt sent no lifecycle event for the define, so a write by "
                              "another client right before it cannot be ruled out");
        return std::nullopt;
    }
    // The event seen may be an outside write's that was still on its way: listen a little
    // longer for the one after it.
    watch.wait_defined(uuid, own + 1, std::min(deadline, settle_until));
    const DefinitionEvents after = watch.events_of(uuid);
    if (!outside_write_conflict(before, after, StoredNow::own, backup)) {
        return std::nullopt;
    }
    return outside_write_conflict(before, after, stored_now(dom, defined_xml), backup);
}

bool still_as_read(const Domain& dom, const std::string& read,
                   const std::filesystem::path& backup) {
    if (dom.xml(XmlView::inactive_secure) == read) {
        return true;
    }
    std::error_code ec;
    std::filesystem::remove(backup, ec);
    return false;
}

std::optional<HostLock> lock_host(const Connection& conn, const ChangeOptions& options) {
    if (options.dry_run) {
        return std::nullopt;
    }
    std::string identity = host_uuid_from_capabilities(conn.capabilities());
    if (identity.empty()) {
        identity = conn.uri();
    }
    const std::filesystem::path dir =
        options.lock_dir.empty() ? default_lock_dir(backup_dir_or_default(options.backup_dir))
                                 : options.lock_dir;
    return std::optional<HostLock>(std::in_place, dir, identity, options.wait);
}

BackupStore backup_store_for(const Connection& conn, const std::filesystem::path& backup_dir) {
    return {backup_dir_or_default(backup_dir), conn.uri(),
            host_uuid_from_capabilities(conn.capabilities())};
}

DomainOutcome outcome_for(const ListedDomain& item) {
    DomainOutcome outcome;
    outcome.name = item.domain.name();
    outcome.uuid = item.domain.uuid();
    outcome.state = std::string(to_string(item.state));
    outcome.action = Action::skipped;
    return outcome;
}

DomainOutcome not_attempted(const ListedDomain& item, const std::string& lost) {
    DomainOutcome skipped = outcome_for(item);
    skipped.reason = "not attempted: " + lost;
    return skipped;
}

RunOutcome finish_run(const std::vector<DomainOutcome>& outcomes, const ReportStyle& style,
                      const std::string& lost) {
    RunOutcome host;
    host.exit_code = lost.empty() ? outcome_exit_code(outcomes) : ExitCode::error;
    host.summary_text = summary_line(outcomes, style) + "\n";
    if (!lost.empty()) {
        host.summary_text += "virt-nest: error: stopped: " + lost + "\n";
    }
    std::string blocks;
    for (const DomainOutcome& outcome : outcomes) {
        blocks += render_outcome_text(outcome, style);
    }
    host.text = blocks + host.summary_text;
    for (const DomainOutcome& outcome : outcomes) {
        host.records.push_back(outcome_json(outcome, style));
    }
    host.summary = summary_json(outcomes, style);
    // Why this host's run stopped early (a lost connection, a signal); null: it did not.
    host.summary["stopped"] = lost.empty() ? nlohmann::json() : nlohmann::json(lost);
    return host;
}

} // namespace virtnest
