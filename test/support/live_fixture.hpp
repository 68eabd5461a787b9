// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Shared set-up of the in-process live tests: one connection to libvirt's test driver on
// the demo fleet (kept open, since every open of the file starts afresh) and a private
// backup directory removed afterwards.

#include "virtnest/libvirt/connection.hpp"
#include "virtnest/live/run_observer.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <string>

namespace live_test {

inline std::string fleet_uri() {
    return "test://" + std::string(VIRTNEST_EXAMPLES_DIR) + "/demo-fleet.xml";
}

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::string tmpl =
            (std::filesystem::temp_directory_path() / "virtnest-live-XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

// A run observer that edits each domain in the window between its backup and its define.
class EditBeforeDefine : public virtnest::RunObserver {
  public:
    explicit EditBeforeDefine(std::function<void(const virtnest::Domain&)> edit)
        : m_edit(std::move(edit)) {}
    void before_define(const virtnest::Domain& domain) override { m_edit(domain); }

  private:
    std::function<void(const virtnest::Domain&)> m_edit;
};

// Return every domain's inactive XML (with secrets), by name.
inline std::map<std::string, std::string> snapshot_fleet(const virtnest::Connection& conn) {
    std::map<std::string, std::string> xml;
    for (const virtnest::Domain& dom : conn.list_all_domains()) {
        xml[dom.name()] = dom.xml(virtnest::XmlView::inactive_secure);
    }
    return xml;
}

// Return the number of files below `dir` (0 when it does not exist).
inline std::size_t count_files(const std::filesystem::path& dir) {
    std::size_t count = 0;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); ++it) {
        count += it->is_regular_file() ? 1U : 0U;
    }
    return count;
}

// Return the record named `name` from a RunOutcome's records.
template <typename Json> Json record_named(const Json& records, const std::string& name) {
    for (const auto& record : records) {
        if (record.at("name") == name) {
            return record;
        }
    }
    FAIL("no record for " << name);
    return Json();
}

} // namespace live_test
