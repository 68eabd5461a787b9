#include "virtnest/live/backup_store.hpp"

#include "virtnest/util/atomic_file.hpp"
#include "virtnest/util/error.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace virtnest {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t k_max_key_length = 96;
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
    std::time_t seconds = static_cast<std::time_t>(since_epoch.count() / 1000000);
    long long micros = since_epoch.count() % 1000000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char buf[32] = {};
    std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%S", &utc);
    char out[48] = {};
    std::snprintf(out, sizeof out, "%s.%06lldZ", buf, micros);
    return out;
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
    if (!fs::create_directory(dir, ec) && ec) {
        throw Error("cannot create backup directory \"" + dir.string() + "\": " + ec.message());
    }
    fs::permissions(dir, k_private_dir, ec);
}

} // namespace

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

BackupStore::BackupStore(fs::path root, std::string_view uri)
    : m_dir(std::move(root) / connection_key(uri)) {}

fs::path BackupStore::domain_dir(std::string_view uuid) const {
    return m_dir / safe_component(uuid);
}

fs::path BackupStore::save(std::string_view uuid, std::string_view name, std::string_view xml,
                           BackupKind kind, std::chrono::system_clock::time_point now,
                           Durability durability) const {
    const fs::path dir = domain_dir(uuid);
    make_private_dirs(dir);
    const std::string suffix =
        "-" + std::string(to_string(kind)) + "-" + safe_component(name) + ".xml";
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

std::vector<BackupEntry> BackupStore::list(std::string_view uuid) const {
    std::vector<BackupEntry> entries;
    std::error_code ec;
    fs::directory_iterator it(domain_dir(uuid), ec);
    if (ec) {
        return entries;
    }
    for (const fs::directory_entry& file : it) {
        std::string filename = file.path().filename().string();
        // <stamp>-<kind>-<name>.xml; the stamp has no '-'.
        auto dash = filename.find('-');
        if (dash == std::string::npos || filename.size() < 4 ||
            filename.compare(filename.size() - 4, 4, ".xml") != 0) {
            continue;
        }
        auto second = filename.find('-', dash + 1);
        if (second == std::string::npos) {
            continue;
        }
        auto kind = parse_kind(std::string_view(filename).substr(dash + 1, second - dash - 1));
        if (!kind) {
            continue;
        }
        entries.push_back({file.path(), filename.substr(0, dash), *kind});
    }
    std::sort(entries.begin(), entries.end(), [](const BackupEntry& a, const BackupEntry& b) {
        return a.path.filename() < b.path.filename();
    });
    return entries;
}

std::optional<BackupEntry> BackupStore::latest(std::string_view uuid) const {
    std::vector<BackupEntry> entries = list(uuid);
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
        if (it->kind != BackupKind::revert) {
            return *it;
        }
    }
    return std::nullopt;
}

std::string read_backup(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Error("cannot read backup \"" + path.string() + "\": " + std::strerror(errno));
    }
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

} // namespace virtnest
