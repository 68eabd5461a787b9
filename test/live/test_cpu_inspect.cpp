// SPDX-License-Identifier: GPL-2.0-or-later
#include "libvirt_test_data.hpp"
#include "virtnest/live/cpu_inspect.hpp"
#include "virtnest/util/error.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace virtnest;

namespace {

std::string corpus(const std::string& relative) {
    return test_support::read_libvirt_test_file(relative);
}

std::string domain_with_cpu(const std::string& cpu) {
    return "<domain type='kvm'><name>d</name><uuid>0b7a2c1e-0000-4000-8000-000000000001</uuid>"
           "<os><type arch='x86_64' machine='q35'>hvm</type></os>" +
           cpu + "<devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices></domain>";
}

} // namespace

TEST_CASE("cpu_inspect: reads mode, model, features and the caps key", "[cpu_inspect][corpus]") {
    SECTION("host-model from libvirt's test suite") {
        CpuFacts facts = inspect_cpu(corpus("qemuxml2argvdata/cpu-host-model-features.xml"));
        REQUIRE(facts.name == "QEMUGuest1");
        REQUIRE(facts.uuid == "c7a5fdbd-edaf-9455-926a-d65c16db1809");
        REQUIRE(facts.mode == CpuMode::host_model);
        REQUIRE(facts.caps_key.virt_type == "kvm");
        REQUIRE(facts.caps_key.arch == "i686");
        REQUIRE(facts.caps_key.machine == "pc");
        REQUIRE(facts.caps_key.emulator == "/usr/bin/qemu-system-i386");
        REQUIRE_FALSE(facts.vmx.has_value());
    }
    SECTION("a <cpu> without mode but with a model is custom; svm disabled is seen") {
        CpuFacts facts = inspect_cpu(corpus("qemuxml2argvdata/cpu-exact1.xml"));
        REQUIRE(facts.mode == CpuMode::custom);
        REQUIRE(facts.model == "qemu64");
        REQUIRE(facts.svm == FeaturePolicy::disable);
        REQUIRE_FALSE(passes_feature(facts, NestFeature::svm, true));
    }
    SECTION("vmx optional on a strict core2duo") {
        CpuFacts facts = inspect_cpu(corpus("qemuxml2argvdata/cpu-strict1.xml"));
        REQUIRE(facts.vmx == FeaturePolicy::optional);
        REQUIRE(passes_feature(facts, NestFeature::vmx, true));
        REQUIRE_FALSE(passes_feature(facts, NestFeature::vmx, false));
    }
    SECTION("no <cpu> at all") {
        CpuFacts facts = inspect_cpu(corpus("qemuxml2argvdata/minimal.xml"));
        REQUIRE(facts.mode == CpuMode::none);
        REQUIRE(facts.model.empty());
        REQUIRE_FALSE(passes_feature(facts, NestFeature::vmx, true));
    }
}

TEST_CASE("cpu_inspect: whether the config passes vmx/svm", "[cpu_inspect]") {
    SECTION("host-passthrough passes what the host offers") {
        CpuFacts facts = inspect_cpu(domain_with_cpu("<cpu mode='host-passthrough'/>"));
        REQUIRE(passes_feature(facts, NestFeature::vmx, true));
        REQUIRE_FALSE(passes_feature(facts, NestFeature::vmx, false));
    }
    SECTION("host-passthrough with vmx disabled does not") {
        CpuFacts facts = inspect_cpu(domain_with_cpu(
            "<cpu mode='host-passthrough'><feature policy='disable' name='vmx'/></cpu>"));
        REQUIRE_FALSE(passes_feature(facts, NestFeature::vmx, true));
        REQUIRE(passes_feature(facts, NestFeature::svm, true));
    }
    SECTION("a custom Intel model needs vmx listed") {
        CpuFacts plain = inspect_cpu(
            domain_with_cpu("<cpu mode='custom' match='exact'><model>Haswell</model></cpu>"));
        REQUIRE_FALSE(passes_feature(plain, NestFeature::vmx, true));
        CpuFacts with_vmx = inspect_cpu(domain_with_cpu(
            "<cpu mode='custom'><model>Haswell</model><feature name='vmx'/></cpu>"));
        REQUIRE(with_vmx.vmx == FeaturePolicy::require);
        REQUIRE(passes_feature(with_vmx, NestFeature::vmx, false));
    }
    SECTION("an AMD model carries svm inside the model") {
        CpuFacts facts = inspect_cpu(
            domain_with_cpu("<cpu mode='custom' match='exact'><model>EPYC</model></cpu>"));
        REQUIRE(passes_feature(facts, NestFeature::svm, true));
        REQUIRE_FALSE(passes_feature(facts, NestFeature::vmx, true));
    }
}

