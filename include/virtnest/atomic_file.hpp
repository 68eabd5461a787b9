#pragma once

// Write files so that a reader sees either the old content or the new, never half of it.

#include <filesystem>
#include <string_view>

namespace virtnest {

// When a written file must be on disk.
enum class Durability {
    now,      // fsync the file and its directory before returning
    deferred, // the caller makes a batch durable at once with sync_filesystem()
};

// Write `content` to `path` atomically: a temporary file in the same directory, fsync,
// rename over `path`, fsync of the directory. The file gets permissions `mode` (for
// example owner read/write only, for files that hold secrets). Creates missing parent
// directories with `dir_mode`. Throws Error naming the path and the system's reason.
// With Durability::deferred the two fsyncs are left to a later sync_filesystem().
void write_file_atomic(const std::filesystem::path& path, std::string_view content,
                       std::filesystem::perms mode = std::filesystem::perms::owner_read |
                                                     std::filesystem::perms::owner_write,
                       std::filesystem::perms dir_mode = std::filesystem::perms::owner_all,
                       Durability durability = Durability::now);

// Flush everything written to the filesystem holding `path` (syncfs): one call makes a
// batch of deferred writes durable. Throws Error naming the path and the system's reason.
void sync_filesystem(const std::filesystem::path& path);

} // namespace virtnest
