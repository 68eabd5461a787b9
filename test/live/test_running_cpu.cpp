// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/live/running_cpu.hpp"
#include "virtnest/util/error.hpp"

#include <catch2/catch.hpp>

using virtnest::Answer;
using virtnest::NestFeature;
using virtnest::running_cpu_from_live_xml;

namespace {

std::string domain_with(const std::string& cpu) {
    return "<domain type='qemu'><name>g</name>" + cpu + "</domain>";
}

} // namespace

TEST_CASE("running_cpu: listed features answer for certain", "[running_cpu]") {
    SECTION("svm and npt required") {
        auto running = running_cpu_from_live_xml(
            domain_with("<cpu mode='custom' match='exact'><model>qemu64</model>"
                        "<feature policy='require' name='svm'/>"
                        "<feature policy='require' name='npt'/></cpu>"),
            NestFeature::svm);
        CHECK(running.virt == Answer::yes);
        CHECK(running.slat == Answer::yes);
        CHECK(running.source == "live XML");
        CHECK(running.detail == "svm present (listed), npt present (listed)");
    }
    SECTION("svm disabled, as the e2e guest runs before enable") {
        auto running = running_cpu_from_live_xml(
            domain_with("<cpu mode='custom' match='exact' check='full'><model>qemu64</model>"
                        "<feature policy='disable' name='svm'/></cpu>"),
            NestFeature::svm);
        CHECK(running.virt == Answer::no);
        CHECK(running.slat == Answer::unknown);
        CHECK(running.detail == "svm absent (listed), npt unknown (the model qemu64's own "
                                "features are not listed)");
    }
    SECTION("vmx forbidden, vmx-ept required") {
        auto running =
            running_cpu_from_live_xml(domain_with("<cpu mode='custom'><model>Skylake-Server</model>"
                                                  "<feature policy='forbid' name='vmx'/>"
                                                  "<feature name='vmx-ept'/></cpu>"),
                                      NestFeature::vmx);
        CHECK(running.virt == Answer::no);
        CHECK(running.slat == Answer::yes);
    }
}

TEST_CASE("running_cpu: what the live XML cannot tell is unknown", "[running_cpu]") {
    SECTION("an AMD model carries svm unlisted") {
        auto running = running_cpu_from_live_xml(
            domain_with("<cpu mode='custom'><model>EPYC</model></cpu>"), NestFeature::svm);
        CHECK(running.virt == Answer::yes);
        CHECK(running.detail == "svm present (the model EPYC carries it), npt unknown (the "
                                "model EPYC's own features are not listed)");
    }
    SECTION("an Intel model does not say whether it carries vmx") {
        auto running = running_cpu_from_live_xml(
            domain_with("<cpu mode='custom'><model>Skylake-Server</model></cpu>"),
            NestFeature::vmx);
        CHECK(running.virt == Answer::unknown);
    }
    SECTION("optional is up to the host") {
        auto running =
            running_cpu_from_live_xml(domain_with("<cpu mode='custom'><model>qemu64</model>"
                                                  "<feature policy='optional' name='svm'/></cpu>"),
                                      NestFeature::svm);
        CHECK(running.virt == Answer::unknown);
    }
    SECTION("host-passthrough records no features") {
        auto running = running_cpu_from_live_xml(
            domain_with("<cpu mode='host-passthrough' check='none'/>"), NestFeature::vmx);
        CHECK(running.virt == Answer::unknown);
        CHECK(running.slat == Answer::unknown);
        CHECK(running.detail == "CPU mode host-passthrough: libvirt records no features for it");
    }
    SECTION("no <cpu> at all") {
        auto running = running_cpu_from_live_xml(domain_with(""), NestFeature::svm);
        CHECK(running.virt == Answer::unknown);
    }
    CHECK(virtnest::to_string(Answer::unknown) == "unknown");
}

TEST_CASE("running_cpu: a promise the running vCPU does not keep", "[running_cpu]") {
    virtnest::RunningCpu running;
    running.virt = Answer::no;
    CHECK(virtnest::live_lacks_promise(true, running));
    CHECK_FALSE(virtnest::live_lacks_promise(false, running));
    running.virt = Answer::unknown;
    CHECK_FALSE(virtnest::live_lacks_promise(true, running));
    running.virt = Answer::yes;
    CHECK_FALSE(virtnest::live_lacks_promise(true, running));
}

TEST_CASE("running_cpu: malformed live XML is an error", "[running_cpu]") {
    CHECK_THROWS_AS(running_cpu_from_live_xml("<domain", NestFeature::svm), virtnest::Error);
}

TEST_CASE("running_cpu: what QEMU's monitor says", "[running_cpu]") {
    CHECK(virtnest::qom_get_command("svm") ==
          R"({"arguments":{"path":"/machine/unattached/device[0]","property":"svm"},)"
          R"("execute":"qom-get"})");
    auto running = virtnest::running_cpu_from_monitor(R"({"return":true,"id":"libvirt-9"})",
                                                      R"({"return":false})", NestFeature::svm);
    CHECK(running.virt == Answer::yes);
    CHECK(running.slat == Answer::no);
    CHECK(running.source == "QEMU monitor");
    CHECK(running.detail == "qom-get of /machine/unattached/device[0]: svm yes, npt no");
    auto refused = virtnest::running_cpu_from_monitor(
        R"({"error":{"class":"GenericError","desc":"Property not found"}})", "not json",
        NestFeature::vmx);
    CHECK(refused.virt == Answer::unknown);
    CHECK(refused.slat == Answer::unknown);
    CHECK(refused.detail ==
          "qom-get of /machine/unattached/device[0]: vmx unknown, vmx-ept unknown");
}
