// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli_capture.hpp"
#include "host_test_support.hpp"
#include "virtnest/cli/cli.hpp"
#include "virtnest/util/exit_code.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using test_support::fixture;
using virtnest::ExitCode;
using virtnest::to_int;

namespace {

using Run = test_support::CliRun;

Run run(const std::vector<std::string>& args) { return test_support::run_cli_captured(args); }

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("cmd_check: fixture hosts give the expected verdict and exit code", "[cmd_check]") {
    struct Case {
        const char* name;
        ExitCode code;
        const char* line;
    };
    for (const Case& c :
         {Case{"intel-nested-on", ExitCode::ok, "PASS  kvm.nested       kvm_intel nested=Y"},
          Case{"intel-nested-off", ExitCode::not_ready,
               "FAIL  kvm.nested       kvm_intel nested=N"},
          Case{"amd-nested-on", ExitCode::ok, "PASS  kvm.nested          kvm_amd nested=1"},
          Case{"amd-nested-off", ExitCode::not_ready, "FAIL  kvm.nested      kvm_amd nested=0"},
          Case{"amd-avic-on", ExitCode::ok, "PASS  kvm.avic            kvm_amd avic=1"},
          Case{"intel-shadow-vmcs-off", ExitCode::ok, "WARN  kvm.shadow_vmcs  kvm_intel enable"},
          Case{"ibmz-hpage", ExitCode::not_ready, "FAIL  kvm.hpage       kvm hpage=1"},
          Case{"vm-without-vmx", ExitCode::not_ready, "FAIL  cpu.virt        no vmx flag"},
          Case{"module-not-loaded", ExitCode::not_ready, "FAIL  kvm.module      kvm_intel is not"},
          Case{"pvm-guest", ExitCode::not_ready,
               "kvm_amd is not loaded; KVM here comes from kvm_pvm"},
          Case{"arm64", ExitCode::not_ready, "FAIL  kvm.arm_mode  KVM runs in mode \"nvhe\""},
          Case{"arm64-nested", ExitCode::ok, "PASS  kvm.arm_mode  KVM runs in nested mode"}}) {
        INFO(c.name);
        Run r = run({"check", "--root", fixture(c.name).string()});
        INFO(r.out << r.err);
        CHECK(r.code == to_int(c.code));
        CHECK(contains(r.out, c.line));
        CHECK(contains(
            r.out, "note: libvirt's view skipped: --root names another system; add -c URI to ask "
                   "its daemon\n"));
        CHECK(
            contains(r.out, c.code == ExitCode::ok ? "verdict: ready: " : "verdict: not ready: "));
        CHECK_FALSE(contains(r.out, "\033"));
        CHECK(r.err.empty());
    }
}

TEST_CASE("cmd_check: --json prints one document with every check", "[cmd_check]") {
    Run r = run({"check", "--root", fixture("intel-nested-off").string(), "--json"});
    REQUIRE(r.code == to_int(ExitCode::not_ready));
    auto envelope = nlohmann::json::parse(r.out);
    CHECK(envelope["command"] == "check");
    CHECK(envelope["summary"]["exit_code"] == to_int(ExitCode::not_ready));
    CHECK(envelope["domains"].empty());
    REQUIRE(envelope["hosts"].size() == 1);
    CHECK(envelope["hosts"][0]["exit_code"] == to_int(ExitCode::not_ready));
    const auto& doc = envelope["hosts"][0]["check"];
    CHECK(doc["ready"] == false);
    CHECK(doc["target"] == "root " + fixture("intel-nested-off").string());
    CHECK(doc["summary"]["fail"] == 1);
    bool found = false;
    for (const auto& check : doc["checks"]) {
        CHECK(check.contains("id"));
        CHECK(check.contains("status"));
        CHECK(check.contains("message"));
        CHECK(check.contains("remedy"));
        if (check["id"] == "kvm.nested") {
            found = true;
            CHECK(check["status"] == "FAIL");
            CHECK(check["remedy"] ==
                  "stop every VM, then `modprobe -r kvm_intel && modprobe kvm_intel nested=1`; "
                  "keep it across reboots with `virt-nest host enable`");
        }
    }
    CHECK(found);
}

TEST_CASE("cmd_check: a libvirt URI adds libvirt's view", "[cmd_check]") {
    SECTION("a local test driver: domain capabilities are not available") {
        Run r =
            run({"-c", "test:///default", "check", "--root", fixture("intel-nested-on").string()});
        INFO(r.out << r.err);
        CHECK(r.code == to_int(ExitCode::ok));
        CHECK(contains(r.out, "checking root " + fixture("intel-nested-on").string() +
                                  " via test:///default\n"));
        CHECK(contains(r.out, "PASS  libvirt.connect  connected to \"test:///default\"\n"));
        CHECK(contains(
            r.out, "WARN  libvirt.kvm      the driver behind \"test:///default\" does not report "
                   "domain capabilities"));
        CHECK_FALSE(contains(r.out, "note: libvirt's view skipped"));
    }
    SECTION("a remote URI skips the local checks, and unreachable is a failure") {
        Run r = run({"-c", "qemu+tcp://127.0.0.1:1/system", "check", "--json"});
        INFO(r.out << r.err);
        CHECK(r.code == to_int(ExitCode::not_ready));
        auto envelope = nlohmann::json::parse(r.out);
        CHECK(envelope["hosts"][0]["uri"] == "qemu+tcp://127.0.0.1:1/system");
        CHECK(envelope["hosts"][0]["status"] == "ok"); // unreachable is check's finding
        const auto& doc = envelope["hosts"][0]["check"];
        CHECK(doc["target"] == "qemu+tcp://127.0.0.1:1/system");
        REQUIRE(doc["checks"].size() == 1);
        CHECK(doc["checks"][0]["id"] == "libvirt.connect");
        CHECK(doc["checks"][0]["status"] == "FAIL");
        CHECK(doc["notes"][0] ==
              "local checks skipped: \"qemu+tcp://127.0.0.1:1/system\" is another host, "
              "whose /proc and /sys are out of reach; libvirt's view stands for them");
    }
    SECTION("several hosts: one document listing each, as every multi-host command does") {
        Run r = run({"-c", "test:///default", "-c", "qemu+tcp://127.0.0.1:1/system", "check",
                     "--root", fixture("amd-nested-on").string(), "--json"});
        CHECK(r.code == to_int(ExitCode::not_ready));
        auto doc = nlohmann::json::parse(r.out);
        CHECK(doc["summary"]["exit_code"] == to_int(ExitCode::not_ready));
        REQUIRE(doc["hosts"].size() == 2);
        CHECK(doc["domains"].empty());
        CHECK(doc["hosts"][0]["check"]["ready"] == true);
        CHECK(doc["hosts"][0]["uri"] == "test:///default");
        CHECK(doc["hosts"][1]["check"]["ready"] == false);
        CHECK(doc["hosts"][1]["exit_code"] == to_int(ExitCode::not_ready));
    }
    SECTION("several hosts in text: grouped per host, --jobs honoured") {
        Run r = run({"-c", "test:///default", "-c", "qemu+tcp://127.0.0.1:1/system", "--jobs", "1",
                     "check", "--root", fixture("amd-nested-on").string()});
        INFO(r.out << r.err);
        CHECK(r.code == to_int(ExitCode::not_ready));
        CHECK(r.out.rfind("== test:///default ==\nchecking root " +
                              fixture("amd-nested-on").string() + " via test:///default\n",
                          0) == 0);
        CHECK(contains(r.out, "== qemu+tcp://127.0.0.1:1/system ==\nchecking "
                              "qemu+tcp://127.0.0.1:1/system\n"));
        CHECK(contains(r.out, "== 2 hosts: 2 ok, 0 unreachable, 0 failed ==\n"));
        CHECK(r.err.empty());
    }
}

TEST_CASE("cmd_check: bad input is a clear error", "[cmd_check]") {
    Run r = run({"check", "--root", "/nonexistent-virtnest-root"});
    CHECK(r.code == to_int(ExitCode::error));
    CHECK(r.out.empty());
    CHECK(r.err ==
          "virt-nest: error: cannot check root \"/nonexistent-virtnest-root\": not a directory\n");
    Run usage = run({"check", "--bogus"});
    CHECK(usage.code == to_int(ExitCode::usage));
}

TEST_CASE("cmd_check: this machine's real / (AMD EPYC guest without svm, KVM from kvm_pvm)",
          "[cmd_check]") {
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string text((std::istreambuf_iterator<char>(cpuinfo)), std::istreambuf_iterator<char>());
    std::string flags = text.substr(
        text.find("\nflags"), text.find('\n', text.find("\nflags") + 1) - text.find("\nflags"));
    const bool has_virt = contains(flags + " ", " vmx ") || contains(flags + " ", " svm ");

    Run r = run({"check"});
    INFO(r.out << r.err);
    CHECK(r.err.empty());
    CHECK(contains(r.out, "checking / (this machine)\n"));
    // libvirt is asked either way; whether a daemon runs decides PASS or WARN, never a crash.
    CHECK((contains(r.out, "PASS  libvirt.connect") || contains(r.out, "WARN  libvirt.connect")));
    if (has_virt) {
        CHECK(contains(r.out, "PASS  cpu.virt"));
    } else {
        // The verdict this machine must get: it cannot run nested guests.
        CHECK(r.code == to_int(ExitCode::not_ready));
        CHECK(contains(r.out, "FAIL  cpu.virt"));
        CHECK(contains(r.out, "verdict: not ready: nested guests cannot run here"));
        if (contains(text, "AuthenticAMD")) {
            CHECK(contains(
                r.out,
                "no svm flag in /proc/cpuinfo: the hypervisor running this virtual machine does "
                "not pass AMD-V through"));
            CHECK(contains(r.out, "FAIL  kvm.module"));
        }
        CHECK_FALSE(contains(r.out, "PASS  libvirt.nested"));
    }
}

// The fixture path depends on the checkout; the goldens say xml-fixtures/.
std::string relative_paths(std::string text) {
    const std::string dir = std::string(VIRTNEST_FIXTURES_DIR);
    for (std::size_t at = text.find(dir); at != std::string::npos; at = text.find(dir, at)) {
        text.replace(at, dir.size(), "xml-fixtures");
    }
    return text;
}

TEST_CASE("cmd_check: every fixture host gives its golden text and JSON", "[cmd_check]") {
    // Set VIRTNEST_UPDATE_GOLDEN=1 to write them afresh (then review the diff).
    const bool regenerate = std::getenv("VIRTNEST_UPDATE_GOLDEN") != nullptr;
    std::vector<std::filesystem::path> trees;
    for (const auto& entry : std::filesystem::directory_iterator(fixture(""))) {
        if (entry.is_directory()) {
            trees.push_back(entry.path());
        }
    }
    std::sort(trees.begin(), trees.end());
    REQUIRE(trees.size() >= 20);
    for (const std::filesystem::path& tree : trees) {
        INFO(tree.filename().string());
        Run text = run({"check", "--root", tree.string()});
        Run json = run({"check", "--root", tree.string(), "--json"});
        CHECK(text.code == json.code);
        const std::string base = tree.string();
        std::string shown_text = relative_paths(text.out);
        std::string shown_json = relative_paths(json.out);
        if (regenerate) {
            test_support::spit(base + ".check.txt", shown_text);
            test_support::spit(base + ".check.json",
                               nlohmann::json::parse(shown_json)["hosts"][0]["check"].dump(2) +
                                   "\n");
        }
        CHECK(shown_text == test_support::slurp(base + ".check.txt"));
        // The golden file holds the check report, the envelope's hosts[0].check.
        CHECK(nlohmann::json::parse(shown_json)["hosts"][0]["check"] ==
              nlohmann::json::parse(test_support::slurp(base + ".check.json")));
    }
}

TEST_CASE("cmd_check: --color paints the verdicts, never the JSON", "[cmd_check]") {
    const std::string root = fixture("intel-nested-off").string();
    Run always = run({"--color", "always", "check", "--root", root});
    REQUIRE_THAT(always.out, Catch::Matchers::Contains("\033[31mFAIL\033[0m"));
    REQUIRE_THAT(always.out, Catch::Matchers::Contains("\033[32mPASS\033[0m"));
    REQUIRE(run({"--color", "never", "check", "--root", root}).out.find('\033') ==
            std::string::npos);
    REQUIRE(run({"check", "--root", root}).out.find('\033') == std::string::npos); // no terminal
    REQUIRE(run({"--color", "always", "check", "--root", root, "--json"}).out.find('\033') ==
            std::string::npos);
}
