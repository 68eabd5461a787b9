// SPDX-License-Identifier: GPL-2.0-or-later
// list on one connection: one row per selected domain with its nesting facts.
#include "live/live_common.hpp"
#include "virtnest/live/live_commands.hpp"

#include "virtnest/live/cpu_inspect.hpp"
#include "virtnest/live/nest_planner.hpp"
#include "virtnest/live/nest_target_cache.hpp"

namespace virtnest {
namespace {

ListRow list_one(NestTargetCache& targets, DomainMarks& marks, const ListedDomain& item) {
    const Domain& dom = item.domain;
    ListRow row;
    row.name = dom.name();
    row.state = std::string(to_string(item.state));
    row.persistent = item.persistent;

    const CpuFacts facts = inspect_cpu(dom.xml(XmlView::inactive));
    row.cpu_mode = std::string(to_string(facts.mode));
    row.model = facts.mode == CpuMode::custom ? facts.model : std::string();

    const NestTarget& target = targets.get(facts.caps_key);
    DomainFacts domain_facts;
    domain_facts.cpu = facts;
    std::optional<NestFeature> feature = feature_in_play(domain_facts, target, NestOptions{});
    const bool host_offers = target.offers_nesting;
    if (feature) {
        row.feature = std::string(to_string(*feature));
        row.nested = passes_feature(facts, *feature, host_offers);
    } else {
        // Unknown vendor: passthrough hands over whatever the host has.
        row.nested = (facts.mode == CpuMode::host_passthrough || facts.mode == CpuMode::maximum) &&
                     host_offers && !sief2_blocked(facts);
    }

    if (is_active(item.state)) {
        const CpuFacts live = inspect_cpu(dom.xml(XmlView::live));
        if (restart_pending(facts, live)) {
            row.notes.emplace_back(
                "restart pending: the inactive CPU differs from the running one");
        }
    } else if (item.persistent && marks.has_managed_save(dom.uuid())) {
        row.notes.emplace_back("managed-save image present");
    }
    if (int snapshots = marks.has_snapshots(dom.uuid()) ? dom.snapshot_count() : 0; snapshots > 0) {
        row.notes.push_back(std::to_string(snapshots) +
                            (snapshots == 1 ? " snapshot" : " snapshots"));
    }
    if (target.verified && !target.offers_nesting) {
        row.notes.emplace_back("host offers no nesting for this domain");
    }
    if (!target.verified) {
        row.notes.emplace_back(k_unverified_note);
    }
    return row;
}

} // namespace

RunOutcome list_on(const Connection& conn, const ListOptions& options) {
    std::vector<ListedDomain> listed = conn.list_all_domains_with_state();
    Selection selection = options.selection;
    selection.empty_means_all = true;
    std::vector<std::size_t> selected = select_listed(listed, selection);
    NestTargetCache targets(conn);
    DomainMarks marks(conn);

    RunOutcome outcome;
    std::vector<ListRow> rows;
    for (std::size_t index : selected) {
        try {
            rows.push_back(list_one(targets, marks, listed[index]));
        } catch (const LibvirtError& e) {
            if (e.failure() != LibvirtFailure::no_domain) {
                throw;
            }
            // Undefined between the listing and the read: it is simply gone.
        }
    }
    for (const ListRow& row : rows) {
        outcome.records.push_back(list_row_json(row));
    }
    outcome.text = render_list_table(rows);
    outcome.summary = nullptr;
    return outcome;
}

} // namespace virtnest
