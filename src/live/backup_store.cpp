// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/live/backup_store.hpp"

#include "virtnest/util/atomic_file.hpp"
#include "virtnest/util/error.hpp"
#include "virtnest/util/rooted_fs.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <functional>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace virtnest {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t k_max_key_length = 96;
// File names must fit NAME_MAX (255) with the stamp and kind; libvirt allows longer names.
constexpr std::size_t k_max_name_length = 64;
// A backup is one domain definition; anything larger is not one.
constexpr std::size_t k_max_backup_size = std::size_t{16} << 20;
// A backup stamped this far ahead of the clock is never chosen as the latest.
constexpr auto k_clock_slack = std::chrono::minutes(5);

// FNV-1a: a hash that stays the same across builds and platforms, as file names must.
std::string stable_hash(std::string_view text) {
    std::uint64_t hash = 14695981039346656037ULL;
    for (char c : text) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ULL;
    }
    std::array<char, 17> out{};
    std::snprintf(out.data(), out.size(), "%016llx", static_cast<unsigned long long>(hash));
    return out.data();
}

// Return why a backup directory or file must not be trusted (another user could have
// planted or changed it); nullopt when it is owned by this user or root and only they
// can write it.
std::optional<std::string> distrust(const struct stat& st) {
    if (st.st_uid != ::geteuid() && st.st_uid != 0) {
        return "it is owned by uid " + std::to_string(st.st_uid) + ", not by this user or root";
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        return "it is writable by group or others";
    }
    return std::nullopt;
}

constexpr fs::perms k_private_dir = fs::perms::owner_all;

std::string safe_component(std::string_view text) {
    std::string safe;
    safe.reserve(text.size());
    for (char c : text) {
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_';
        safe.push_back(keep ? c : '_');
    }
    if (safe.empty() || safe.front() == '.') {
        safe.insert(safe.begin(), '_');
    }
    return safe;
}

std::string format_stamp(std::chrono::system_clock::time_point when) {
    auto since_epoch =
        std::chrono::duration_cast<std::chrono::microseconds>(when.time_since_epoch());
    auto seconds = static_cast<std::time_t>(since_epoch.count() / 1000000);
    long long micros = since_epoch.count() % 1000000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    std::array<char, 32> date{};
    std::strftime(date.data(), date.size(), "%Y%m%dT%H%M%S", &utc);
    std::array<char, 48> out{};
    std::snprintf(out.data(), out.size(), "%s.%06lldZ", date.data(), micros);
    return out.data();
}

std::optional<BackupKind> parse_kind(std::string_view text) {
    for (BackupKind kind : {BackupKind::enable, BackupKind::disable, BackupKind::revert}) {
        if (text == to_string(kind)) {
            return kind;
        }
    }
    return std::nullopt;
}

// Create `dir` and its parents owner-only; an existing directory is left as it is.
void make_private_dirs(const fs::path& dir) {
    std::error_code ec;
    if (fs::is_directory(dir, ec)) {
        return;
    }
    if (dir.has_parent_path() && dir.parent_path() != dir) {
        make_private_dirs(dir.parent_path());
    }
    if (fs::is_symlink(fs::symlink_status(dir, ec))) {
        // create_directory would say only "File exists".
        throw Error("cannot create backup directory \"" + dir.string() +
                    "\": it is a symlink to \"" + fs::read_symlink(dir, ec).string() +
                    "\", which does not exist");
    }
    if (!fs::create_directory(dir, ec) && ec) {
        throw Error("cannot create backup directory \"" + dir.string() + "\": " + ec.message());
    }
    fs::permissions(dir, k_private_dir, ec);
}

} // namespace

void require_trusted_backup_dir(const fs::path& dir) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) {
        return;
    }
    if (auto why = distrust(st)) {
        throw Error("refusing backup directory \"" + dir.string() + "\": " + *why +
                    " (another user could plant a backup there); use a private --backup-dir");
    }
}

