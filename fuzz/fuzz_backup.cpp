// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target for the backup reader: any bytes stored as a backup file are read back
// exactly (or refused with virtnest::Error), and inspecting them as the domain definition
// revert would restore fails only with virtnest::Error.
#include "virtnest/live/backup_store.hpp"
#include "virtnest/live/cpu_inspect.hpp"
#include "virtnest/util/error.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace {

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "fuzz_backup: %s\n", what);
    std::abort();
}

const std::filesystem::path& scratch_file() {
    static const std::filesystem::path path =
        std::filesystem::temp_directory_path() /
        ("virtnest-fuzz-backup-" + std::to_string(::getpid()) + ".xml");
    return path;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    {
        std::ofstream out(scratch_file(), std::ios::binary | std::ios::trunc);
        out << bytes;
    }
    std::filesystem::permissions(scratch_file(), std::filesystem::perms::owner_read |
                                                     std::filesystem::perms::owner_write);
    std::string content;
    try {
        content = virtnest::read_backup(scratch_file());
    } catch (const virtnest::Error&) {
        fail("a private regular file was refused");
    }
    if (content != bytes) {
        fail("a backup did not read back as written");
    }
    try {
        (void)virtnest::inspect_cpu(content);
    } catch (const virtnest::Error&) {
        return 0; // not a domain definition: revert refuses it with a message
    }
    return 0;
}
