// SPDX-License-Identifier: GPL-2.0-or-later
// Domain capabilities parsing over libvirt's own test data (tests/domaincapsdata,
// tests/cputestdata, fetched by scripts/fetch-test-data) and our captures in
// xml-fixtures/domcaps.
#include "libvirt_test_data.hpp"
#include "virtnest/libvirt/domain_caps.hpp"
#include "virtnest/util/error.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using virtnest::DomainCaps;
using virtnest::Vendor;

namespace {

std::string corpus(const std::string& relative) {
    return test_support::read_libvirt_test_file(relative);
}

DomainCaps domcaps(const std::string& name) {
    return virtnest::parse_domain_caps(corpus("domaincapsdata/" + name));
}

DomainCaps local_domcaps(const std::string& name) {
    std::ifstream in(fs::path(VIRTNEST_FIXTURES_DIR) / "domcaps" / name);
    REQUIRE(in.good());
    std::ostringstream ss;
    ss << in.rdbuf();
    return virtnest::parse_domain_caps(ss.str());
}

bool has_model(const DomainCaps& caps, const std::string& name, bool usable) {
    return std::any_of(
        caps.custom_models.begin(), caps.custom_models.end(),
        [&](const virtnest::CustomModel& m) { return m.name == name && m.usable == usable; });
}

} // namespace

TEST_CASE("domain_caps: this machine's KVM capabilities", "[domain_caps]") {
    DomainCaps caps = local_domcaps("localhost-qemu-7.2-kvm.x86_64.xml");
    CHECK(caps.emulator == "/usr/bin/qemu-system-x86_64");
    CHECK(caps.machine == "pc-i440fx-7.2");
    CHECK(caps.arch == "x86_64");
    CHECK(caps.virt_type == "kvm");
    CHECK(caps.host_passthrough_supported);
    CHECK(caps.host_passthrough_migratable);
    CHECK(caps.maximum_supported);
    REQUIRE(caps.host_model_supported);
    CHECK(caps.host_model_name == "kvm64");
    CHECK(caps.host_model_vendor == Vendor::intel);

    SECTION("host-model offers no nesting feature") {
        CHECK(caps.host_model_features.count("vmx") == 0);
        CHECK(caps.host_model_features.count("svm") == 0);
        CHECK(caps.host_model_features.count("hypervisor") == 1);
        CHECK(caps.host_model_features.size() == 35);
        CHECK(caps.host_model_disabled_features == std::set<std::string>{"pni"});
    }
    SECTION("custom models keep usability and vendor") {
        CHECK(caps.custom_models.size() == 53);
        CHECK(has_model(caps, "pentium3", true));
        CHECK(has_model(caps, "qemu64", false));
        CHECK(caps.custom_models.front().name == "qemu64");
        CHECK(caps.custom_models.front().vendor == "unknown");
    }
    SECTION("the host-model CPU document is ready for baselining") {
        const std::string& cpu = caps.host_model_cpu_xml;
        CHECK(cpu.rfind("<cpu mode='custom' match='exact'>\n", 0) == 0);
        CHECK(cpu.find("  <model fallback='forbid'>kvm64</model>\n") != std::string::npos);
        CHECK(cpu.find("  <vendor>Intel</vendor>\n") != std::string::npos);
        CHECK(cpu.find("<feature policy='disable' name='pni' />") != std::string::npos);
        CHECK(cpu.find("supported") == std::string::npos);
        CHECK(virtnest::enabled_features(cpu) == caps.host_model_features);
    }
}

TEST_CASE("domain_caps: this machine's TCG capabilities", "[domain_caps]") {
    DomainCaps caps = local_domcaps("localhost-qemu-7.2-tcg.x86_64.xml");
    CHECK(caps.virt_type == "qemu");
    CHECK_FALSE(caps.host_passthrough_supported);
    CHECK_FALSE(caps.host_passthrough_migratable);
    CHECK(caps.maximum_supported);
    CHECK(caps.host_model_name == "EPYC");
    CHECK(caps.host_model_vendor == Vendor::amd);
    CHECK(caps.host_model_features.count("svm") == 0);
}

TEST_CASE("domain_caps: x86 hosts with and without nesting", "[domain_caps][corpus]") {
    SECTION("Intel with nested KVM offers vmx in host-model") {
        DomainCaps caps = domcaps("qemu_5.0.0-q35.x86_64.xml");
        CHECK(caps.machine == "pc-q35-5.0");
        CHECK(caps.host_model_name == "Skylake-Client-IBRS");
        CHECK(caps.host_model_vendor == Vendor::intel);
        CHECK(caps.host_model_features.count("vmx") == 1);
    }
    SECTION("AMD EPYC-Rome without nesting offers no svm") {
        DomainCaps caps = domcaps("qemu_8.0.0.x86_64.xml");
        CHECK(caps.host_model_name == "EPYC-Rome");
        CHECK(caps.host_model_vendor == Vendor::amd);
        CHECK(caps.host_model_features.count("svm") == 0);
        CHECK(caps.host_model_features.size() == 24);
    }
}

