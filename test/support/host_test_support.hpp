// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Shared helpers for the host readiness tests: an in-memory HostFiles, fixture paths,
// temporary copies of fixture trees and lookups of checks by id.

#include "virtnest/check/host_probe.hpp"
#include "virtnest/check/host_verdict.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unistd.h>

namespace test_support {

namespace fs = std::filesystem;

// HostFiles over a map of absolute paths to contents.
class FakeHostFiles : public virtnest::HostFiles {
  public:
    std::map<std::string, std::string> files;
    std::map<std::string, std::string> device_errors; // path -> reason open_device reports
    std::set<std::string> unreadable; // listed paths whose read fails (no permission)

    std::optional<std::string> read(const std::string& path) const override {
        auto it = files.find(path);
        if (it == files.end() || unreadable.count(path) != 0U) {
            return std::nullopt;
        }
        return it->second;
    }
    std::vector<std::string> list(const std::string& dir) const override {
        std::set<std::string> names;
        const std::string prefix = dir + "/";
        for (const auto& [path, content] : files) {
            if (path.rfind(prefix, 0) == 0) {
                std::string rest = path.substr(prefix.size());
                names.insert(rest.substr(0, rest.find('/')));
            }
        }
        return {names.begin(), names.end()};
    }
    bool exists(const std::string& path) const override {
        return files.count(path) != 0U || !list(path).empty();
    }
    std::optional<std::string> open_device(const std::string& path) const override {
        auto it = device_errors.find(path);
        if (it == device_errors.end()) {
            return std::nullopt;
        }
        return it->second;
    }
};

inline fs::path fixture(const std::string& name) {
    return fs::path(VIRTNEST_FIXTURES_DIR) / "hosts" / name;
}

inline std::string slurp(const fs::path& path) {
    std::ifstream in(path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline void spit(const fs::path& path, const std::string& content) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << content;
}

// A fresh copy of fixture tree `name` in a temporary directory, removed when it goes.
class TreeCopy {
  public:
    explicit TreeCopy(const std::string& name)
        : m_dir(fs::temp_directory_path() /
                ("virtnest-host-" + name + "-" + std::to_string(::getpid()) + "-" +
                 std::to_string(s_count++))) {
        fs::remove_all(m_dir);
        fs::copy(fixture(name), m_dir, fs::copy_options::recursive);
    }
    TreeCopy(const TreeCopy&) = delete;
    TreeCopy& operator=(const TreeCopy&) = delete;
    ~TreeCopy() {
        std::error_code ec;
        fs::remove_all(m_dir, ec);
    }
    const fs::path& path() const { return m_dir; }

    // Return every file below the tree, by relative path, with its content and mode.
    std::map<std::string, std::string> snapshot() const {
        std::map<std::string, std::string> all;
        for (const auto& entry : fs::recursive_directory_iterator(m_dir)) {
            std::string rel = fs::relative(entry.path(), m_dir).string();
            if (entry.is_regular_file()) {
                all[rel] = slurp(entry.path()) + "|mode=" +
                           std::to_string(static_cast<unsigned>(entry.status().permissions()));
            } else {
                all[rel] = "<dir>";
            }
        }
        return all;
    }

  private:
    static inline int s_count = 0;
    fs::path m_dir;
};

// The checks of the fixture tree xml-fixtures/hosts/NAME, as `check --root` makes them.
inline std::vector<virtnest::Check> checks_of(const std::string& name) {
    virtnest::RootedHostFiles files(fixture(name));
    return virtnest::host_checks(virtnest::probe_host(files));
}

// The checks of an in-memory host.
inline std::vector<virtnest::Check> checks_of(const virtnest::HostFiles& files) {
    return virtnest::host_checks(virtnest::probe_host(files));
}

// Return the check called `id`; fails the test when there is none.
inline const virtnest::Check& get(const std::vector<virtnest::Check>& checks,
                                  const std::string& id) {
    auto it = std::find_if(checks.begin(), checks.end(),
                           [&](const virtnest::Check& c) { return c.id == id; });
    INFO("check " << id);
    REQUIRE(it != checks.end());
    return *it;
}

// Return true when a check called `id` is present.
inline bool has(const std::vector<virtnest::Check>& checks, const std::string& id) {
    return std::any_of(checks.begin(), checks.end(),
                       [&](const virtnest::Check& c) { return c.id == id; });
}

// Every non-PASS line carries a remedy, and no PASS line does.
inline void require_remedies(const std::vector<virtnest::Check>& checks) {
    for (const virtnest::Check& c : checks) {
        INFO(c.id);
        CHECK(c.remedy.empty() == (c.status == virtnest::CheckStatus::pass));
    }
}

} // namespace test_support
