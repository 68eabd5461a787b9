// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Backups of domain XML taken before every redefinition, so `revert` can restore them.
// Layout: <root>/host-<host uuid>/<domain uuid>/<UTC time>-<kind>-<name>.xml, mode 0600
// in directories of mode 0700 (the XML holds secrets). A name longer than 64 bytes is
// shortened and given a hash, so any name libvirt accepts fits. The host's identity
// (libvirt's host UUID), not the URI's spelling, keys the store, so qemu:///system and
// qemu+unix:///system find the same backups; stores of earlier versions, keyed by
// <connection key> (the URI made safe), are still read.

#include "virtnest/util/atomic_file.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virtnest {

// Why a backup was taken; `revert` restores the latest enable/disable backup and takes a
// `revert` backup of what it replaces (never chosen as "latest", so a second revert does
// not undo the first).
enum class BackupKind { enable, disable, revert };

// Return "enable", "disable" or "revert".
std::string_view to_string(BackupKind kind) noexcept;

// Return the default backup root: /var/lib/virt-nest/backups for root, otherwise
// $XDG_STATE_HOME/virt-nest/backups, else $HOME/.local/state/virt-nest/backups. Pure: the
// caller passes the environment (null for unset).
std::filesystem::path default_backup_dir(bool is_root, const char* xdg_state_home,
                                         const char* home);

// Return default_backup_dir() for this process's user and environment.
std::filesystem::path default_backup_dir();

// Return `given` (a --backup-dir), or default_backup_dir() when it is empty.
std::filesystem::path backup_dir_or_default(const std::filesystem::path& given);

// Return a directory name for a connection URI: unsafe characters become '_', long URIs
// are shortened with a hash so distinct URIs stay distinct.
std::string connection_key(std::string_view uri);

// One backup file found on disk.
struct BackupEntry {
    std::filesystem::path path;
    std::string stamp; // UTC, e.g. 20261121T203000.123456Z
    BackupKind kind = BackupKind::enable;
};

// What a backup's file name says: <stamp>-<kind>-<name>.xml.
struct BackupName {
    std::string stamp;
    BackupKind kind = BackupKind::enable;
    std::string domain; // as stored: unsafe characters '_', a long name shortened
};

// Return what the file name of a backup says; nullopt for any other name. Pure.
std::optional<BackupName> parse_backup_name(std::string_view filename);

// Throw Error when the existing directory `dir` must not be trusted (not owned by this user
// or root, or writable by group or others); a missing one is fine.
void require_trusted_backup_dir(const std::filesystem::path& dir);

// The backups of one host.
class BackupStore {
  public:
    // Use `root` (default_backup_dir() or --backup-dir) for the host with libvirt host UUID
    // `host_uuid`, reached through `uri` (whose older, URI-keyed store is read too). An
    // empty `host_uuid` (a driver that reports none) keys the store by the URI.
    BackupStore(const std::filesystem::path& root, std::string_view uri,
                std::string_view host_uuid);

    // A store keyed by the URI alone, as earlier versions wrote it.
    BackupStore(const std::filesystem::path& root, std::string_view uri);

    // Return the directory holding the backups of the domain with `uuid`.
    std::filesystem::path domain_dir(std::string_view uuid) const;

    // Write `xml` atomically (temporary file, rename) as a new backup and return its path.
    // Never overwrites an older backup. With Durability::at_sync the data is on disk only
    // after sync(). Throws Error naming the path when the disk refuses.
    std::filesystem::path
    save(std::string_view uuid, std::string_view name, std::string_view xml, BackupKind kind,
         std::chrono::system_clock::time_point now = std::chrono::system_clock::now(),
         Durability durability = Durability::now) const;

    // Flush every backup written so far to disk with one syncfs(2) of the backup
    // filesystem (instead of two fsyncs per file). Throws Error when it fails.
    void sync() const;

    // Return the backups of `uuid`, oldest first, from this store and the URI-keyed one of
    // earlier versions: regular files only. Throws Error when the store's directories are
    // not owned by this user or root, or are writable by others.
    std::vector<BackupEntry> list(std::string_view uuid) const;

    // Return the newest enable/disable backup of `uuid` not stamped after `now` (plus a few
    // minutes of clock slack); nullopt when there is none.
    std::optional<BackupEntry>
    latest(std::string_view uuid,
           std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) const;

  private:
    std::filesystem::path m_dir;
    std::filesystem::path m_legacy_dir; // the URI-keyed store; empty when m_dir is it
};

// Return the content of a backup file: a regular file of at most 16 MiB, owned by this
// user or root and not writable by others. Throws Error naming the path otherwise.
std::string read_backup(const std::filesystem::path& path);

} // namespace virtnest
