// SPDX-License-Identifier: GPL-2.0-or-later
// `virt-nest baseline` on libvirt's test driver, which offers neither domain capabilities nor
// the hypervisor baseline: the errors say so. The real computation is system test 9.
#include "cli_capture.hpp"
#include "virtnest/util/exit_code.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

using virtnest::ExitCode;
using virtnest::to_int;

namespace {

using Run = test_support::CliRun;

Run run(const std::vector<std::string>& args) { return test_support::run_cli_captured(args); }

} // namespace

TEST_CASE("cmd_baseline: a host without domain capabilities is named", "[cmd_baseline]") {
    SECTION("-c before the subcommand") {
        Run r = run({"-c", "test:///default", "baseline"});
        REQUIRE(r.code == to_int(ExitCode::error));
        REQUIRE(r.out.empty());
        REQUIRE(r.err == "virt-nest: error: cannot read the domain capabilities of "
                         "\"test:///default\": its driver does not offer them\n");
    }
    SECTION("-c after it adds to the run's hosts") {
        Run r = run({"baseline", "-c", "test:///default"});
        REQUIRE(r.code == to_int(ExitCode::error));
        REQUIRE(r.err.find("\"test:///default\"") != std::string::npos);
    }
}

TEST_CASE("cmd_baseline: --cpus-only needs a --cpu", "[cmd_baseline]") {
    Run r = run({"-c", "test:///default", "baseline", "--cpus-only"});
    REQUIRE(r.code == to_int(ExitCode::usage));
    REQUIRE(r.err == "virt-nest: error: baseline --cpus-only needs at least one --cpu FILE\n");
}

TEST_CASE("cmd_baseline: CPU files are read and their vendors checked", "[cmd_baseline]") {
    SECTION("a missing file") {
        Run r = run(
            {"-c", "test:///default", "baseline", "--cpus-only", "--cpu", "/nonexistent/cpu.xml"});
        REQUIRE(r.code == to_int(ExitCode::error));
        REQUIRE(r.err == "virt-nest: error: cannot read CPU definition \"/nonexistent/cpu.xml\": "
                         "No such file or directory\n");
    }
    SECTION("a domain is not a CPU definition") {
        std::string dom = std::string(VIRTNEST_FIXTURES_DIR) + "/custom-keeps-model.xml";
        Run r = run({"-c", "test:///default", "baseline", "--cpus-only", "--cpu", dom});
        REQUIRE(r.code == to_int(ExitCode::error));
        REQUIRE(r.err.find("cannot find a CPU in \"" + dom +
                           "\": expected <cpu>, host "
                           "<capabilities> or <domainCapabilities>, not <domain>") !=
                std::string::npos);
    }
    SECTION("one vendor: the test driver cannot compute the baseline") {
        std::filesystem::path cpu =
            std::filesystem::temp_directory_path() / ("vn-baseline-" + std::to_string(::getpid()));
        std::ofstream(cpu) << "<cpu><arch>x86_64</arch><model>Haswell</model>"
                              "<vendor>Intel</vendor></cpu>";
        Run r = run({"-c", "test:///default", "baseline", "--cpus-only", "--cpu", cpu.string()});
        std::filesystem::remove(cpu);
        REQUIRE(r.code == to_int(ExitCode::error));
        REQUIRE(r.out.empty());
        REQUIRE(r.err == "virt-nest: error: cannot compute a baseline CPU on \"test:///default\": "
                         "its driver does not offer virConnectBaselineHypervisorCPU\n");
    }
}

TEST_CASE("cmd_baseline: enable --mode baseline stops before any domain", "[cmd_baseline]") {
    SECTION("the test driver offers no domain capabilities: exit 1, nothing read") {
        Run r = run({"enable", "--mode", "baseline", "-c", "test:///default", "test", "--dry-run"});
        REQUIRE(r.code == to_int(ExitCode::error));
        REQUIRE(r.out.empty());
        REQUIRE(r.err == "virt-nest: error: cannot read the domain capabilities of "
                         "\"test:///default\": its driver does not offer them\n");
    }
    SECTION("--model is a usage error") {
        Run r = run(
            {"-c", "test:///default", "enable", "--mode", "baseline", "--model", "EPYC", "test"});
        REQUIRE(r.code == to_int(ExitCode::usage));
        REQUIRE(r.err.find("drop --model and --feature") != std::string::npos);
    }
    SECTION("rewrite --mode baseline needs --baseline FILE") {
        Run r = run({"rewrite", "--mode", "baseline",
                     std::string(VIRTNEST_FIXTURES_DIR) + "/custom-keeps-model.xml"});
        REQUIRE(r.code == to_int(ExitCode::usage));
        REQUIRE(r.err.find("rewrite --mode baseline needs --baseline FILE") != std::string::npos);
    }
}