TEST_CASE("cpu_inspect: restart pending compares inactive and live CPUs", "[cpu_inspect]") {
    CpuFacts passthrough = inspect_cpu(domain_with_cpu("<cpu mode='host-passthrough'/>"));
    CpuFacts custom =
        inspect_cpu(domain_with_cpu("<cpu mode='custom'><model>Haswell</model></cpu>"));
    CpuFacts custom_vmx = inspect_cpu(
        domain_with_cpu("<cpu mode='custom'><model>Haswell</model><feature name='vmx'/></cpu>"));
    CpuFacts host_model = inspect_cpu(domain_with_cpu("<cpu mode='host-model'/>"));
    CpuFacts expanded = inspect_cpu(domain_with_cpu(
        "<cpu mode='custom' match='exact'><model>EPYC</model><feature name='svm'/></cpu>"));
    REQUIRE_FALSE(restart_pending(passthrough, passthrough));
    REQUIRE(restart_pending(passthrough, custom));
    REQUIRE(restart_pending(custom_vmx, custom));
    REQUIRE_FALSE(restart_pending(host_model, expanded));
}

TEST_CASE("cpu_inspect: bad input is an error with its position", "[cpu_inspect]") {
    REQUIRE_THROWS_WITH(inspect_cpu("<domain>\n<name>x</domain>"),
                        "cannot parse domain XML: line 2, column 10: start-end tags mismatch");
    REQUIRE_THROWS_WITH(inspect_cpu("<network/>"),
                        "cannot use domain XML: root element is <network>, expected <domain>");
}

TEST_CASE("cpu_inspect: s390x sief2 and confidential guests", "[cpu_inspect]") {
    auto s390x = [](const std::string& cpu) {
        return "<domain type='kvm'><name>z</name><os><type arch='s390x'>hvm</type></os>" + cpu +
               "</domain>";
    };
    SECTION("sief2 disabled or forbidden blocks nesting") {
        for (const char* policy : {"disable", "forbid"}) {
            CpuFacts facts = inspect_cpu(s390x(std::string("<cpu mode='host-model'><feature "
                                                           "policy='") +
                                               policy + "' name='sief2'/></cpu>"));
            REQUIRE(facts.sief2.has_value());
            REQUIRE(sief2_blocked(facts));
        }
    }
    SECTION("sief2 required or absent does not") {
        CpuFacts required =
            inspect_cpu(s390x("<cpu mode='custom'><model>z14</model><feature policy='require' "
                              "name='sief2'/></cpu>"));
        REQUIRE(required.sief2 == FeaturePolicy::require);
        REQUIRE_FALSE(sief2_blocked(required));
        CpuFacts absent = inspect_cpu(s390x("<cpu mode='host-model'/>"));
        REQUIRE_FALSE(absent.sief2.has_value());
        REQUIRE_FALSE(sief2_blocked(absent));
    }
    SECTION("launchSecurity is read, with or without a type") {
        REQUIRE(inspect_cpu(s390x("<launchSecurity type='s390-pv'/>")).launch_security ==
                "s390-pv");
        REQUIRE(inspect_cpu(s390x("<launchSecurity/>")).launch_security == "unknown");
        REQUIRE(inspect_cpu(s390x("")).launch_security.empty());
    }
}

