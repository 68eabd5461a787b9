// SPDX-License-Identifier: GPL-2.0-or-later
// `virt-nest backups [DOMAIN...] [--json] [--backup-dir DIR] [--prune --keep N [--dry-run]]`
#include "cli/commands.hpp"
#include "virtnest/fleet/fleet_report.hpp"
#include "virtnest/fleet/fleet_runner.hpp"
#include "virtnest/libvirt/connection.hpp"
#include "virtnest/live/backup_catalog.hpp"
#include "virtnest/util/error.hpp"

#include <CLI/CLI.hpp>

#include <memory>
#include <set>
#include <utility>

namespace virtnest {
namespace {

struct BackupsCliOptions {
    std::vector<std::string> patterns;
    bool json = false;
    std::string backup_dir;
    bool prune = false;
    unsigned keep = 0;
    bool dry_run = false;
};

// Return the backups of the hosts -c/--hosts name (every backup when they name none): those
// in a store keyed by one of their URIs (virt-nest 0.2), and those of a domain one of them
// defines, whatever host-<uuid> store holds them (a libvirtd without SMBIOS draws a new
// host UUID at every start, so the store's name alone cannot say which host it is).
std::vector<BackupRecord> of_chosen_hosts(std::vector<BackupRecord> records,
                                          const FleetOptions& global) {
    if (global.uris.empty() && global.hosts_file.empty()) {
        return records;
    }
    std::set<std::string> keys;
    std::set<std::string> uuids;
    for (const std::string& uri : resolve_uris(global)) {
        keys.insert(connection_key(uri));
        const Connection conn = Connection::open(uri, /*read_only=*/true);
        for (const Domain& domain : conn.list_all_domains()) {
            uuids.insert(domain.uuid());
        }
    }
    std::erase_if(records, [&](const BackupRecord& r) {
        return keys.count(r.connection) == 0 && uuids.count(r.uuid) == 0;
    });
    return records;
}

std::size_t domain_count(const std::vector<BackupRecord>& records) {
    std::set<std::pair<std::string, std::string>> domains;
    for (const BackupRecord& r : records) {
        domains.emplace(r.connection, r.uuid);
    }
    return domains.size();
}

void check_usage(const BackupsCliOptions& cli) {
    if (!cli.prune && (cli.keep != 0 || cli.dry_run)) {
        throw Error("--keep and --dry-run go with --prune", ExitCode::usage);
    }
    if (cli.prune && cli.keep == 0) {
        throw Error("--prune needs --keep N (N at least 1: the newest backup of a domain stays)",
                    ExitCode::usage);
    }
}

// Print the JSON envelope every command prints, with the listing or the pruning under `key`.
void print_envelope(const CommandContext& ctx, const char* key, nlohmann::json payload,
                    ExitCode code) {
    nlohmann::json doc = render_envelope("backups", {}, code);
    doc[key] = std::move(payload);
    *ctx.out << doc.dump(2) << '\n';
}

ExitCode run_prune(const BackupsCliOptions& cli, const std::vector<BackupRecord>& records,
                   const CommandContext& ctx) {
    const std::vector<BackupRecord> doomed = prune_plan(records, cli.keep);
    const std::vector<std::string> failures =
        cli.dry_run ? std::vector<std::string>{} : remove_backups(doomed);
    const std::size_t removed = doomed.size() - failures.size();
    if (cli.json) {
        nlohmann::json list = nlohmann::json::array();
        for (const BackupRecord& r : doomed) {
            list.push_back(backup_json(r));
        }
        print_envelope(ctx, "prune",
                       {{"dry_run", cli.dry_run},
                        {cli.dry_run ? "would_remove" : "removed", list},
                        {"kept", records.size() - doomed.size()},
                        {"failed", failures}},
                       failures.empty() ? ExitCode::ok : ExitCode::error);
    } else {
        for (const BackupRecord& r : doomed) {
            *ctx.out << (cli.dry_run ? "would remove: " : "removed: ") << r.path.string() << " ("
                     << r.domain << ", " << backup_time_text(r.stamp) << ", " << to_string(r.kind)
                     << ")\n";
        }
        *ctx.out << "summary: " << records.size() << " backups of " << domain_count(records)
                 << " domains: " << (cli.dry_run ? doomed.size() : removed)
                 << (cli.dry_run ? " would be removed, " : " removed, ")
                 << records.size() - doomed.size() << " kept"
                 << (cli.dry_run ? " (dry run: nothing was removed)" : "") << '\n';
    }
    for (const std::string& failure : failures) {
        *ctx.err << "virt-nest: error: " << failure << '\n';
    }
    return failures.empty() ? ExitCode::ok : ExitCode::error;
}

ExitCode run_backups(const BackupsCliOptions& cli, const CommandContext& ctx) {
    check_usage(cli);
    const std::vector<BackupRecord> records = filter_backups(
        of_chosen_hosts(scan_backups(backup_dir_or_default(cli.backup_dir), {}), ctx.global),
        cli.patterns);
    if (cli.prune) {
        return run_prune(cli, records, ctx);
    }
    if (cli.json) {
        nlohmann::json list = nlohmann::json::array();
        for (const BackupRecord& r : records) {
            list.push_back(backup_json(r));
        }
        print_envelope(ctx, "backups", std::move(list), ExitCode::ok);
    } else {
        *ctx.out << render_backups_table(records);
    }
    return ExitCode::ok;
}

} // namespace

void setup_backups(CLI::App& app, CommandContext& ctx) {
    auto cli = std::make_shared<BackupsCliOptions>();
    auto* sub = app.add_subcommand(
        "backups", "list the backups taken before each change (newest first), or prune them");
    sub->add_option("domain", cli->patterns,
                    "domain names, shell globs or UUIDs (default: every domain); with -c, only "
                    "that connection's backups")
        ->type_name("DOMAIN");
    sub->add_flag("--json", cli->json,
                  "print the JSON envelope, with the backups (or what --prune removed) in it");
    sub->add_option("--backup-dir", cli->backup_dir, "where backups are (default as for enable)")
        ->type_name("DIR");
    sub->add_flag("--prune", cli->prune,
                  "remove all but the newest --keep N backups of each domain (never the newest, "
                  "nor the one revert would restore)");
    sub->add_option("--keep", cli->keep, "with --prune: backups kept per domain")->type_name("N");
    sub->add_flag("--dry-run", cli->dry_run, "with --prune: remove nothing; say what would go");
    sub->callback([cli, &ctx] { ctx.exit_code = run_backups(*cli, ctx); });
}

} // namespace virtnest
