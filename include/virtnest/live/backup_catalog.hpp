// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Every backup of a backup store, for `virt-nest backups`: listing (newest first, filtered
// by domain), the pruning decision (`--prune --keep N`) and their text and JSON forms. Only
// scan_backups and remove_backups touch the disk; the rest is pure.

#include "virtnest/live/backup_store.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace virtnest {

// One backup file of the store, with what its place and name say about it.
struct BackupRecord {
    std::string connection; // the connection key (a directory of the store)
    std::string uuid;       // the domain's UUID (its directory)
    std::string domain;     // the name in the file name, as stored
    std::string stamp;      // UTC, e.g. 20261121T203000.123456Z
    BackupKind kind = BackupKind::enable;
    std::filesystem::path path;
    std::uintmax_t size = 0; // bytes
};

// Return every backup under `root` (the --backup-dir), only of the connection keys given
// (all when empty), newest first. Directories and files that are symlinks are skipped.
// Throws Error, as revert does, when the root or a directory below it is not owned by this
// user or root, or is writable by group or others.
std::vector<BackupRecord> scan_backups(const std::filesystem::path& root,
                                       const std::vector<std::string>& connection_keys);

// Return the records of the domains `patterns` name (a domain name as stored, a shell glob,
// or a UUID); all of them when `patterns` is empty. Throws Error naming a pattern that
// matches no backup, with a "did you mean".
std::vector<BackupRecord> filter_backups(const std::vector<BackupRecord>& records,
                                         const std::vector<std::string>& patterns);

// Return the records `--prune --keep keep` removes: per domain (connection and UUID), all but
// the `keep` newest, and never the newest enable/disable backup (the one revert restores).
// Newest first. Throws a usage Error when `keep` is 0.
std::vector<BackupRecord> prune_plan(const std::vector<BackupRecord>& records, unsigned keep);

// Remove the files of `doomed`; return the ones that could not be removed, with the reason
// appended to their path in the returned messages.
std::vector<std::string> remove_backups(const std::vector<BackupRecord>& doomed);

// Return a stamp as readable UTC time: "2026-11-21 20:30:00Z"; the stamp as is when it is
// not one.
std::string backup_time_text(const std::string& stamp);

// Return a stamp in ISO 8601: "2026-11-21T20:30:00.123456Z"; the stamp as is when it is not
// one.
std::string backup_time_iso(const std::string& stamp);

// Return the `backups` table: DOMAIN, UUID, TIME, KIND, SIZE, PATH, newest first.
std::string render_backups_table(const std::vector<BackupRecord>& records);

// Return one `backups --json` object: domain, uuid, connection, time, kind, path, size.
nlohmann::json backup_json(const BackupRecord& record);

} // namespace virtnest