TEST_CASE("cpu_inspect: the architecture's own nesting setting", "[cpu_inspect]") {
    auto on_arch = [](const std::string& arch, const std::string& rest) {
        return "<domain type='kvm'><name>p</name><os><type arch='" + arch +
               "' machine='pseries'>hvm</type></os>" + rest + "</domain>";
    };
    SECTION("ppc64 nests only with nested-hv on; no state means on") {
        CpuFacts absent = inspect_cpu(on_arch("ppc64le", "<cpu mode='host-passthrough'/>"));
        REQUIRE_FALSE(absent.nested_hv.has_value());
        REQUIRE(arch_blocks_nesting(absent));
        CpuFacts off =
            inspect_cpu(on_arch("ppc64", "<features><nested-hv state='off'/></features>"));
        REQUIRE(off.nested_hv == false);
        REQUIRE(arch_blocks_nesting(off));
        CpuFacts bare = inspect_cpu(on_arch("ppc64", "<features><nested-hv/></features>"));
        REQUIRE(bare.nested_hv == true);
        REQUIRE_FALSE(arch_blocks_nesting(bare));
        REQUIRE(arch_nest_setting(bare) == "nested-hv");
    }
    SECTION("s390x is blocked by sief2 alone") {
        CpuFacts z = inspect_cpu(on_arch("s390x", "<cpu mode='host-passthrough'><feature "
                                                  "policy='forbid' name='sief2'/></cpu>"));
        REQUIRE(arch_blocks_nesting(z));
        REQUIRE(arch_nest_setting(z) == "sief2");
    }
    SECTION("x86 has none: vmx/svm are CPU features") {
        CpuFacts x86 = inspect_cpu(domain_with_cpu("<cpu mode='host-passthrough'/>"));
        REQUIRE_FALSE(arch_blocks_nesting(x86));
        REQUIRE(arch_nest_setting(x86).empty());
    }
    SECTION("a nested-hv change is a pending restart") {
        CpuFacts on = inspect_cpu(on_arch("ppc64", "<features><nested-hv state='on'/></features>"));
        CpuFacts off =
            inspect_cpu(on_arch("ppc64", "<features><nested-hv state='off'/></features>"));
        REQUIRE(restart_pending(on, off));
        REQUIRE_FALSE(restart_pending(on, on));
    }
}

TEST_CASE("cpu_inspect: the CPU to compare on another host", "[cpu_inspect]") {
    SECTION("a custom model, as a document of its own") {
        std::string cpu = comparable_cpu_xml(domain_with_cpu(
            "<cpu mode='custom' match='exact'><model fallback='forbid'>Haswell-noTSX</model>"
            "<feature policy='require' name='vmx'/></cpu>"));
        REQUIRE(cpu == "<cpu mode='custom' match='exact'>\n  <model "
                       "fallback='forbid'>Haswell-noTSX</model>\n  <feature policy='require' "
                       "name='vmx'/>\n</cpu>\n");
    }
    SECTION("a model without a mode is custom") {
        REQUIRE_FALSE(
            comparable_cpu_xml(domain_with_cpu("<cpu><model>qemu64</model></cpu>")).empty());
    }
    SECTION("host CPUs, a model-less custom CPU and no <cpu> give nothing to compare") {
        REQUIRE(comparable_cpu_xml(domain_with_cpu("<cpu mode='host-passthrough'/>")).empty());
        REQUIRE(comparable_cpu_xml(domain_with_cpu("<cpu mode='host-model'/>")).empty());
        REQUIRE(comparable_cpu_xml(domain_with_cpu("<cpu mode='custom'/>")).empty());
        REQUIRE(comparable_cpu_xml(domain_with_cpu("")).empty());
    }
}