std::optional<BackupName> parse_backup_name(std::string_view filename) {
    // <stamp>-<kind>-<name>.xml; the stamp has no '-'.
    const std::string_view ext = ".xml";
    if (filename.size() <= ext.size() || filename.substr(filename.size() - ext.size()) != ext) {
        return std::nullopt;
    }
    auto dash = filename.find('-');
    if (dash == std::string_view::npos || dash == 0) {
        return std::nullopt;
    }
    auto second = filename.find('-', dash + 1);
    if (second == std::string_view::npos) {
        return std::nullopt;
    }
    auto kind = parse_kind(filename.substr(dash + 1, second - dash - 1));
    if (!kind) {
        return std::nullopt;
    }
    std::string_view domain = filename.substr(second + 1);
    domain.remove_suffix(ext.size());
    return BackupName{std::string(filename.substr(0, dash)), *kind, std::string(domain)};
}

std::string_view to_string(BackupKind kind) noexcept {
    switch (kind) {
    case BackupKind::enable: return "enable";
    case BackupKind::disable: return "disable";
    case BackupKind::revert: return "revert";
    }
    return "enable";
}

fs::path default_backup_dir(bool is_root, const char* xdg_state_home, const char* home) {
    if (is_root) {
        return "/var/lib/virt-nest/backups";
    }
    if (xdg_state_home != nullptr && xdg_state_home[0] == '/') {
        return fs::path(xdg_state_home) / "virt-nest" / "backups";
    }
    if (home != nullptr && home[0] != '\0') {
        return fs::path(home) / ".local" / "state" / "virt-nest" / "backups";
    }
    throw Error("cannot choose a backup directory: HOME is not set; use --backup-dir");
}

fs::path backup_dir_or_default(const fs::path& given) {
    return given.empty() ? default_backup_dir() : given;
}

fs::path default_backup_dir() {
    return default_backup_dir(::geteuid() == 0, std::getenv("XDG_STATE_HOME"), std::getenv("HOME"));
}

std::string connection_key(std::string_view uri) {
    std::string key = safe_component(uri.empty() ? std::string_view("default") : uri);
    if (key.size() > k_max_key_length) {
        std::ostringstream hash;
        hash << std::hex << std::hash<std::string_view>{}(uri);
        key = key.substr(0, k_max_key_length - 17) + "-" + hash.str();
    }
    return key;
}

BackupStore::BackupStore(const fs::path& root, std::string_view uri)
    : m_dir(root / connection_key(uri)) {}

BackupStore::BackupStore(const fs::path& root, std::string_view uri, std::string_view host_uuid)
    : BackupStore(root, uri) {
    if (!host_uuid.empty()) {
        m_legacy_dir = std::move(m_dir);
        m_dir = root / ("host-" + safe_component(host_uuid));
    }
}

fs::path BackupStore::domain_dir(std::string_view uuid) const {
    return m_dir / safe_component(uuid);
}

fs::path BackupStore::save(std::string_view uuid, std::string_view name, std::string_view xml,
                           BackupKind kind, std::chrono::system_clock::time_point now,
                           Durability durability) const {
    const fs::path dir = domain_dir(uuid);
    make_private_dirs(dir);
    std::string shown_name = safe_component(name);
    if (shown_name.size() > k_max_name_length) {
        shown_name = shown_name.substr(0, k_max_name_length - 17) + "-" + stable_hash(name);
    }
    const std::string suffix = "-" + std::string(to_string(kind)) + "-" + shown_name + ".xml";
    // Names sort by time; a clash within one microsecond moves to the next free one.
    fs::path path;
    std::error_code ec;
    do {
        path = dir / (format_stamp(now) + suffix);
        now += std::chrono::microseconds(1);
    } while (fs::exists(path, ec));
    // Durability::at_sync: the caller flushes a whole batch with one syncfs (sync()).
    write_file_atomic(path, xml, fs::perms::owner_read | fs::perms::owner_write, k_private_dir,
                      durability);
    return path;
}

