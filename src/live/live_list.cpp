// SPDX-License-Identifier: GPL-2.0-or-later
// list on one connection: one row per selected domain with its nesting facts.
#include "live/live_common.hpp"
#include "virtnest/live/live_commands.hpp"

#include "virtnest/live/cpu_inspect.hpp"
#include "virtnest/live/hugepage_conflict.hpp"
#include "virtnest/live/nest_planner.hpp"
#include "virtnest/live/nest_target_cache.hpp"
#include "virtnest/live/power_nesting.hpp"
#include "virtnest/live/running_cpu.hpp"

namespace virtnest {
namespace {

// Another host of the run, to compare CPUs on.
struct Peer {
    std::string uri;
    Connection conn;
};

// Open every peer but this host; one that cannot be reached is left out (its own run in
// the fleet reports it).
std::vector<Peer> open_peers(const std::vector<std::string>& uris, const Connection& self) {
    std::vector<Peer> peers;
    for (const std::string& uri : uris) {
        if (uri == self.uri()) {
            continue;
        }
        try {
            // libvirt refuses CPU comparison on a read-only connection.
            peers.push_back(Peer{uri, Connection::open(uri)});
        } catch (const LibvirtError&) {
            continue;
        }
    }
    return peers;
}

// Note the peers whose hypervisor finds the domain's custom CPU incompatible: it would not
// start there, so it would not migrate there. The running CPU is what migrates.
void note_migration(const std::vector<Peer>& peers, const CpuFacts& facts,
                    const std::string& cpu_xml, ListRow& row) {
    if (peers.empty()) {
        return;
    }
    if (facts.mode == CpuMode::host_passthrough || facts.mode == CpuMode::maximum) {
        row.notes.push_back(std::string(to_string(facts.mode)) +
                            ": migrates only to hosts with an identical CPU");
        return;
    }
    if (cpu_xml.empty()) {
        return;
    }
    for (const Peer& peer : peers) {
        std::optional<CpuCompat> compat;
        try {
            compat = peer.conn.compare_hypervisor_cpu(facts.caps_key, cpu_xml);
        } catch (const LibvirtError& e) {
            row.notes.push_back("not compared on " + peer.uri + ": " + e.what());
            continue;
        }
        if (compat == CpuCompat::incompatible) {
            row.not_migratable_to.push_back(peer.uri);
            row.notes.push_back("would not migrate to " + peer.uri +
                                " (libvirt finds its CPU incompatible there)");
        }
    }
}

ListRow list_one(NestTargetCache& targets, DomainMarks& marks, const ListedDomain& item,
                 const std::vector<Peer>& peers, std::optional<bool> host_kvm_hv_nested) {
    const Domain& dom = item.domain;
    ListRow row;
    row.name = dom.name();
    row.state = std::string(to_string(item.state));
    row.persistent = item.persistent;

    const std::string inactive_xml = dom.xml(XmlView::inactive);
    const CpuFacts facts = inspect_cpu(inactive_xml);
    std::string migrating_xml = inactive_xml;
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
        // Unknown vendor: passthrough hands over whatever the host has; ppc64 nests by
        // <nested-hv>, in any mode.
        const bool host_cpu =
            facts.mode == CpuMode::host_passthrough || facts.mode == CpuMode::maximum;
        row.nested =
            (host_cpu || facts.nested_hv == true) && host_offers && !arch_blocks_nesting(facts);
    }
    if (std::string_view setting = arch_nest_setting(facts); !setting.empty()) {
        row.feature = std::string(setting); // sief2 or nested-hv, not vmx/svm
    }
    // POWER: libvirt cannot tell whether KVM-HV offers nesting; this host's kvm_hv can.
    const std::optional<PowerNesting> power = power_nesting(facts, host_kvm_hv_nested);
    if (power) {
        row.nested = power->nested;
        if (power->note) {
            row.notes.push_back(*power->note);
        }
    }

    if (is_active(item.state)) {
        migrating_xml = dom.xml(XmlView::live);
        const CpuFacts live = inspect_cpu(migrating_xml);
        if (feature &&
            live_lacks_promise(row.nested, running_cpu_from_live_xml(migrating_xml, *feature))) {
            row.notes.push_back("restart pending: the running vCPU lacks " + row.feature +
                                " (live XML); power the guest off and start it");
        } else if (restart_pending(facts, live)) {
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
    if (hugepages_blocked(facts.caps_key.arch, uses_hugepages(inactive_xml),
                          target.verified && target.offers_nesting)) {
        row.notes.emplace_back(k_hugepage_note);
    }
    if (target.verified && !target.offers_nesting) {
        row.notes.emplace_back("host offers no nesting for this domain");
    }
    if (!target.verified && !power) {
        // With the reason: a read-only connection is verified by `list --read-write`.
        row.notes.push_back(target.note.empty() ? std::string(k_unverified_note) : target.note);
    }
    note_migration(peers, facts, comparable_cpu_xml(migrating_xml), row);
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
    const std::vector<Peer> peers = open_peers(options.peer_uris, conn);

    RunOutcome outcome;
    std::vector<ListRow> rows;
    for (std::size_t index : selected) {
        try {
            rows.push_back(
                list_one(targets, marks, listed[index], peers, options.host_kvm_hv_nested));
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
    outcome.text = render_list_table(rows, options.colour);
    outcome.summary = {{"listed", rows.size()}};
    return outcome;
}

} // namespace virtnest
