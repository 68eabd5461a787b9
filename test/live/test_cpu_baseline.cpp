// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/live/cpu_baseline.hpp"
#include "virtnest/util/error.hpp"

#include <catch2/catch.hpp>

using namespace virtnest;

namespace {

const char* k_intel_domcaps = R"(<domainCapabilities>
  <path>/usr/bin/qemu-system-x86_64</path><domain>kvm</domain><arch>x86_64</arch>
  <cpu>
    <mode name='host-passthrough' supported='yes'/>
    <mode name='host-model' supported='yes'>
      <model fallback='forbid'>Skylake-Client-IBRS</model>
      <vendor>Intel</vendor>
      <feature policy='require' name='ss'/>
      <feature policy='disable' name='vmx'/>
    </mode>
  </cpu>
</domainCapabilities>)";

const char* k_amd_host_caps = R"(<capabilities><host><uuid>x</uuid>
  <cpu><arch>x86_64</arch><model>EPYC-Rome</model><vendor>AMD</vendor>
  <feature name='x2apic'/></cpu></host></capabilities>)";

} // namespace

TEST_CASE("cpu_baseline: inputs from domain capabilities, host capabilities, <cpu>",
          "[cpu_baseline]") {
    BaselineInput intel = baseline_input("intel.xml", k_intel_domcaps);
    REQUIRE(intel.vendor == Vendor::intel);
    REQUIRE(intel.cpu_xml.find("Skylake-Client-IBRS") != std::string::npos);

    BaselineInput amd = baseline_input("amd.xml", k_amd_host_caps);
    REQUIRE(amd.vendor == Vendor::amd);
    REQUIRE(amd.cpu_xml.find("<cpu>") == 0);
    REQUIRE(amd.cpu_xml.find("x2apic") != std::string::npos);

    BaselineInput bare = baseline_input("cpu.xml", "<cpu><model>Haswell</model></cpu>");
    REQUIRE(bare.vendor == Vendor::intel); // from the model

    REQUIRE_THROWS_WITH(baseline_input("dom.xml", "<domain/>"),
                        "cannot find a CPU in \"dom.xml\": expected <cpu>, host <capabilities> "
                        "or <domainCapabilities>, not <domain>");
    REQUIRE_THROWS_WITH(baseline_input("bad.xml", "<cpu>"),
                        Catch::StartsWith("cannot parse CPU definition \"bad.xml\""));
}

TEST_CASE("cpu_baseline: mixed vendors are refused with the reason", "[cpu_baseline]") {
    std::vector<BaselineInput> inputs{baseline_input("qemu+ssh://a/system", k_intel_domcaps),
                                      baseline_input("qemu+ssh://b/system", k_amd_host_caps)};
    REQUIRE_THROWS_WITH(common_vendor(inputs),
                        Catch::StartsWith("cannot compute one CPU for mixed vendors: "
                                          "\"qemu+ssh://a/system\" is Intel, "
                                          "\"qemu+ssh://b/system\" is AMD; a guest cannot "
                                          "live-migrate between Intel and AMD hosts"));
    inputs.pop_back();
    REQUIRE(common_vendor(inputs) == Vendor::intel);
    inputs.push_back({"odd", "<cpu><model>qemu64</model></cpu>", std::nullopt});
    REQUIRE_THROWS_WITH(common_vendor(inputs), Catch::StartsWith("cannot tell the CPU vendor of "
                                                                 "\"odd\""));
    REQUIRE_THROWS_WITH(common_vendor({}), Catch::Contains("no host"));
}

TEST_CASE("cpu_baseline: the nesting feature is required, disables dropped", "[cpu_baseline]") {
    std::string intel = with_nesting("<cpu mode='custom' match='exact'><model>Haswell</model>"
                                     "<feature policy='disable' name='vmx'/></cpu>",
                                     Vendor::intel);
    REQUIRE(intel.find("<feature policy='require' name='vmx'/>") != std::string::npos);
    REQUIRE(intel.find("disable") == std::string::npos);

    std::string epyc =
        with_nesting("<cpu mode='custom' match='exact'><model>EPYC</model></cpu>", Vendor::amd);
    REQUIRE(epyc.find("name='svm'") != std::string::npos);
    REQUIRE(epyc.find("<feature policy='require' name='npt'/>") != std::string::npos);
    std::string rome =
        with_nesting("<cpu mode='custom'><model>EPYC-Rome</model></cpu>", Vendor::amd);
    REQUIRE(rome.find("npt") == std::string::npos); // EPYC-Rome carries it
    std::string milan = with_nesting("<cpu mode='custom'><model>EPYC-Milan</model><feature "
                                     "policy='disable' name='npt'/></cpu>",
                                     Vendor::amd);
    REQUIRE(milan.find("<feature policy='require' name='npt'/>") != std::string::npos);
    REQUIRE(milan.find("disable") == std::string::npos);
    REQUIRE_THROWS_WITH(with_nesting("<model/>", Vendor::amd),
                        "cannot use the baseline CPU: libvirt returned <model>, not <cpu>");
}

TEST_CASE("cpu_baseline: text and JSON say which host runs it", "[cpu_baseline]") {
    BaselineResult result;
    result.vendor = Vendor::amd;
    result.cpu_xml = "<cpu mode='custom'/>";
    result.checks = {{"qemu:///system", CpuCompat::superset},
                     {"qemu+ssh://old/system", CpuCompat::incompatible},
                     {"intel.xml", std::nullopt}};
    REQUIRE(render_baseline_text(result) ==
            "<cpu mode='custom'/>\n"
            "<!-- qemu:///system: runs this CPU (superset) -->\n"
            "<!-- qemu+ssh://old/system: CANNOT run this CPU -->\n"
            "<!-- intel.xml: not checked (a CPU definition, not a host) -->\n");
    nlohmann::json json = baseline_json(result);
    REQUIRE(json["feature"] == "svm");
    REQUIRE(json["checks"][1] ==
            nlohmann::json{{"source", "qemu+ssh://old/system"}, {"check", "incompatible"}});
    REQUIRE(incompatible_hosts(result) == std::vector<std::string>{"qemu+ssh://old/system"});
}
