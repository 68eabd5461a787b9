// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/live/power_nesting.hpp"

#include <catch2/catch.hpp>

using virtnest::CpuFacts;
using virtnest::power_nesting;

namespace {

CpuFacts ppc64(std::optional<bool> nested_hv, const std::string& virt_type = "kvm") {
    CpuFacts facts;
    facts.name = "p9 guest";
    facts.mode = virtnest::CpuMode::host_model;
    facts.nested_hv = nested_hv;
    facts.caps_key = {"/usr/bin/qemu-system-ppc64", "ppc64le", "pseries-7.2", virt_type};
    return facts;
}

const std::string k_refused =
    "nested-hv is on, but this host's kvm_hv has nested=0: QEMU refuses to start it (\"KVM "
    "implementation does not support Nested-HV\"); `virt-nest host enable --reload`, or turn "
    "nested-hv off with `virt-nest disable 'p9 guest'`";

} // namespace

TEST_CASE("power_nesting: a ppc64 row from <nested-hv> and this host's kvm_hv", "[power_nesting]") {
    SECTION("host nested=1") {
        auto on = power_nesting(ppc64(true), true);
        REQUIRE(on);
        CHECK(on->nested);
        CHECK_FALSE(on->note);
        for (std::optional<bool> hv : {std::optional<bool>(false), std::optional<bool>()}) {
            auto off = power_nesting(ppc64(hv), true);
            REQUIRE(off);
            CHECK_FALSE(off->nested);
            CHECK_FALSE(off->note);
        }
    }
    SECTION("host nested=0") {
        auto on = power_nesting(ppc64(true), false);
        REQUIRE(on);
        CHECK_FALSE(on->nested);
        CHECK(on->note == k_refused);
        for (std::optional<bool> hv : {std::optional<bool>(false), std::optional<bool>()}) {
            auto off = power_nesting(ppc64(hv), false);
            REQUIRE(off);
            CHECK_FALSE(off->nested);
            CHECK_FALSE(off->note); // it does not ask for nesting: it starts
        }
    }
    SECTION("the host's value unknown: libvirt's view stands") {
        CHECK_FALSE(power_nesting(ppc64(true), std::nullopt));
        CHECK_FALSE(power_nesting(ppc64(std::nullopt), std::nullopt));
    }
    SECTION("other architectures and TCG are untouched") {
        CpuFacts x86 = ppc64(true);
        x86.caps_key.arch = "x86_64";
        CHECK_FALSE(power_nesting(x86, true));
        CHECK_FALSE(power_nesting(x86, false));
        CpuFacts s390 = ppc64(true);
        s390.caps_key.arch = "s390x";
        CHECK_FALSE(power_nesting(s390, false));
        CHECK_FALSE(power_nesting(ppc64(true, "qemu"), false));
        CHECK(power_nesting(ppc64(true, "test"), false)); // the test driver stands in for KVM
    }
}
