#pragma once

// The cores of `list`, `enable`/`disable` and `revert` on one open connection. The
// subcommands hand them to run_on_hosts; tests call them with one test-driver connection
// kept open across steps.

#include "virtnest/fleet/run_outcome.hpp"
#include "virtnest/libvirt/connection.hpp"
#include "virtnest/live/domain_selector.hpp"
#include "virtnest/live/nest_planner.hpp"
#include "virtnest/rewrite/cpu_rewrite.hpp"

#include <filesystem>
#include <functional>
#include <optional>

namespace virtnest {

// Options of `list`.
struct ListOptions {
    Selection selection; // no names and no --state: every domain
};

// Options of `enable` and `disable`.
struct EnableOptions {
    Selection selection;
    NestOptions nest;
    bool dry_run = false;
    bool diff = false;
    bool validate = true;             // VIR_DOMAIN_DEFINE_VALIDATE unless --no-validate
    std::filesystem::path backup_dir; // empty: default_backup_dir()
    // Called after the backup and before the concurrency re-read of each domain; lets a
    // test (or an embedding caller) edit the domain in that window. Usually empty.
    std::function<void(const Domain&)> before_recheck;
};

// Options of `revert`.
struct RevertOptions {
    Selection selection;
    std::optional<std::filesystem::path> backup_file; // --backup FILE (one domain only)
    bool dry_run = false;
    bool diff = false;
    bool validate = true;
    bool force = false;
    std::filesystem::path backup_dir;
    std::function<void(const Domain&)> before_recheck; // as in EnableOptions
};

// Return the `list` rows of the selected domains on `conn` (text table or JSON records).
RunOutcome list_on(const Connection& conn, const ListOptions& options);

// Make the selected domains nest-capable (or not) and report each: batches are read,
// planned and backed up, their backups synced, then each is re-checked and defined.
// Throws Error for a selector that matches nothing; per-domain problems are outcomes.
RunOutcome enable_on(const Connection& conn, const EnableOptions& options);

// Restore the selected domains from their latest backup (or the named one).
RunOutcome revert_on(const Connection& conn, const RevertOptions& options);

} // namespace virtnest
