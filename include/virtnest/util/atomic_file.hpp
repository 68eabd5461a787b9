#pragma once

// Write files so that a reader sees either the old content or the new, never half of it.

#include <filesystem>
#include <string_view>

namespace virtnest {

// Write `content` to `path` atomically: a temporary file in the same directory, fsync,
// rename over `path`, fsync of the directory. The file gets permissions `mode` (for
// example owner read/write only, for files that hold secrets). Creates missing parent
// directories with `dir_mode`. Throws Error naming the path and the system's reason.
void write_file_atomic(const std::filesystem::path& path, std::string_view content,
                       std::filesystem::perms mode = std::filesystem::perms::owner_read |
                                                     std::filesystem::perms::owner_write,
                       std::filesystem::perms dir_mode = std::filesystem::perms::owner_all);

} // namespace virtnest
