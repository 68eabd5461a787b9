// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Files below a root directory that may be hostile (a mounted image): every path is resolved
// inside the root, so no symlink or ".." reaches the machine's own files, only regular files
// are read, each with a size cap, and writes land in a directory of the root.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <vector>

namespace virtnest {

// A move-only owner of a file descriptor.
class UniqueFd {
  public:
    UniqueFd() = default;
    // Own `fd` (negative: none).
    explicit UniqueFd(int fd) : m_fd(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : m_fd(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept;
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd();
    // Return the descriptor, or -1.
    int get() const { return m_fd; }
    // Return true when a descriptor is owned.
    explicit operator bool() const { return m_fd >= 0; }
    // Give up ownership and return the descriptor.
    int release();

  private:
    int m_fd = -1;
};

// Open `path` below the directory `root_fd` as if `root_fd` were "/": absolute symlinks and
// ".." stay inside it, magic links (/proc/self/fd/N) are refused. `flags` as for open(2),
// without O_CREAT. Uses openat2(RESOLVE_IN_ROOT); falls back to resolve_in_root_walk on
// kernels without it. Return the descriptor, or -errno.
int open_in_root(int root_fd, std::string_view path, int flags);

// The fallback of open_in_root: a component-wise walk with O_NOFOLLOW that maps each symlink
// into the root. Exposed so tests cover it on kernels that have openat2.
int open_in_root_walk(int root_fd, std::string_view path, int flags);

// Why a file could not be read: a system error, or not a regular file, or too large.
struct ReadProblem {
    std::string reason; // "No such file or directory", "not a regular file", "larger than 1 MiB"
};

// A file's content or why it has none.
struct ReadResult {
    std::optional<std::string> content;
    ReadProblem problem;
};

// Read the regular file open at `fd` (any other type is refused), at most `max_bytes`.
ReadResult read_regular_fd(int fd, std::size_t max_bytes);

// Read a regular file by path (no root) without blocking on a FIFO and without following
// it to a device: the open is O_NONBLOCK, the type checked before reading, the size capped.
ReadResult read_regular_file(const std::filesystem::path& path, std::size_t max_bytes);

// A directory tree that stands for a machine's "/": the running system or a mounted image.
class RootedFs {
  public:
    // Use `root`; when it cannot be opened every lookup reports it missing.
    explicit RootedFs(const std::filesystem::path& root);

    // Return true when the root is the running system's "/".
    bool is_live() const { return m_live; }

    // Open `path` inside the root (see open_in_root). Return the descriptor, or -errno.
    int open(std::string_view path, int flags) const;

    // Read the regular file at `path`, at most `max_bytes`.
    ReadResult read(std::string_view path, std::size_t max_bytes) const;

    // Return the names of a directory's entries, sorted; empty when it is missing.
    std::vector<std::string> list(std::string_view dir) const;

    // Return the file's status (symlinks inside the root followed); nullopt when missing.
    std::optional<struct stat> status(std::string_view path) const;

    // Return a descriptor of the directory `dir` inside the root, creating missing
    // components with `mode`. Throws Error naming the directory when it cannot.
    UniqueFd make_dirs(std::string_view dir, mode_t mode) const;

  private:
    UniqueFd m_root;
    std::filesystem::path m_root_path;
    bool m_live = false;
};

} // namespace virtnest
