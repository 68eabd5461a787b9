// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/rewrite/confidential_guest.hpp"
#include "virtnest/rewrite/cpu_rewrite.hpp"
#include "virtnest/util/error.hpp"

#include <catch2/catch.hpp>

using namespace virtnest;

namespace {

std::string guest(const std::string& security) {
    return "<domain type='kvm'>\n  <name>cvm</name>\n  <os>\n    <type arch='x86_64'>hvm</type>\n"
           "  </os>\n  <cpu mode='host-passthrough'/>\n" +
           security + "</domain>\n";
}

} // namespace

TEST_CASE("confidential_guest: every launchSecurity type is refused, by name",
          "[confidential_guest]") {
    REQUIRE_FALSE(confidential_refusal("").has_value());
    REQUIRE(confidential_refusal("sev")->find("(<launchSecurity type='sev'>, AMD SEV)") !=
            std::string::npos);
    REQUIRE(confidential_refusal("sev-snp")->find("AMD SEV-SNP") != std::string::npos);
    REQUIRE(confidential_refusal("tdx")->find("Intel TDX") != std::string::npos);
    REQUIRE(confidential_refusal("s390-pv")->find("IBM Secure Execution") != std::string::npos);
    REQUIRE(confidential_refusal("future-tee")->find("memory encryption") != std::string::npos);
}

TEST_CASE("confidential_guest: the rewrite refuses enable, allows disable",
          "[confidential_guest]") {
    RewriteRequest request;
    request.mode = CpuMode::host_passthrough;
    request.vendor = Vendor::amd;
    SECTION("enable, whatever the request says") {
        REQUIRE_THROWS_WITH(
            rewrite_cpu(guest("  <launchSecurity type='sev'/>\n"), request),
            "cannot enable nesting in domain \"cvm\": it is a confidential guest "
            "(<launchSecurity type='sev'>, AMD SEV): the hardware does not offer nested "
            "virtualization to such guests, so no option changes this");
        request.feature = NestFeature::svm;
        REQUIRE_THROWS_AS(rewrite_cpu(guest("  <launchSecurity type='tdx'/>\n"), request), Error);
    }
    SECTION("a launchSecurity without a type is refused too") {
        REQUIRE_THROWS_WITH(rewrite_cpu(guest("  <launchSecurity/>\n"), request),
                            Catch::Contains("type='unknown'"));
    }
    SECTION("disable hardens it") {
        request.nesting = Nesting::disable;
        request.mode.reset();
        RewriteResult result = rewrite_cpu(guest("  <launchSecurity type='sev'/>\n"), request);
        REQUIRE(result.changed);
        REQUIRE(result.xml.find("<feature policy='disable' name='svm'/>") != std::string::npos);
    }
    SECTION("no launchSecurity: enabled as usual") {
        REQUIRE_NOTHROW(rewrite_cpu(guest(""), request));
    }
}
