// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// libvirt's own test data (tests/qemuxml2argvdata, qemuxml2xmloutdata, domaincapsdata,
// cputestdata of the installed libvirt), fetched into the build tree by
// scripts/fetch-test-data and never committed. Tests reading it carry the tag [corpus].
// A missing file fails the test and says how to fetch the data: an absent corpus must not
// look like a passing one.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace test_support {

// Return the directory scripts/fetch-test-data fills for this build tree.
inline std::filesystem::path libvirt_tests_dir() {
    return std::filesystem::path(VIRTNEST_LIBVIRT_TESTS_DIR);
}

// Return the path of `relative` (e.g. "domaincapsdata/qemu_8.0.0.x86_64.xml") in libvirt's
// test data; fail the running test when it is missing.
inline std::filesystem::path libvirt_test_path(const std::string& relative) {
    std::filesystem::path path = libvirt_tests_dir() / relative;
    if (!std::filesystem::exists(path)) {
        FAIL("libvirt's test data is missing: no "
             << path.string() << "; run scripts/fetch-test-data " << libvirt_tests_dir().string());
    }
    return path;
}

// Return the text of `relative` in libvirt's test data; fail the running test when missing.
inline std::string read_libvirt_test_file(const std::string& relative) {
    std::ifstream in(libvirt_test_path(relative), std::ios::binary);
    REQUIRE(in.good());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace test_support
