// SPDX-License-Identifier: GPL-2.0-or-later
// rewrite_cpu with a cluster baseline (`enable --mode baseline`): what the golden fixtures
// (baseline-*.xml) do not show, the refusals and the features the baseline does not decide.
#include "virtnest/rewrite/cpu_rewrite.hpp"
#include "virtnest/util/error.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace virtnest;

namespace {

std::string domain(const std::string& cpu, const std::string& arch = "x86_64",
                   const std::string& extra = "") {
    return "<domain type='kvm'><name>web-1</name><memory>1024</memory><os><type arch='" + arch +
           "' machine='pc'>hvm</type></os>" + cpu + extra + "</domain>";
}

RewriteRequest baseline(const std::string& cpu) {
    RewriteRequest request;
    request.mode = CpuMode::custom;
    request.baseline_cpu = cpu;
    return request;
}

const std::string k_intel = "<cpu mode='custom' match='exact'><model fallback='forbid'>Haswell"
                            "</model><vendor>Intel</vendor><feature policy='require' "
                            "name='vmx'/></cpu>";

} // namespace

TEST_CASE("baseline_cpu: the baseline's model and features, the rest kept", "[baseline_cpu]") {
    RewriteResult r =
        rewrite_cpu(domain("<cpu mode='custom' match='minimum'><model>EPYC</model>"
                           "<feature policy='require' name='pcid'/><feature policy='forbid' "
                           "name='vmx'/></cpu>"),
                    baseline(k_intel));
    REQUIRE(r.changed);
    REQUIRE(r.xml.find("<cpu mode='custom' match='exact' check='partial'>") != std::string::npos);
    REQUIRE(r.xml.find("<model fallback='forbid'>Haswell</model>") != std::string::npos);
    REQUIRE(r.xml.find("<feature policy='require' name='pcid'/>") != std::string::npos);
    REQUIRE(r.xml.find("<feature policy='require' name='vmx'/>") != std::string::npos);
    REQUIRE(r.xml.find("forbid' name='vmx'") == std::string::npos);
    // Applied again, nothing changes: the domain already has the baseline.
    REQUIRE_FALSE(rewrite_cpu(r.xml, baseline(k_intel)).changed);
}

TEST_CASE("baseline_cpu: refusals", "[baseline_cpu]") {
    SECTION("a baseline that is not a <cpu>") {
        REQUIRE_THROWS_WITH(rewrite_cpu(domain(""), baseline("<domain/>")),
                            "cannot use the baseline CPU: its root is <domain>, not <cpu>");
    }
    SECTION("a baseline without a model") {
        REQUIRE_THROWS_WITH(rewrite_cpu(domain(""), baseline("<cpu mode='custom'/>")),
                            "cannot use the baseline CPU: it names no <model>");
    }
    SECTION("a ppc64 domain") {
        REQUIRE_THROWS_WITH(rewrite_cpu(domain("", "ppc64le"), baseline(k_intel)),
                            "cannot give domain \"web-1\" a baseline CPU: it is ppc64le, and "
                            "baselines carry vmx/svm, which exist only on x86");
    }
    SECTION("a confidential guest, before anything else") {
        REQUIRE_THROWS_WITH(
            rewrite_cpu(domain("", "x86_64", "<launchSecurity type='sev'/>"), baseline(k_intel)),
            Catch::Contains("cannot enable nesting in domain \"web-1\""));
    }
}
