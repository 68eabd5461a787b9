// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/check/check_render.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using virtnest::CheckStatus;

namespace {

virtnest::CheckReport sample(CheckStatus last) {
    virtnest::CheckReport report;
    report.target = "root /srv/image";
    report.checks = {
        {"cpu.virt", CheckStatus::pass, "the CPU offers vmx (VT-x)", ""},
        {"persist.nested", CheckStatus::warn, "not persisted", "`virt-nest host enable`"},
        {"kvm.nested", last, "kvm_intel nested=N", last == CheckStatus::pass ? "" : "reload it"}};
    report.notes = {"libvirt's view skipped"};
    return report;
}

} // namespace

TEST_CASE("check_render: aligned text with remedies and a verdict", "[check_render]") {
    SECTION("not ready") {
        CHECK(virtnest::render_text(sample(CheckStatus::fail), false) ==
              "checking root /srv/image\n"
              "PASS  cpu.virt        the CPU offers vmx (VT-x)\n"
              "WARN  persist.nested  not persisted\n"
              "                      remedy: `virt-nest host enable`\n"
              "FAIL  kvm.nested      kvm_intel nested=N\n"
              "                      remedy: reload it\n"
              "note: libvirt's view skipped\n"
              "verdict: not ready: nested guests cannot run here (1 FAIL, 1 WARN, 1 PASS)\n");
    }
    SECTION("ready, with colour only when asked") {
        std::string plain = virtnest::render_text(sample(CheckStatus::pass), false);
        CHECK(plain.find('\033') == std::string::npos);
        CHECK(plain.find("verdict: ready: nested guests can run here (0 FAIL, 1 WARN, 2 PASS)\n") !=
              std::string::npos);
        std::string coloured = virtnest::render_text(sample(CheckStatus::pass), true);
        CHECK(coloured.find("\033[32mPASS\033[0m  cpu.virt") != std::string::npos);
        CHECK(coloured.find("\033[33mWARN\033[0m  persist.nested") != std::string::npos);
    }
}

TEST_CASE("check_render: one JSON object per report", "[check_render]") {
    nlohmann::json doc = virtnest::report_json(sample(CheckStatus::fail));
    CHECK(doc["target"] == "root /srv/image");
    CHECK(doc["ready"] == false);
    CHECK(doc["summary"] == nlohmann::json({{"pass", 1}, {"warn", 1}, {"fail", 1}}));
    REQUIRE(doc["checks"].size() == 3);
    CHECK(doc["checks"][2] == nlohmann::json({{"id", "kvm.nested"},
                                              {"status", "FAIL"},
                                              {"message", "kvm_intel nested=N"},
                                              {"remedy", "reload it"}}));
    CHECK(doc["notes"] == nlohmann::json::array({"libvirt's view skipped"}));
    CHECK(virtnest::report_json(sample(CheckStatus::pass))["ready"] == true);
}
