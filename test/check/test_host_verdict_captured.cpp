// SPDX-License-Identifier: GPL-2.0-or-later
// check's verdict on the fixture trees captured from real guests booted here under TCG
// (xml-fixtures/hosts/README.md), held against what each guest actually did.
#include "host_test_support.hpp"
#include "virtnest/check/host_verdict.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <sstream>
#include <string>

using test_support::checks_of;
using test_support::fixture;
using test_support::get;
using virtnest::Check;
using virtnest::CheckStatus;

namespace {

// The line of the guest's own report (DIR.guest) that starts with `key`, "" when none.
std::string guest_line(const std::string& tree, const std::string& key) {
    std::istringstream report(test_support::slurp(fixture(tree + ".guest")));
    for (std::string line; std::getline(report, line);) {
        if (line.rfind(key, 0) == 0) {
            return line;
        }
    }
    return "";
}

constexpr std::array<const char*, 3> k_captured{"tcg-l1-svm-nested-off", "tcg-l1-svm-npt",
                                                "tcg-l1-no-svm"};

} // namespace

TEST_CASE("host_verdict: a captured L1 is ready exactly when its own L2 ran", "[host_verdict]") {
    int ran = 0;
    int refused = 0;
    for (const char* tree : k_captured) {
        INFO(tree);
        const std::string l2 = guest_line(tree, "l2=");
        const std::string module = guest_line(tree, "kvm_amd=");
        REQUIRE_FALSE(l2.empty());
        std::vector<Check> checks = checks_of(tree);
        const bool l2_ran = l2.rfind("l2=ran ", 0) == 0;
        CHECK(virtnest::is_ready(checks) == l2_ran);
        if (l2_ran) {
            ++ran;
            CHECK(module.rfind("kvm_amd=loaded", 0) == 0);
            CHECK(get(checks, "cpu.virt").status == CheckStatus::pass);
            CHECK(get(checks, "kvm.module").status == CheckStatus::pass);
            CHECK(get(checks, "kvm.device").status == CheckStatus::pass);
        } else {
            ++refused;
            CHECK(module.rfind("kvm_amd=refused", 0) == 0);
            CHECK(get(checks, "cpu.virt").status == CheckStatus::fail);
            CHECK(get(checks, "kvm.device").status == CheckStatus::fail);
        }
        // check --probe inside the guest gave the same exit code (0 ready, 4 not ready).
        CHECK(guest_line(tree, "check-json rc=") ==
              std::string("check-json rc=") + (l2_ran ? "0" : "4"));
    }
    // Both outcomes are covered, so a verdict that is always the same cannot pass.
    CHECK(ran == 2);
    CHECK(refused == 1);
}

TEST_CASE("host_verdict: the captured L1 with nested=0 ran its L2 and is ready", "[host_verdict]") {
    const std::string tree = "tcg-l1-svm-nested-off";
    REQUIRE(guest_line(tree, "kvm_amd=") == "kvm_amd=loaded nested=0");
    std::vector<Check> checks = checks_of(tree);
    CHECK(virtnest::is_ready(checks));
    CHECK(get(checks, "kvm.nested").status == CheckStatus::pass);
    CHECK(get(checks, "cpu.hypervisor").status == CheckStatus::warn);
    // qemu64 with svm alone has no npt: shadow paging, a WARN with a remedy on L0.
    CHECK(get(checks, "cpu.slat").status == CheckStatus::warn);
    CHECK(get(checks, "cpu.slat").remedy.find("on the host that runs this virtual machine") == 0);
}