TEST_CASE("domain_caps: a newer Intel host-model with vmx sub-features and maxphysaddr",
          "[domain_caps]") {
    DomainCaps caps = local_domcaps("host-model-vmx-maxphysaddr.xml");
    CHECK(caps.host_model_name == "GraniteRapids");
    CHECK(caps.host_model_features.count("vmx") == 1);
    CHECK(caps.host_model_features.count("vmx-tsc-scaling") == 1);
    CHECK(caps.host_model_features.size() == 5);
    CHECK(caps.host_model_disabled_features == std::set<std::string>{"mcdt-no"});
    CHECK(caps.host_model_cpu_xml.find("maxphysaddr") == std::string::npos);
    CHECK(virtnest::enabled_features(caps.host_model_cpu_xml) == caps.host_model_features);
}

TEST_CASE("domain_caps: other architectures", "[domain_caps][corpus]") {
    SECTION("s390x names no vendor") {
        DomainCaps caps = domcaps("qemu_6.0.0.s390x.xml");
        CHECK(caps.arch == "s390x");
        CHECK(caps.host_model_name == "gen15a-base");
        CHECK_FALSE(caps.host_model_vendor.has_value());
        CHECK(caps.host_model_features.count("diag318") == 1);
        CHECK(caps.host_model_cpu_xml.find("<vendor>") == std::string::npos);
    }
    SECTION("aarch64 has no host-model, and models of unknown usability count as usable") {
        DomainCaps caps = domcaps("qemu_7.0.0-virt.aarch64.xml");
        CHECK(caps.arch == "aarch64");
        CHECK_FALSE(caps.host_model_supported);
        CHECK(caps.host_model_cpu_xml.empty());
        CHECK(caps.host_model_name.empty());
        CHECK(caps.host_passthrough_supported);
        CHECK(has_model(caps, "cortex-a9", true));
    }
    SECTION("ppc64 host-model is a bare model with fallback allowed") {
        DomainCaps caps = domcaps("qemu_7.1.0.ppc64.xml");
        CHECK(caps.host_model_name == "POWER8");
        CHECK_FALSE(caps.maximum_supported);
        CHECK(caps.host_model_features.empty());
        CHECK(caps.host_model_cpu_xml == "<cpu mode='custom' match='exact'>\n  <model "
                                         "fallback='allow'>POWER8</model>\n</cpu>\n");
    }
    SECTION("Xen supports no CPU mode beyond the default") {
        DomainCaps caps = domcaps("libxl-xenfv.xml");
        CHECK(caps.virt_type == "xen");
        CHECK_FALSE(caps.host_passthrough_supported);
        CHECK_FALSE(caps.host_model_supported);
        CHECK(caps.custom_models.empty());
    }
}

TEST_CASE("domain_caps: every libvirt test file parses and its host-model round-trips",
          "[domain_caps][corpus]") {
    int parsed = 0;
    int files = 0;
    fs::path dir = test_support::libvirt_test_path("domaincapsdata");
    for (const auto& entry : fs::directory_iterator(dir)) {
        std::string name = entry.path().filename().string();
        if (entry.path().extension() != ".xml") {
            continue;
        }
        ++files;
        INFO(name);
        DomainCaps caps = domcaps(name);
        CHECK_FALSE(caps.arch.empty());
        CHECK_FALSE(caps.virt_type.empty());
        CHECK(caps.host_model_cpu_xml.empty() == !caps.host_model_supported);
        if (caps.host_model_supported) {
            CHECK(virtnest::enabled_features(caps.host_model_cpu_xml) == caps.host_model_features);
        }
        ++parsed;
    }
    CHECK(parsed == files);
    CHECK(parsed >= 60); // libvirt 9.0 has 61
}

