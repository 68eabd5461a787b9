// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The cores of `list`, `enable`/`disable` and `revert` on one open connection. The
// subcommands hand them to run_on_hosts; tests call them with one test-driver connection
// kept open across steps.

#include "virtnest/fleet/run_outcome.hpp"
#include "virtnest/libvirt/connection.hpp"
#include "virtnest/live/domain_selector.hpp"
#include "virtnest/live/nest_planner.hpp"
#include "virtnest/live/run_observer.hpp"
#include "virtnest/rewrite/cpu_rewrite.hpp"

#include <chrono>
#include <filesystem>
#include <optional>

namespace virtnest {

// Options of `list`.
struct ListOptions {
    Selection selection; // no names and no --state: every domain
};

// What enable, disable and revert share.
struct ChangeOptions {
    Selection selection;
    bool dry_run = false;
    bool diff = false;
    bool validate = true;             // VIR_DOMAIN_DEFINE_VALIDATE unless --no-validate
    std::filesystem::path backup_dir; // empty: default_backup_dir()
    // How long a real run waits for another run on the same host to finish (--wait).
    std::chrono::milliseconds wait{std::chrono::seconds(10)};
    std::filesystem::path lock_dir; // empty: default_lock_dir()
};

// Options of `enable` and `disable`.
struct EnableOptions : ChangeOptions {
    NestOptions nest;
};

// Options of `revert`.
struct RevertOptions : ChangeOptions {
    std::optional<std::filesystem::path> backup_file; // --backup FILE (one domain only)
    bool force = false;
};

// Return the `list` rows of the selected domains on `conn` (text table or JSON records).
RunOutcome list_on(const Connection& conn, const ListOptions& options);

// Make the selected domains nest-capable (or not) and report each: batches are read,
// planned and backed up, their backups synced, then each is re-checked and defined. A real
// run (not a dry run) holds the host's HostLock throughout, as revert_on does.
// Throws Error for a selector that matches nothing; per-domain problems are outcomes.
// `observer` watches the run.
RunOutcome enable_on(const Connection& conn, const EnableOptions& options,
                     RunObserver& observer = no_observer());

// Restore the selected domains from their latest backup (or the named one).
RunOutcome revert_on(const Connection& conn, const RevertOptions& options,
                     RunObserver& observer = no_observer());

} // namespace virtnest
