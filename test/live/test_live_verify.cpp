// SPDX-License-Identifier: GPL-2.0-or-later
#include "live_fixture.hpp"
#include "virtnest/live/live_commands.hpp"

#include <catch2/catch.hpp>

using namespace virtnest;
using live_test::record_named;

namespace {

void run_amd(const Connection& conn, const std::string& name, const std::string& features) {
    conn.create_transient("<domain type='test'><name>" + name +
                          "</name><memory>65536</memory><os><type arch='x86_64'>hvm</type></os>"
                          "<cpu mode='custom' match='exact'><model>qemu64</model><vendor>AMD"
                          "</vendor>" +
                          features + "</cpu></domain>");
}

} // namespace

TEST_CASE("live verify: the running vCPU, from the live XML", "[live_verify]") {
    Connection conn = Connection::open(live_test::fleet_uri());
    VerifyOptions options;
    SECTION("svm disabled: no, exit 4") {
        run_amd(conn, "amd-off", "<feature policy='disable' name='svm'/>");
        options.selection.patterns = {"amd-off"};
        RunOutcome outcome = verify_on(conn, options);
        REQUIRE(virtnest::to_int(outcome.exit_code) == 4);
        REQUIRE(outcome.text == "amd-off: svm=no npt=unknown (live XML: svm absent (listed), npt "
                                "unknown (the model qemu64's own features are not listed))\n");
        auto record = record_named(outcome.records, "amd-off");
        REQUIRE(record["virt"] == "no");
        REQUIRE(record["source"] == "live-xml");
        REQUIRE(record["feature"] == "svm");
    }
    SECTION("svm and npt required: yes, exit 0") {
        run_amd(conn, "amd-on",
                "<feature policy='require' name='svm'/><feature policy='require' name='npt'/>");
        options.selection.patterns = {"amd-on"};
        RunOutcome outcome = verify_on(conn, options);
        REQUIRE(virtnest::to_int(outcome.exit_code) == 0);
        REQUIRE(outcome.text ==
                "amd-on: svm=yes npt=yes (live XML: svm present (listed), npt present (listed))\n");
    }
    SECTION("a domain that is not running is unknown, exit 3") {
        options.selection.patterns = {"build-1"};
        RunOutcome outcome = verify_on(conn, options);
        REQUIRE(virtnest::to_int(outcome.exit_code) == 3);
        auto record = record_named(outcome.records, "build-1");
        REQUIRE(record["virt"] == "unknown");
        REQUIRE(record["source"] == "state");
    }
}

TEST_CASE("live verify: --monitor where the driver has no QEMU monitor", "[live_verify]") {
    Connection conn = Connection::open(live_test::fleet_uri());
    conn.create_transient("<domain type='test'><name>amd-max</name><memory>65536</memory>"
                          "<os><type arch='x86_64'>hvm</type></os><cpu mode='custom'>"
                          "<model>qemu64</model><vendor>AMD</vendor></cpu></domain>");
    VerifyOptions options;
    options.selection.patterns = {"amd-max"};
    options.monitor = true;
    RunOutcome outcome = verify_on(conn, options);
    REQUIRE(virtnest::to_int(outcome.exit_code) == 3);
    auto record = record_named(outcome.records, "amd-max");
    REQUIRE(record["virt"] == "unknown");
    REQUIRE(record["source"] == "live-xml");
    REQUIRE_THAT(record["detail"].get<std::string>(),
                 Catch::Matchers::Contains("; QEMU monitor: cannot ask the QEMU monitor of "
                                           "domain \"amd-max\""));
}