TEST_CASE("domain_caps: enabled features of libvirt's CPU test data", "[domain_caps][corpus]") {
    SECTION("an Intel host-model derived from KVM requires vmx") {
        auto features =
            virtnest::enabled_features(corpus("cputestdata/x86_64-cpuid-Core-i7-8550U-json.xml"));
        CHECK(features.count("vmx") == 1);
        CHECK(features.size() == 14); // 16 features, hle and rtm disabled
        CHECK(features.count("hle") == 0);
    }
    SECTION("an AMD host-model with svm disabled does not enable it") {
        auto features = virtnest::enabled_features(
            corpus("cputestdata/x86_64-cpuid-EPYC-7601-32-Core-json.xml"));
        CHECK(features.count("svm") == 0);
        CHECK(features.size() == 7);
        CHECK(virtnest::enabled_features(
                  corpus("cputestdata/x86_64-cpuid-Hygon-C86-7185-32-core-json.xml"))
                  .count("svm") == 0);
    }
    SECTION("features without a policy, as in host capabilities, are enabled") {
        CHECK(virtnest::enabled_features(corpus("cputestdata/x86_64-cpuid-Xeon-Gold-6148-host.xml"))
                  .count("vmx") == 1);
        CHECK(virtnest::enabled_features(
                  corpus("cputestdata/x86_64-cpuid-EPYC-7502-32-Core-host.xml"))
                  .count("svm") == 0);
    }
}

TEST_CASE("domain_caps: enabled features of CPU definitions", "[domain_caps]") {
    SECTION("policies optional and forbid do not enable; force does") {
        auto features = virtnest::enabled_features(
            "<cpu><feature policy='optional' name='a'/><feature policy='forbid' name='b'/>"
            "<feature policy='force' name='c'/><feature name=''/></cpu>");
        CHECK(features == std::set<std::string>{"c"});
    }
    SECTION("the <cpu> of a domain or of host capabilities is found") {
        CHECK(virtnest::enabled_features(
                  "<domain><cpu><feature policy='require' name='svm'/></cpu></domain>") ==
              std::set<std::string>{"svm"});
        CHECK(virtnest::enabled_features(
                  "<capabilities><host><cpu><feature name='vmx'/></cpu></host></capabilities>") ==
              std::set<std::string>{"vmx"});
        CHECK(virtnest::enabled_features("<domain/>").empty());
    }
}

TEST_CASE("domain_caps: host vendor from libvirt's host capabilities", "[domain_caps][corpus]") {
    CHECK(virtnest::host_vendor_from_capabilities(
              corpus("cputestdata/x86_64-cpuid-Xeon-Gold-6130-host.xml")) == Vendor::intel);
    CHECK(virtnest::host_vendor_from_capabilities(
              corpus("cputestdata/x86_64-cpuid-Ryzen-9-3900X-12-Core-host.xml")) == Vendor::amd);
    CHECK(virtnest::host_vendor_from_capabilities(
              corpus("cputestdata/x86_64-cpuid-Hygon-C86-7185-32-core-host.xml")) == Vendor::amd);
}

TEST_CASE("domain_caps: host vendor from host capabilities", "[domain_caps]") {
    CHECK(virtnest::host_vendor_from_capabilities(
              "<capabilities><host><cpu><arch>x86_64</arch><vendor>Intel</vendor></cpu></host></"
              "capabilities>") == Vendor::intel);
    CHECK_FALSE(virtnest::host_vendor_from_capabilities(
                    "<capabilities><host><cpu><arch>s390x</arch></cpu></host></capabilities>")
                    .has_value());
    CHECK_FALSE(
        virtnest::host_vendor_from_capabilities("<cpu><vendor>Zhaoxin</vendor></cpu>").has_value());
}

TEST_CASE("domain_caps: bad documents are errors with a position", "[domain_caps]") {
    REQUIRE_THROWS_WITH(
        virtnest::parse_domain_caps("<domainCapabilities>\n  <cpu>\n</domainCapabilities>"),
        "cannot parse domain capabilities: line 3, column 3: start-end tags mismatch");
    REQUIRE_THROWS_WITH(
        virtnest::parse_domain_caps(""),
        "cannot parse domain capabilities: line 1, column 1: no document element found");
    REQUIRE_THROWS_WITH(
        virtnest::parse_domain_caps("<capabilities/>"),
        "cannot parse domain capabilities: root element is <capabilities>, expected "
        "<domainCapabilities>");
    REQUIRE_THROWS_WITH(virtnest::enabled_features("<cpu><feature"),
                        Catch::Matchers::StartsWith("cannot parse CPU definition: "));
    REQUIRE_THROWS_WITH(virtnest::host_vendor_from_capabilities("<capabilities>"),
                        Catch::Matchers::StartsWith("cannot parse host capabilities: "));
    REQUIRE_THROWS_AS(virtnest::parse_domain_caps("<"), virtnest::Error);
}

TEST_CASE("domain_caps: host UUID from host capabilities", "[domain_caps]") {
    CHECK(virtnest::host_uuid_from_capabilities(
              "<capabilities><host><uuid>5553bd6c-3584-4865-b18c-a6a5d6eab9b0</uuid><cpu/></host>"
              "</capabilities>") == "5553bd6c-3584-4865-b18c-a6a5d6eab9b0");
    CHECK(virtnest::host_uuid_from_capabilities("<capabilities><host><cpu/></host></capabilities>")
              .empty());
}
