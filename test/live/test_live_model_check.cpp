// SPDX-License-Identifier: GPL-2.0-or-later
// --model checked against libvirt's CPU models for the host, before any domain is read.
#include "live_fixture.hpp"

#include "virtnest/live/live_model_check.hpp"
#include "virtnest/util/error.hpp"

#include <catch2/catch.hpp>

using namespace virtnest;

TEST_CASE("live_model_check: the reason names the model, host and a close one",
          "[live_model_check]") {
    const std::vector<std::string> known = {"Haswell", "Skylake-Server", "EPYC", "qemu64"};
    REQUIRE_FALSE(unknown_model_reason("Haswell", "x86_64", "qemu:///system", known));
    SECTION("a typo gets a did-you-mean") {
        REQUIRE(unknown_model_reason("Skylake-Sever", "x86_64", "qemu:///system", known) ==
                "unknown CPU model \"Skylake-Sever\": libvirt on \"qemu:///system\" knows no "
                "such x86_64 model; did you mean \"Skylake-Server\"?");
    }
    SECTION("names are case-sensitive, as libvirt's are") {
        REQUIRE(unknown_model_reason("haswell", "x86_64", "", known) ==
                "unknown CPU model \"haswell\": libvirt on libvirt's default connection knows "
                "no such x86_64 model; did you mean \"Haswell\"?");
    }
    SECTION("nothing close: no suggestion") {
        REQUIRE(unknown_model_reason("Cortex-A72", "x86_64", "qemu:///system", known) ==
                "unknown CPU model \"Cortex-A72\": libvirt on \"qemu:///system\" knows no such "
                "x86_64 model");
    }
}

TEST_CASE("live_model_check: libvirt's test driver is asked for its models", "[live_model_check]") {
    Connection conn = Connection::open(live_test::fleet_uri());
    std::optional<std::vector<std::string>> models = conn.cpu_model_names("x86_64");
    REQUIRE(models);
    REQUIRE(std::find(models->begin(), models->end(), "Haswell") != models->end());
    REQUIRE_NOTHROW(require_known_model(conn, "Haswell"));
    try {
        require_known_model(conn, "Haswel");
        FAIL("a misspelt model was accepted");
    } catch (const Error& e) {
        REQUIRE(to_int(e.code()) == to_int(ExitCode::usage));
        REQUIRE_THAT(e.what(), Catch::Matchers::StartsWith("unknown CPU model \"Haswel\": "));
        REQUIRE_THAT(e.what(), Catch::Matchers::EndsWith("; did you mean \"Haswell\"?"));
    }
}
