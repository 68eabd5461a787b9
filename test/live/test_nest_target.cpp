// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/libvirt/domain_caps.hpp"
#include "virtnest/live/nest_target_cache.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace virtnest;

namespace {

DomainCaps fixture_caps(const std::string& name) {
    std::ifstream in(std::string(VIRTNEST_FIXTURES_DIR) + "/domcaps/" + name);
    REQUIRE(in);
    std::ostringstream text;
    text << in.rdbuf();
    return parse_domain_caps(text.str());
}

} // namespace

TEST_CASE("nest_target: this machine's TCG capabilities offer svm through EPYC", "[nest_target]") {
    DomainCaps caps = fixture_caps("localhost-qemu-7.2-tcg.x86_64.xml");
    SECTION("from the listed host-model when the baseline call is missing") {
        NestTarget target = target_from_caps(caps, std::nullopt);
        REQUIRE(target.verified);
        REQUIRE(target.vendor == Vendor::amd);
        REQUIRE(target.feature() == NestFeature::svm);
        REQUIRE_FALSE(target.host_passthrough_supported);
        REQUIRE(target.host_model_name == "EPYC");
        REQUIRE(target.offers_nesting);
        REQUIRE(target.note.empty());
    }
    SECTION("the expansion decides when there is one") {
        REQUIRE(target_from_caps(caps, std::set<std::string>{"svm", "npt"}).offers_nesting);
        REQUIRE_FALSE(target_from_caps(caps, std::set<std::string>{"npt"}).offers_nesting);
    }
}

TEST_CASE("nest_target: this machine's KVM capabilities offer no nesting", "[nest_target]") {
    DomainCaps caps = fixture_caps("localhost-qemu-7.2-kvm.x86_64.xml");
    NestTarget target = target_from_caps(caps, std::nullopt);
    REQUIRE(target.verified);
    REQUIRE(target.host_passthrough_supported);
    REQUIRE_FALSE(target.offers_nesting);
}

TEST_CASE("nest_target: the fallback is unverified and says so", "[nest_target]") {
    NestTarget tcg = fallback_target("qemu", std::nullopt);
    REQUIRE_FALSE(tcg.verified);
    REQUIRE_FALSE(tcg.host_passthrough_supported);
    REQUIRE_FALSE(tcg.feature().has_value());
    REQUIRE(
        tcg.note ==
        "host nesting support could not be verified (the driver reports no domain capabilities)");
    NestTarget kvm = fallback_target("kvm", Vendor::intel);
    REQUIRE(kvm.host_passthrough_supported);
    REQUIRE(kvm.feature() == NestFeature::vmx);
    REQUIRE(kvm.offers_nesting);
}

TEST_CASE("nest_target: the cache asks the driver once per CapsKey", "[nest_target]") {
    Connection conn = Connection::open("test:///default");
    NestTargetCache cache(conn);
    CapsKey key{"", "i686", "", "test"};
    const NestTarget& first = cache.get(key);
    const NestTarget& second = cache.get(key);
    REQUIRE(&first == &second);
    REQUIRE(cache.lookups() == 1);
    REQUIRE_FALSE(first.verified);
    cache.get(CapsKey{"", "x86_64", "", "test"});
    REQUIRE(cache.lookups() == 2);
}
