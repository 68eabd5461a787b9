// SPDX-License-Identifier: GPL-2.0-or-later
#include "host_test_support.hpp"
#include "virtnest/check/kvm_probe_verdict.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

using test_support::fixture;
using test_support::get;
using virtnest::Check;
using virtnest::CheckStatus;
using virtnest::ProbeResult;
using virtnest::ProbeStatus;

namespace {

ProbeResult ran() {
    ProbeResult probe;
    probe.status = ProbeStatus::ran;
    probe.api_version = 12;
    probe.steps = {"io", "loop", "paging"};
    probe.value = 0x2a;
    probe.exits = 2005;
    return probe;
}

ProbeResult not_ran(ProbeStatus status, std::string reason) {
    ProbeResult probe;
    probe.status = status;
    probe.reason = std::move(reason);
    return probe;
}

// The result a real machine with these files would give: a guest runs where /dev/kvm opens.
ProbeResult expected_probe(const virtnest::HostFacts& facts) {
    if (facts.kvm_device_present && !facts.kvm_device_error) {
        return ran();
    }
    return not_ran(ProbeStatus::none, "open /dev/kvm: No such file or directory");
}

} // namespace

TEST_CASE("kvm_probe_verdict: agrees with the flags on every readiness fixture",
          "[kvm_probe_verdict]") {
    int seen = 0;
    for (const auto& entry : std::filesystem::directory_iterator(fixture(""))) {
        if (!entry.is_directory()) {
            continue;
        }
        const std::string name = entry.path().filename().string();
        virtnest::RootedHostFiles files(entry.path());
        virtnest::HostFacts facts = virtnest::probe_host(files);
        std::vector<Check> flags = virtnest::host_checks(facts);
        const std::string provider = virtnest::kvm_provider(facts);
        INFO("fixture " << name);
        ++seen;
        auto consistent = virtnest::with_probe(flags, expected_probe(facts), provider);
        CHECK(virtnest::is_ready(consistent) == virtnest::is_ready(flags));
        // A guest that did not run makes any machine not ready; one that ran changes nothing.
        auto hung =
            virtnest::with_probe(flags, not_ran(ProbeStatus::hung, "io: timeout"), provider);
        CHECK_FALSE(virtnest::is_ready(hung));
        CHECK(get(hung, "kvm.probe").status == CheckStatus::fail);
        auto passed = virtnest::with_probe(flags, ran(), provider);
        CHECK(virtnest::is_ready(passed) == virtnest::is_ready(flags));
    }
    CHECK(seen >= 20);
}

TEST_CASE("kvm_probe_verdict: names the provider and what ran", "[kvm_probe_verdict]") {
    virtnest::RootedHostFiles files(fixture("amd-nested-on"));
    virtnest::HostFacts facts = virtnest::probe_host(files);
    const Check check = virtnest::probe_check(ran(), virtnest::kvm_provider(facts), true);
    CHECK(check.id == "kvm.probe");
    CHECK(check.status == CheckStatus::pass);
    CHECK(check.remedy.empty());
    CHECK(check.message ==
          "a VM ran here through /dev/kvm (KVM from kvm_amd): the five-byte real-mode guest "
          "(mov al,0x2a; out 0x10,al; hlt) wrote 0x2a to port 0x10 and halted; 2000 port-I/O "
          "exits in a loop, its count stored in guest memory; a 64-bit guest wrote through its "
          "own 4-level page tables; 2005 exits in all, KVM API 12. This proves a VM runs here, "
          "not that an OS will boot");
}

TEST_CASE("kvm_probe_verdict: under kvm_pvm a guest runs but the flags still fail",
          "[kvm_probe_verdict]") {
    virtnest::RootedHostFiles files(fixture("pvm-guest"));
    virtnest::HostFacts facts = virtnest::probe_host(files);
    CHECK(virtnest::kvm_provider(facts) == "kvm_pvm");
    auto checks = virtnest::with_probe(virtnest::host_checks(facts), ran(), "kvm_pvm");
    CHECK_FALSE(virtnest::is_ready(checks));
    const Check& probe = get(checks, "kvm.probe");
    CHECK(probe.status == CheckStatus::pass);
    CHECK_THAT(probe.message, Catch::Contains("(KVM from kvm_pvm)"));
    CHECK_THAT(probe.message,
               Catch::EndsWith("not that an OS will boot; the failing checks still stand: they "
                               "are what a full guest and hardware nesting need"));
}

TEST_CASE("kvm_probe_verdict: a guest that does not run fails the check, whatever the flags say",
          "[kvm_probe_verdict]") {
    SECTION("flags ready, no guest") {
        const Check check = virtnest::probe_check(
            not_ran(ProbeStatus::none, "KVM_CREATE_VM: Operation not supported"), "kvm_intel",
            true);
        CHECK(check.status == CheckStatus::fail);
        CHECK(check.message == "no VM could be set up through /dev/kvm (KVM from kvm_intel): "
                               "KVM_CREATE_VM: Operation not supported; the flags look right, "
                               "but no VM ran");
        CHECK_FALSE(check.remedy.empty());
    }
    SECTION("hung, wrong and crashed name what happened") {
        CHECK_THAT(
            virtnest::probe_check(not_ran(ProbeStatus::hung, "io: no exit"), "kvm_amd", false)
                .message,
            Catch::StartsWith("the tiny guest did not finish in time"));
        CHECK_THAT(
            virtnest::probe_check(not_ran(ProbeStatus::wrong, "paging: 0x0"), "kvm_amd", false)
                .message,
            Catch::StartsWith("the tiny guest ran wrongly"));
        CHECK(virtnest::probe_check(not_ran(ProbeStatus::crashed, "killed by signal 11"), "unknown",
                                    false)
                  .message == "the probe process failed (KVM from unknown): killed by signal 11");
    }
}

TEST_CASE("kvm_probe_verdict: the provider comes from the loaded kvm_* modules",
          "[kvm_probe_verdict]") {
    virtnest::HostFacts facts;
    CHECK(virtnest::kvm_provider(facts) == "unknown");
    facts.modules.push_back({"kvm", {}, false, 1, {}});
    CHECK(virtnest::kvm_provider(facts) == "unknown");
    facts.modules.push_back({"kvm_intel", {}, false, 0, {}});
    CHECK(virtnest::kvm_provider(facts) == "kvm_intel");
}
