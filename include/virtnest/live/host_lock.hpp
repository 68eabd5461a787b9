// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// One writer per host: a run that changes domains holds an exclusive lock named after the
// host's identity (libvirt's host UUID, so two URIs of one daemon are one host) for its
// whole run; a second run waits a while, then gives up with a message.

#include <chrono>
#include <filesystem>
#include <string>

namespace virtnest {

// Return where host locks live: /run/virt-nest as root, else $XDG_RUNTIME_DIR/virt-nest,
// else `fallback` (the backup directory).
std::filesystem::path default_lock_dir(const std::filesystem::path& fallback);

// An exclusive flock on <dir>/host-<identity>.lock, released on destruction.
class HostLock {
  public:
    // Take the lock of host `identity` in `dir` (created 0700 if missing), waiting up to
    // `wait`. Throws Error naming the host and the lock file when another run holds it.
    HostLock(const std::filesystem::path& dir, const std::string& identity,
             std::chrono::milliseconds wait);
    HostLock(const HostLock&) = delete;
    HostLock& operator=(const HostLock&) = delete;
    HostLock(HostLock&& other) noexcept;
    HostLock& operator=(HostLock&&) = delete;
    ~HostLock();

    // Return the lock file's path.
    const std::filesystem::path& path() const noexcept { return m_path; }

  private:
    std::filesystem::path m_path;
    int m_fd = -1;
};

} // namespace virtnest
