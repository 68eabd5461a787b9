// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/util/atomic_file.hpp"
#include "virtnest/util/error.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

fs::path fresh_dir(const std::string& name) {
    fs::path dir =
        fs::temp_directory_path() / ("virtnest-test-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    return dir;
}

std::string slurp(const fs::path& path) {
    std::ifstream in(path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace

TEST_CASE("atomic_file: writes content with the requested mode", "[atomic_file]") {
    fs::path dir = fresh_dir("atomic");
    fs::path file = dir / "sub" / "backup.xml";
    virtnest::write_file_atomic(file, "<domain/>\n");
    REQUIRE(slurp(file) == "<domain/>\n");
    REQUIRE((fs::status(file).permissions() & fs::perms::all) ==
            (fs::perms::owner_read | fs::perms::owner_write));

    SECTION("replacing leaves no temporary file behind") {
        virtnest::write_file_atomic(file, "second");
        REQUIRE(slurp(file) == "second");
        int entries = 0;
        for ([[maybe_unused]] const auto& entry : fs::directory_iterator(file.parent_path())) {
            ++entries;
        }
        REQUIRE(entries == 1);
    }
    fs::remove_all(dir);
}

TEST_CASE("atomic_file: an unwritable place is an error naming the path", "[atomic_file]") {
    REQUIRE_THROWS_WITH(virtnest::write_file_atomic("/proc/virtnest-nope/x", "data"),
                        Catch::Matchers::StartsWith("cannot ") &&
                            Catch::Matchers::Contains("/proc/virtnest-nope"));
}
