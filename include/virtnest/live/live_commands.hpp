// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The cores of `list`, `enable`/`disable` and `revert` on one open connection. The
// subcommands hand them to run_on_hosts; tests call them with one test-driver connection
// kept open across steps.

#include "virtnest/fleet/run_outcome.hpp"
#include "virtnest/libvirt/connection.hpp"
#include "virtnest/live/backup_store.hpp"
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
    bool colour = false; // colour the table (never the JSON)
    // Every host of the run when there are several: each custom CPU is compared on the
    // others (virConnectCompareHypervisorCPU) to say where the domain would not migrate.
    std::vector<std::string> peer_uris;
    // This POWER host's kvm_hv `nested` value, read from its files by the command when the
    // URI names this machine; nullopt when unknown (a remote host, another platform). ppc64
    // KVM rows rest on it: libvirt does not show whether KVM-HV offers nesting.
    std::optional<bool> host_kvm_hv_nested;
};

// Options of `verify`.
struct VerifyOptions {
    Selection selection;  // no names: every running domain
    bool monitor = false; // --monitor: ask QEMU's monitor when the live XML cannot tell
    bool agent = true;    // ask the guest agent of a domain that has one (--no-agent: not)
};

// What enable, disable and revert share.
struct ChangeOptions {
    Selection selection;
    bool dry_run = false;
    bool diff = false;
    bool validate = true;             // VIR_DOMAIN_DEFINE_VALIDATE unless --no-validate
    bool quiet = false;               // -q: the text shows only skipped and failed domains
    std::filesystem::path backup_dir; // empty: default_backup_dir()
    // How long a real run waits for another run on the same host to finish (--wait).
    std::chrono::milliseconds wait{std::chrono::seconds(10)};
    std::filesystem::path lock_dir; // empty: default_lock_dir()
    std::string uri;     // the URI -c named, carried by remedies; empty when none was given
    bool colour = false; // colour the text report (never the JSON)
};

// Options of `enable` and `disable`.
struct EnableOptions : ChangeOptions {
    NestOptions nest;
};

// Options of `revert`.
struct RevertOptions : ChangeOptions {
    std::optional<std::filesystem::path> backup_file; // --backup FILE (one domain only)
    bool force = false;
    // --whole: define the entire backup. Default: only what enable/disable change (the
    // <cpu> element and the Hyper-V nesting enlightenments) is put back onto the current
    // definition, so edits made since the backup survive (rewrite/nest_restore).
    bool whole = false;
};

// Return the backup store of the host behind `conn` (keyed by its host UUID, reading the
// URI-keyed store of earlier versions too) under `backup_dir` (empty: the default).
BackupStore backup_store_for(const Connection& conn, const std::filesystem::path& backup_dir);

// Return the `list` rows of the selected domains on `conn` (text table or JSON records).
RunOutcome list_on(const Connection& conn, const ListOptions& options);

// Return, for each selected domain, whether the vCPU it runs on right now carries vmx/svm
// (and ept/npt), from the live XML, then (with `monitor`) QEMU's monitor, which taints the
// domain; each answer names its source; exit 0 when every one
// does, 4 when one does not, 3 when one is unknown or not running (and none does not).
RunOutcome verify_on(const Connection& conn, const VerifyOptions& options);

// Make the selected domains nest-capable (or not) and report each: batches are read,
// planned and backed up, their backups synced, then each is re-checked and defined. A real
// run (not a dry run) holds the host's HostLock throughout, as revert_on does.
// Throws Error for a selector that matches nothing; per-domain problems are outcomes.
// `observer` watches the run.
RunOutcome enable_on(const Connection& conn, const EnableOptions& options,
                     RunObserver& observer = no_observer());

// Restore the selected domains from their latest backup (or the named one): the nesting
// parts onto the current definition, or with `whole` the entire backup.
RunOutcome revert_on(const Connection& conn, const RevertOptions& options,
                     RunObserver& observer = no_observer());

} // namespace virtnest