void BackupStore::sync() const {
    int fd = ::open(m_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || ::syncfs(fd) != 0) {
        int err = errno;
        if (fd >= 0) {
            ::close(fd);
        }
        throw Error("cannot flush backups in \"" + m_dir.string() +
                    "\" to disk: " + std::strerror(err));
    }
    ::close(fd);
}

namespace {

// Append the backups in `dir` (one domain's directory) to `entries`.
void list_backups_in(const fs::path& dir, std::vector<BackupEntry>& entries) {
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) {
        return;
    }
    for (const fs::directory_entry& file : it) {
        // Only regular files: a FIFO or device planted here must not hang or flood a read.
        if (!file.is_regular_file(ec) || file.is_symlink(ec)) {
            continue;
        }
        if (auto name = parse_backup_name(file.path().filename().string())) {
            entries.push_back({file.path(), name->stamp, name->kind});
        }
    }
}

} // namespace

std::vector<BackupEntry> BackupStore::list(std::string_view uuid) const {
    std::vector<BackupEntry> entries;
    // This host's store and the URI-keyed one of 0.2 first, then any other store under the
    // root that holds this domain: the domain UUID is the identity, and libvirt's host UUID
    // is random at every daemon start on a machine without SMBIOS (unless libvirtd.conf sets
    // host_uuid), so one host's backups may sit under several host-<uuid> stores.
    std::vector<fs::path> stores{m_dir};
    if (!m_legacy_dir.empty()) {
        stores.push_back(m_legacy_dir);
    }
    const fs::path root = m_dir.parent_path();
    require_trusted_backup_dir(root);
    std::error_code ec;
    for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
        const fs::path& store = it->path();
        if (it->is_directory(ec) && !it->is_symlink(ec) &&
            std::find(stores.begin(), stores.end(), store) == stores.end() &&
            fs::is_directory(store / safe_component(uuid), ec)) {
            stores.push_back(store);
        }
    }
    for (const fs::path& store : stores) {
        const fs::path dir = store / safe_component(uuid);
        require_trusted_backup_dir(store);
        require_trusted_backup_dir(dir);
        list_backups_in(dir, entries);
    }
    // File names start with the stamp, so this is oldest first across the stores.
    std::sort(entries.begin(), entries.end(), [](const BackupEntry& a, const BackupEntry& b) {
        return a.path.filename() < b.path.filename();
    });
    return entries;
}

std::optional<BackupEntry> BackupStore::latest(std::string_view uuid,
                                               std::chrono::system_clock::time_point now) const {
    std::vector<BackupEntry> entries = list(uuid);
    // Stamps compare as text; one from the future (a wrong clock, a planted file) would
    // otherwise stay "latest" for good.
    const std::string horizon = format_stamp(now + k_clock_slack);
    std::reverse(entries.begin(), entries.end()); // newest first
    for (const BackupEntry& entry : entries) {
        if (entry.kind != BackupKind::revert && entry.stamp <= horizon) {
            return entry;
        }
    }
    return std::nullopt;
}

std::string read_backup(const fs::path& path) {
    // O_NONBLOCK: a FIFO must not hang the open; the checks below refuse it.
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    if (!fd) {
        throw Error("cannot read backup \"" + path.string() + "\": " + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
        throw Error("cannot read backup \"" + path.string() + "\": " + std::strerror(errno));
    }
    if (S_ISREG(st.st_mode)) {
        if (auto why = distrust(st)) {
            throw Error("refusing backup \"" + path.string() + "\": " + *why);
        }
    }
    ReadResult content = read_regular_fd(fd.get(), k_max_backup_size);
    if (!content.content) {
        throw Error("cannot read backup \"" + path.string() + "\": " + content.problem.reason);
    }
    return std::move(*content.content);
}

} // namespace virtnest
