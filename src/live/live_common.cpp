// SPDX-License-Identifier: GPL-2.0-or-later
#include "live/live_common.hpp"

#include "virtnest/libvirt/domain_caps.hpp"
#include "virtnest/live/backup_store.hpp"

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
    if (!m_saved) {
        std::vector<std::string> uuids = m_conn.uuids_with_managed_save();
        m_saved.emplace(uuids.begin(), uuids.end());
    }
    return m_saved->count(uuid) > 0;
}

bool DomainMarks::has_snapshots(const std::string& uuid) {
    if (!m_snapshots) {
        std::vector<std::string> uuids = m_conn.uuids_with_snapshots();
        m_snapshots.emplace(uuids.begin(), uuids.end());
    }
    return m_snapshots->count(uuid) > 0;
}

bool still_as_read(const Domain& dom, const std::string& read, const std::filesystem::path& backup,
                   RunObserver& observer) {
    observer.before_define(dom);
    if (dom.xml(XmlView::inactive_secure) == read) {
        return true;
    }
    std::error_code ec;
    std::filesystem::remove(backup, ec);
    return false;
}

void stop_if_requested(RunObserver& observer, std::string& lost) {
    if (lost.empty()) {
        lost = observer.stop_requested();
    }
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
    host.text = render_outcomes_text(outcomes, style);
    if (!lost.empty()) {
        host.text += "virt-nest: error: stopped: " + lost + "\n";
    }
    for (const DomainOutcome& outcome : outcomes) {
        host.records.push_back(outcome_json(outcome, style));
    }
    host.summary = summary_json(outcomes, style);
    if (!lost.empty()) {
        host.summary["error"] = lost;
        host.summary["exit_code"] = to_int(host.exit_code);
    }
    return host;
}

} // namespace virtnest
