// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/live/backup_catalog.hpp"

#include "virtnest/util/error.hpp"
#include "virtnest/util/name_suggest.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <fnmatch.h>
#include <map>
#include <set>
#include <sstream>
#include <utility>

namespace virtnest {
namespace {

namespace fs = std::filesystem;

// Return the subdirectories of `dir` that are not symlinks, sorted.
std::vector<fs::path> real_subdirs(const fs::path& dir) {
    std::vector<fs::path> dirs;
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) {
        return dirs;
    }
    for (const fs::directory_entry& entry : it) {
        if (!entry.is_symlink(ec) && entry.is_directory(ec)) {
            dirs.push_back(entry.path());
        }
    }
    std::sort(dirs.begin(), dirs.end());
    return dirs;
}

// Append the backups of one domain directory (<root>/<connection>/<uuid>) to `out`.
void scan_domain_dir(const fs::path& dir, std::vector<BackupRecord>& out) {
    require_trusted_backup_dir(dir);
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) {
        return;
    }
    for (const fs::directory_entry& file : it) {
        // Only regular files: a symlink, FIFO or device planted here is not a backup.
        if (file.is_symlink(ec) || !file.is_regular_file(ec)) {
            continue;
        }
        auto name = parse_backup_name(file.path().filename().string());
        if (!name) {
            continue;
        }
        BackupRecord record;
        record.connection = dir.parent_path().filename().string();
        record.uuid = dir.filename().string();
        record.domain = name->domain;
        record.stamp = name->stamp;
        record.kind = name->kind;
        record.path = file.path();
        record.size = file.file_size(ec);
        out.push_back(std::move(record));
    }
}

bool newer(const BackupRecord& a, const BackupRecord& b) {
    if (a.stamp != b.stamp) {
        return a.stamp > b.stamp;
    }
    return a.path > b.path;
}

bool matches(const BackupRecord& record, const std::string& pattern) {
    return record.uuid == pattern || record.domain == pattern ||
           ::fnmatch(pattern.c_str(), record.domain.c_str(), 0) == 0;
}

} // namespace

std::vector<BackupRecord> scan_backups(const fs::path& root,
                                       const std::vector<std::string>& connection_keys) {
    require_trusted_backup_dir(root);
    std::vector<BackupRecord> records;
    for (const fs::path& connection : real_subdirs(root)) {
        const std::string key = connection.filename().string();
        if (!connection_keys.empty() && std::find(connection_keys.begin(), connection_keys.end(),
                                                  key) == connection_keys.end()) {
            continue;
        }
        require_trusted_backup_dir(connection);
        for (const fs::path& domain : real_subdirs(connection)) {
            scan_domain_dir(domain, records);
        }
    }
    std::sort(records.begin(), records.end(), newer);
    return records;
}

std::vector<BackupRecord> filter_backups(const std::vector<BackupRecord>& records,
                                         const std::vector<std::string>& patterns) {
    if (patterns.empty()) {
        return records;
    }
    for (const std::string& pattern : patterns) {
        if (std::none_of(records.begin(), records.end(),
                         [&](const BackupRecord& r) { return matches(r, pattern); })) {
            std::set<std::string> names;
            for (const BackupRecord& r : records) {
                names.insert(r.domain);
            }
            std::vector<std::string_view> candidates(names.begin(), names.end());
            throw Error("no backups of domain \"" + pattern + "\"" +
                        did_you_mean(pattern, candidates));
        }
    }
    std::vector<BackupRecord> kept;
    std::copy_if(records.begin(), records.end(), std::back_inserter(kept),
                 [&](const BackupRecord& r) {
                     return std::any_of(patterns.begin(), patterns.end(),
                                        [&](const std::string& p) { return matches(r, p); });
                 });
    return kept;
}

std::vector<BackupRecord> prune_plan(const std::vector<BackupRecord>& records, unsigned keep) {
    if (keep == 0) {
        throw Error("--keep must be at least 1: the newest backup of a domain is never removed",
                    ExitCode::usage);
    }
    std::vector<BackupRecord> sorted = records;
    std::sort(sorted.begin(), sorted.end(), newer);
    // Per domain: how many were kept, and whether the one revert restores is among them.
    std::map<std::pair<std::string, std::string>, std::pair<unsigned, bool>> seen;
    std::vector<BackupRecord> doomed;
    for (const BackupRecord& record : sorted) {
        auto& [kept, restorable_kept] = seen[{record.connection, record.uuid}];
        const bool restorable = record.kind != BackupKind::revert;
        if (kept < keep || (restorable && !restorable_kept)) {
            ++kept;
            restorable_kept = restorable_kept || restorable;
            continue;
        }
        doomed.push_back(record);
    }
    return doomed;
}

std::vector<std::string> remove_backups(const std::vector<BackupRecord>& doomed) {
    std::vector<std::string> failures;
    for (const BackupRecord& record : doomed) {
        std::error_code ec;
        if (!fs::remove(record.path, ec) && ec) {
            failures.push_back("cannot remove backup \"" + record.path.string() +
                               "\": " + ec.message());
        }
    }
    return failures;
}

std::string backup_time_text(const std::string& stamp) {
    // 20261121T203000.123456Z
    if (stamp.size() < 16 || stamp[8] != 'T') {
        return stamp;
    }
    return stamp.substr(0, 4) + "-" + stamp.substr(4, 2) + "-" + stamp.substr(6, 2) + " " +
           stamp.substr(9, 2) + ":" + stamp.substr(11, 2) + ":" + stamp.substr(13, 2) + "Z";
}

std::string backup_time_iso(const std::string& stamp) {
    // 20261121T203000.123456Z -> 2026-11-21T20:30:00.123456Z
    if (stamp.size() < 16 || stamp[8] != 'T') {
        return stamp;
    }
    return stamp.substr(0, 4) + "-" + stamp.substr(4, 2) + "-" + stamp.substr(6, 2) + "T" +
           stamp.substr(9, 2) + ":" + stamp.substr(11, 2) + ":" + stamp.substr(13);
}

std::string render_backups_table(const std::vector<BackupRecord>& records) {
    using Row = std::array<std::string, 6>;
    std::vector<Row> cells{{"DOMAIN", "UUID", "TIME", "KIND", "SIZE", "PATH"}};
    for (const BackupRecord& r : records) {
        cells.push_back({r.domain, r.uuid, backup_time_text(r.stamp),
                         std::string(to_string(r.kind)), std::to_string(r.size), r.path.string()});
    }
    std::array<std::size_t, 6> width{};
    for (const Row& row : cells) {
        for (std::size_t i = 0; i < row.size(); ++i) {
            width[i] = std::max(width[i], row[i].size());
        }
    }
    std::ostringstream out;
    for (const Row& row : cells) {
        for (std::size_t i = 0; i < row.size(); ++i) {
            out << row[i];
            if (i + 1 < row.size()) {
                out << std::string(width[i] - row[i].size() + 2, ' ');
            }
        }
        out << '\n';
    }
    return out.str();
}

nlohmann::json backup_json(const BackupRecord& record) {
    return {
        {"domain", record.domain},
        {"uuid", record.uuid},
        {"connection", record.connection},
        {"time", backup_time_iso(record.stamp)},
        {"kind", to_string(record.kind)},
        {"path", record.path.string()},
        {"size", record.size},
    };
}

} // namespace virtnest
