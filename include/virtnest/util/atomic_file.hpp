// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Write files so that a reader sees either the old content or the new, never half of it.

#include <filesystem>
#include <string>
#include <string_view>

namespace virtnest {

// When a written file reaches the disk: at once (fsync of the file and its directory), or
// at a later syncfs(2) the caller runs once for a whole batch.
enum class Durability { now, at_sync };

// Write `content` to `path` atomically: a temporary file in the same directory, fsync,
// rename over `path`, fsync of the directory. The file gets permissions `mode` (for
// example owner read/write only, for files that hold secrets). Creates missing parent
// directories with `dir_mode`. Throws Error naming the path and the system's reason.
void write_file_atomic(const std::filesystem::path& path, std::string_view content,
                       std::filesystem::perms mode = std::filesystem::perms::owner_read |
                                                     std::filesystem::perms::owner_write,
                       std::filesystem::perms dir_mode = std::filesystem::perms::owner_all,
                       Durability durability = Durability::now);

// Write `content` atomically as `name` in the directory open at `dir_fd` (temporary file,
// rename with renameat, both inside that directory), with permissions `mode`. `shown` names
// the file in errors. Throws Error naming `shown` and the system's reason.
void write_file_atomic_at(int dir_fd, const std::string& name, std::string_view content,
                          std::filesystem::perms mode, Durability durability,
                          const std::filesystem::path& shown);

// Write `content` to the output file `path` the user named: a missing or regular file is
// written atomically (through a symlink, the file it names is replaced and the link kept);
// an existing device, FIFO or /proc/self/fd link (/dev/null, /dev/stdout) is written
// through in place, never replaced. Refuses a directory and a dangling symlink. Throws
// Error naming the path and the reason.
void write_output_file(const std::filesystem::path& path, std::string_view content);

} // namespace virtnest
