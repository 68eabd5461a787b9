// SPDX-License-Identifier: GPL-2.0-or-later
// Golden files: xml-fixtures/revert/<case>.current.xml is a definition that enable changed
// and an operator edited since, <case>.backup.xml the backup enable took. Restoring the
// nesting parts must give <case>.expected.xml (and the change lines in
// <case>.expected.changes). VIRTNEST_UPDATE_GOLDEN=1 writes them from the current behaviour.
#include "virtnest/libvirt/connection.hpp"
#include "virtnest/rewrite/nest_restore.hpp"
#include "virtnest/util/error.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using virtnest::restore_nest_parts;

namespace {

const fs::path k_cases = fs::path(VIRTNEST_FIXTURES_DIR) / "revert";

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string joined(const std::vector<std::string>& lines) {
    std::string text;
    for (const std::string& line : lines) {
        text += line + "\n";
    }
    return text;
}

std::vector<std::string> case_names() {
    std::vector<std::string> names;
    const std::string suffix = ".current.xml";
    for (const auto& entry : fs::directory_iterator(k_cases)) {
        const std::string file = entry.path().filename().string();
        if (file.ends_with(suffix)) {
            names.push_back(file.substr(0, file.size() - suffix.size()));
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

} // namespace

TEST_CASE("nest_restore: every case gives its expected definition", "[nest_restore]") {
    const std::vector<std::string> names = case_names();
    REQUIRE(names.size() >= 5);
    const bool regenerate = std::getenv("VIRTNEST_UPDATE_GOLDEN") != nullptr;
    virtnest::Connection conn = virtnest::Connection::open("test:///default");
    for (const std::string& name : names) {
        CAPTURE(name);
        const std::string current = slurp(k_cases / (name + ".current.xml"));
        const std::string backup = slurp(k_cases / (name + ".backup.xml"));
        const virtnest::NestRestore restored = restore_nest_parts(current, backup);
        const fs::path xml_file = k_cases / (name + ".expected.xml");
        const fs::path changes_file = k_cases / (name + ".expected.changes");
        if (regenerate) {
            std::ofstream(xml_file, std::ios::binary) << restored.xml;
            std::ofstream(changes_file, std::ios::binary) << joined(restored.changes);
        }
        REQUIRE(restored.xml == slurp(xml_file));
        REQUIRE(joined(restored.changes) == slurp(changes_file));
        // Nothing to put back means the current definition, byte for byte.
        REQUIRE((restored.changes.empty() == (restored.xml == current)));
        // libvirt accepts the result, and restoring again changes nothing.
        conn.define(restored.xml, /*validate=*/true, name).undefine();
        REQUIRE(restore_nest_parts(restored.xml, backup).changes.empty());
    }
}

TEST_CASE("nest_restore: the operator's later edits survive", "[nest_restore]") {
    const std::string current = slurp(k_cases / "secrets.current.xml");
    const std::string backup = slurp(k_cases / "secrets.backup.xml");
    const std::string restored = restore_nest_parts(current, backup).xml;
    CHECK(restored.find("passwd='vnc-ch4nged'") != std::string::npos);
    CHECK(restored.find("<memory unit='KiB'>8388608</memory>") != std::string::npos);
    CHECK(restored.find("<model fallback='allow'>Haswell</model>") != std::string::npos);
    CHECK(restored.find("host-passthrough") == std::string::npos);
}

TEST_CASE("nest_restore: a backup of another domain is refused", "[nest_restore]") {
    const std::string current = slurp(k_cases / "secrets.current.xml");
    std::string backup = slurp(k_cases / "secrets.backup.xml");
    const std::string uuid = "3c9e1b2a-5d4f-4e6a-9b8c-7d6e5f4a3b2c";
    REQUIRE(backup.find(uuid) != std::string::npos);
    backup.replace(backup.find(uuid), uuid.size(), "00000000-0000-0000-0000-000000000001");
    REQUIRE_THROWS_WITH(restore_nest_parts(current, backup),
                        Catch::Contains("not of \"" + uuid + "\""));
}

TEST_CASE("nest_restore: what is not a domain is refused", "[nest_restore]") {
    const std::string backup = slurp(k_cases / "secrets.backup.xml");
    REQUIRE_THROWS_AS(restore_nest_parts("<network/>", backup), virtnest::Error);
    REQUIRE_THROWS_AS(restore_nest_parts(backup, "<domain"), virtnest::Error);
}
