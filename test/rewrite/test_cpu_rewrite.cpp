// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/rewrite/cpu_rewrite.hpp"
#include "virtnest/util/error.hpp"

#include <catch2/catch.hpp>

using namespace virtnest;

namespace {

std::string domain(const std::string& cpu, const std::string& arch = "x86_64",
                   const std::string& features = "") {
    return "<domain type='kvm'>\n  <name>vm</name>\n  <os>\n    <type arch='" + arch +
           "'>hvm</type>\n  </os>\n" + features + cpu + "  <clock offset='utc'/>\n</domain>\n";
}

RewriteRequest enable(CpuMode mode) {
    RewriteRequest request;
    request.mode = mode;
    return request;
}

RewriteRequest disable() {
    RewriteRequest request;
    request.nesting = Nesting::disable;
    return request;
}

using Lines = std::vector<std::string>;

} // namespace

TEST_CASE("cpu_rewrite: names of modes and features", "[cpu_rewrite]") {
    REQUIRE(to_string(CpuMode::host_passthrough) == "host-passthrough");
    REQUIRE(parse_cpu_mode("host-model") == CpuMode::host_model);
    REQUIRE(parse_cpu_mode("maximum") == CpuMode::maximum);
    REQUIRE_FALSE(parse_cpu_mode("none").has_value());
    REQUIRE_FALSE(parse_cpu_mode("Host-Model").has_value());
    REQUIRE(parse_nest_feature("svm") == NestFeature::svm);
    REQUIRE_FALSE(parse_nest_feature("VMX").has_value());
    REQUIRE(feature_for(Vendor::intel) == NestFeature::vmx);
    REQUIRE(feature_for(Vendor::amd) == NestFeature::svm);
}

TEST_CASE("cpu_rewrite: an unchanged document comes back byte for byte", "[cpu_rewrite]") {
    // Hand-written layout, double quotes and a comment: untouched when nothing changes.
    std::string xml = "<domain type=\"kvm\"><name>vm</name><!-- keep -->\n"
                      "<cpu mode=\"host-passthrough\"   check=\"none\"/></domain>";
    RewriteResult result = rewrite_cpu(xml, enable(CpuMode::host_passthrough));
    REQUIRE_FALSE(result.changed);
    REQUIRE(result.xml == xml);
    REQUIRE(result.changes.empty());
    REQUIRE(result.warnings.empty());
}

TEST_CASE("cpu_rewrite: mode transitions list each change", "[cpu_rewrite]") {
    std::string custom = domain("  <cpu mode='custom' match='exact' check='partial'>\n"
                                "    <model fallback='forbid'>Haswell</model>\n"
                                "    <vendor>Intel</vendor>\n"
                                "    <feature policy='disable' name='vmx'/>\n"
                                "  </cpu>\n");
    SECTION("custom to host-passthrough") {
        RewriteResult result = rewrite_cpu(custom, enable(CpuMode::host_passthrough));
        REQUIRE(result.changed);
        REQUIRE(result.changes ==
                Lines{"mode: custom -> host-passthrough",
                      "removed <model fallback='forbid'>Haswell</model>",
                      "removed <vendor>Intel</vendor>", "removed match='exact' from <cpu>",
                      "removed <feature policy='disable' name='vmx'/> (it blocks nesting)"});
        REQUIRE(result.xml == domain("  <cpu mode='host-passthrough' check='partial'/>\n"));
    }
    SECTION("custom stays custom: the blocking policy becomes require") {
        RewriteResult result = rewrite_cpu(custom, enable(CpuMode::custom));
        REQUIRE(result.changes == Lines{"feature vmx: disable -> require"});
    }
    SECTION("custom to another model of the other vendor") {
        RewriteRequest request = enable(CpuMode::custom);
        request.model = "EPYC";
        RewriteResult result = rewrite_cpu(custom, request);
        REQUIRE(result.changes ==
                Lines{"model: Haswell -> EPYC", "added <feature policy='require' name='svm'/>"});
        REQUIRE(result.warnings.empty());
    }
    SECTION("host-passthrough with migratable and cache passthrough to host-model") {
        std::string xml = domain("  <cpu mode='host-passthrough' migratable='on'>\n"
                                 "    <cache mode='passthrough'/>\n  </cpu>\n");
        RewriteResult result = rewrite_cpu(xml, enable(CpuMode::host_model));
        REQUIRE(result.changes == Lines{"mode: host-passthrough -> host-model",
                                        "removed migratable='on' from <cpu>",
                                        "removed <cache mode='passthrough'/>"});
        REQUIRE(result.warnings ==
                Lines{"removed <cache mode='passthrough'>: libvirt accepts it only with "
                      "host-passthrough or maximum"});
        REQUIRE(result.xml == domain("  <cpu mode='host-model'/>\n"));
    }
    SECTION("every cache passthrough goes, not only the first (found by fuzzing)") {
        std::string xml = domain("  <cpu mode='host-passthrough'>\n"
                                 "    <cache mode='passthrough'/>\n"
                                 "    <cache mode='passthrough'/>\n  </cpu>\n");
        RewriteResult result = rewrite_cpu(xml, enable(CpuMode::host_model));
        REQUIRE(result.xml == domain("  <cpu mode='host-model'/>\n"));
        REQUIRE(result.warnings.size() == 1);
    }
    SECTION("no <cpu> gets one between <features> and <clock>") {
        std::string xml = domain("", "x86_64", "  <features>\n    <acpi/>\n  </features>\n");
        RewriteResult result = rewrite_cpu(xml, enable(CpuMode::host_passthrough));
        REQUIRE(result.changes == Lines{"added <cpu mode='host-passthrough'>"});
        REQUIRE(result.xml == domain("  <cpu mode='host-passthrough'/>\n", "x86_64",
                                     "  <features>\n    <acpi/>\n  </features>\n"));
    }
    SECTION("without a mode in the request, enable keeps the domain's mode") {
        RewriteRequest request;
        RewriteResult result = rewrite_cpu(custom, request);
        REQUIRE(result.changes == Lines{"feature vmx: disable -> require"});
    }
}

TEST_CASE("cpu_rewrite: which feature custom mode requires", "[cpu_rewrite]") {
    auto with_model = [](const std::string& model, const std::string& extra = "") {
        return domain("  <cpu mode='custom' match='exact'>\n    <model>" + model + "</model>\n" +
                      extra + "  </cpu>\n");
    };
    SECTION("--feature wins, with a warning when it contradicts the model") {
        RewriteRequest request = enable(CpuMode::custom);
        request.feature = NestFeature::svm;
        RewriteResult result = rewrite_cpu(with_model("Skylake-Server"), request);
        REQUIRE(result.changes == Lines{"added <feature policy='require' name='svm'/>"});
        REQUIRE(result.warnings == Lines{"feature svm does not match CPU model \"Skylake-Server\" "
                                         "(Intel, which uses vmx)"});
    }
    SECTION("--vendor decides for a generic model") {
        RewriteRequest request = enable(CpuMode::custom);
        request.vendor = Vendor::amd;
        RewriteResult result = rewrite_cpu(with_model("qemu64"), request);
        REQUIRE(result.changes == Lines{"added <feature policy='require' name='svm'/>"});
    }
    SECTION("the domain's <vendor> decides for a generic model") {
        RewriteResult result = rewrite_cpu(with_model("qemu64", "    <vendor>AMD</vendor>\n"),
                                           enable(CpuMode::custom));
        REQUIRE(result.changes == Lines{"added <feature policy='require' name='svm'/>"});
    }
    SECTION("a generic model without any hint is refused") {
        REQUIRE_THROWS_WITH(rewrite_cpu(with_model("qemu64"), enable(CpuMode::custom)),
                            "cannot tell whether domain \"vm\" needs vmx or svm: CPU model "
                            "\"qemu64\" belongs to no vendor; pass --feature vmx|svm or --vendor "
                            "intel|amd");
    }
    SECTION("duplicates collapse into one required entry") {
        std::string xml = with_model("Haswell", "    <feature policy='optional' name='vmx'/>\n"
                                                "    <feature policy='require' name='vmx'/>\n");
        RewriteResult result = rewrite_cpu(xml, enable(CpuMode::custom));
        REQUIRE(result.changes ==
                Lines{"removed <feature policy='require' name='vmx'/> (duplicate)",
                      "feature vmx: optional -> require"});
    }
    SECTION("force already enables the feature") {
        std::string xml = with_model("Haswell", "    <feature policy='force' name='vmx'/>\n");
        REQUIRE_FALSE(rewrite_cpu(xml, enable(CpuMode::custom)).changed);
    }
}

TEST_CASE("cpu_rewrite: disable is the hardening inverse", "[cpu_rewrite]") {
    SECTION("a known vendor disables its feature only") {
        std::string xml = domain("  <cpu mode='custom'>\n    <model>EPYC</model>\n"
                                 "    <feature policy='require' name='svm'/>\n  </cpu>\n");
        RewriteResult result = rewrite_cpu(xml, disable());
        REQUIRE(result.changes == Lines{"feature svm: require -> disable"});
    }
    SECTION("an unknown vendor disables both") {
        RewriteResult result = rewrite_cpu(domain("  <cpu mode='host-model'/>\n"), disable());
        REQUIRE(result.changes == Lines{"added <feature policy='disable' name='vmx'/>",
                                        "added <feature policy='disable' name='svm'/>"});
    }
    SECTION("forbid already blocks") {
        std::string xml = domain("  <cpu mode='host-passthrough'>\n"
                                 "    <feature policy='forbid' name='vmx'/>\n  </cpu>\n");
        RewriteRequest request = disable();
        request.feature = NestFeature::vmx;
        REQUIRE_FALSE(rewrite_cpu(xml, request).changed);
    }
    SECTION("the hypervisor's default CPU cannot carry a disabled feature") {
        REQUIRE_THROWS_WITH(rewrite_cpu(domain(""), disable()),
                            "cannot disable nesting in domain \"vm\": it uses the hypervisor's "
                            "default CPU; pass --mode host-passthrough, --mode host-model or "
                            "--mode custom --model NAME");
    }
}

TEST_CASE("cpu_rewrite: architectures other than x86", "[cpu_rewrite]") {
    SECTION("ppc64 turns nested-hv on, inside existing <features>") {
        std::string xml =
            domain("", "ppc64", "  <features>\n    <nested-hv state='off'/>\n  </features>\n");
        RewriteResult result = rewrite_cpu(xml, RewriteRequest{});
        REQUIRE(result.changes == Lines{"nested-hv: off -> on"});
    }
    SECTION("ppc64 nested-hv without a state is on") {
        std::string xml = domain("", "ppc64", "  <features>\n    <nested-hv/>\n  </features>\n");
        REQUIRE_FALSE(rewrite_cpu(xml, RewriteRequest{}).changed);
        REQUIRE(rewrite_cpu(xml, disable()).changes == Lines{"nested-hv: on -> off"});
    }
    SECTION("ppc64 nests only on pseries; disabling works on any machine") {
        std::string powernv = "<domain type='kvm'>\n  <name>vm</name>\n  <os>\n    <type "
                              "arch='ppc64' machine='powernv9'>hvm</type>\n  </os>\n</domain>\n";
        REQUIRE_THROWS_WITH(rewrite_cpu(powernv, RewriteRequest{}),
                            "cannot enable nesting in domain \"vm\": nested-hv exists only on "
                            "pseries machines, and its machine is \"powernv9\"; use "
                            "machine='pseries'");
        REQUIRE_FALSE(rewrite_cpu(powernv, disable()).changed);
        std::string versioned = powernv;
        versioned.replace(versioned.find("powernv9"), 8, "pseries-7.2");
        REQUIRE(rewrite_cpu(versioned, RewriteRequest{}).changes ==
                Lines{"added <nested-hv state='on'/> to <features>"});
    }
    SECTION("ppc64 host-model keeps its compatibility model and never gets vmx") {
        std::string xml =
            domain("  <cpu mode='host-model'>\n    <model>power9</model>\n  </cpu>\n", "ppc64");
        RewriteRequest request = enable(CpuMode::host_model);
        request.feature = NestFeature::vmx;
        RewriteResult result = rewrite_cpu(xml, request);
        REQUIRE(result.changes == Lines{"added <nested-hv state='on'/> to <features>"});
        REQUIRE(
            result.warnings ==
            Lines{"feature vmx ignored: domain \"vm\" is ppc64, and vmx/svm exist only on x86"});
        REQUIRE(result.xml.find("<model>power9</model>") != std::string::npos);
    }
    SECTION("s390x changes mode only and warns about the host") {
        std::string xml =
            domain("  <cpu mode='custom'>\n    <model>z13</model>\n  </cpu>\n", "s390x");
        RewriteResult result = rewrite_cpu(xml, enable(CpuMode::host_model));
        REQUIRE(result.changes ==
                Lines{"mode: custom -> host-model", "removed <model>z13</model>"});
        REQUIRE(result.warnings ==
                Lines{"s390x guests nest only when the host's kvm module has nested=1"});
    }
    SECTION("aarch64 cannot nest in libvirt 9") {
        REQUIRE_THROWS_WITH(rewrite_cpu(domain("", "aarch64"), enable(CpuMode::host_passthrough)),
                            "cannot enable nesting in domain \"vm\": libvirt 9 cannot express "
                            "nested virtualization for aarch64 guests");
        RewriteResult result = rewrite_cpu(domain("", "aarch64"), disable());
        REQUIRE_FALSE(result.changed);
        REQUIRE(result.warnings ==
                Lines{"aarch64 guests cannot nest with libvirt 9; nothing to disable"});
    }
    SECTION("TCG cannot run host-passthrough") {
        std::string xml = "<domain type='qemu'><name>vm</name></domain>";
        REQUIRE(rewrite_cpu(xml, enable(CpuMode::host_passthrough)).warnings ==
                Lines{"domain \"vm\" uses TCG (type='qemu'), where QEMU offers host-passthrough "
                      "only with KVM; use --mode maximum or custom"});
        REQUIRE(rewrite_cpu(xml, enable(CpuMode::maximum)).warnings.empty());
    }
    SECTION("i686 is x86") {
        RewriteResult result = rewrite_cpu(
            domain("  <cpu mode='custom'>\n    <model>Penryn</model>\n  </cpu>\n", "i686"),
            enable(CpuMode::custom));
        REQUIRE(result.changes == Lines{"added <feature policy='require' name='vmx'/>"});
    }
}

TEST_CASE("cpu_rewrite: bad input is refused with a reason", "[cpu_rewrite]") {
    SECTION("malformed XML") {
        REQUIRE_THROWS_WITH(rewrite_cpu("<domain>\n<cpu></domain>", enable(CpuMode::host_model)),
                            "cannot parse domain XML: line 2, column 8: start-end tags mismatch");
    }
    SECTION("a named source") {
        REQUIRE_THROWS_WITH(rewrite_cpu("<domain", enable(CpuMode::host_model), "file \"a.xml\""),
                            Catch::Matchers::StartsWith("cannot parse file \"a.xml\": line 1"));
    }
    SECTION("custom without a model") {
        REQUIRE_THROWS_WITH(rewrite_cpu(domain(""), enable(CpuMode::custom)),
                            "cannot use custom mode for domain \"vm\": it names no CPU model; pass "
                            "--model NAME (for example --model Skylake-Server or --model EPYC)");
    }
    SECTION("an unknown model gets a hint") {
        RewriteRequest request = enable(CpuMode::custom);
        request.model = "Skylake-Sever";
        REQUIRE_THROWS_WITH(rewrite_cpu(domain(""), request),
                            "unknown CPU model \"Skylake-Sever\" for domain \"vm\"; did you mean "
                            "\"Skylake-Server\"?");
    }
    SECTION("two <cpu> elements") {
        std::string xml = "<domain><name>vm</name><cpu/><cpu/></domain>";
        REQUIRE_THROWS_WITH(rewrite_cpu(xml, enable(CpuMode::host_model)),
                            "cannot rewrite domain \"vm\": it has more than one <cpu> element");
    }
    SECTION("none is not a target") {
        REQUIRE_THROWS_AS(rewrite_cpu(domain(""), enable(CpuMode::none)), Error);
    }
    SECTION("an unknown mode in the document, kept by disable") {
        REQUIRE_THROWS_WITH(rewrite_cpu("<domain><cpu mode='bogus'/></domain>", disable()),
                            "cannot rewrite the domain: unknown CPU mode \"bogus\"; pass --mode");
    }
}

TEST_CASE("cpu_rewrite: secrets and everything outside <cpu> are kept", "[cpu_rewrite]") {
    std::string xml = domain("  <cpu mode='host-model'/>\n");
    xml.insert(xml.find("</domain>"),
               "  <devices>\n    <graphics type='vnc' passwd='a&amp;b&apos;c'/>\n  </devices>\n");
    RewriteResult result = rewrite_cpu(xml, enable(CpuMode::host_passthrough));
    REQUIRE(result.xml.find("<graphics type='vnc' passwd='a&amp;b&apos;c'/>") != std::string::npos);
    REQUIRE(result.warnings.empty());
    SECTION("a model outside custom mode is ignored with a warning") {
        RewriteRequest request = enable(CpuMode::host_passthrough);
        request.model = "EPYC";
        REQUIRE(rewrite_cpu(xml, request).warnings ==
                Lines{"model \"EPYC\" ignored: a model is used only in custom mode"});
    }
}

TEST_CASE("cpu_rewrite: Windows guests are recognised by metadata, features or flag",
          "[cpu_rewrite]") {
    auto with_metadata = [](const std::string& os_id) {
        return "<domain type='kvm'>\n  <name>vm</name>\n  <metadata>\n    <osinfo:libosinfo "
               "xmlns:osinfo='http://libosinfo.org/xmlns/libvirt/domain/1.0'>\n      "
               "<osinfo:os id='" +
               os_id +
               "'/>\n    </osinfo:libosinfo>\n  </metadata>\n  <os>\n    <type "
               "arch='x86_64'>hvm</type>\n  </os>\n  <cpu mode='host-passthrough'/>\n</domain>\n";
    };
    RewriteRequest request = enable(CpuMode::host_passthrough);
    request.vendor = Vendor::intel;
    SECTION("libosinfo naming a Microsoft OS, whatever the prefix") {
        RewriteResult result = rewrite_cpu(with_metadata("http://microsoft.com/win/2k22"), request);
        REQUIRE(result.xml.find("<features>\n    <hyperv mode='custom'>") != std::string::npos);
        REQUIRE(result.changes == Lines{"added <hyperv mode='custom'> to <features>",
                                        "added <vapic state='on'/> to <hyperv>",
                                        "added <evmcs state='on'/> to <hyperv>"});
    }
    SECTION("another OS: nothing outside <cpu>") {
        RewriteResult result =
            rewrite_cpu(with_metadata("http://fedoraproject.org/fedora/39"), request);
        REQUIRE_FALSE(result.changed);
    }
    SECTION("--guest-os other wins over the metadata") {
        request.guest_os = GuestOs::other;
        REQUIRE_FALSE(rewrite_cpu(with_metadata("http://microsoft.com/win/11"), request).changed);
    }
    SECTION("hyperv mode='passthrough' already has every enlightenment") {
        std::string xml = domain("  <cpu mode='host-passthrough'/>\n", "x86_64",
                                 "  <features>\n    <hyperv mode='passthrough'/>\n  </features>\n");
        REQUIRE_FALSE(rewrite_cpu(xml, request).changed);
    }
    SECTION("disable removes evmcs only when on") {
        std::string xml = domain("  <cpu mode='host-passthrough'/>\n", "x86_64",
                                 "  <features>\n    <hyperv mode='custom'>\n      <vapic "
                                 "state='on'/>\n      <evmcs state='off'/>\n    </hyperv>\n  "
                                 "</features>\n");
        RewriteRequest off = disable();
        off.vendor = Vendor::intel;
        RewriteResult result = rewrite_cpu(xml, off);
        REQUIRE(result.xml.find("<evmcs state='off'/>") != std::string::npos);
        REQUIRE(result.changes == Lines{"added <feature policy='disable' name='vmx'/>"});
    }
    SECTION("a repeated <evmcs> goes in one run, so a second run changes nothing") {
        std::string xml = domain("  <cpu mode='host-passthrough'/>\n", "x86_64",
                                 "  <features>\n    <hyperv mode='custom'>\n      <evmcs "
                                 "state='on'/>\n      <evmcs state='on'/>\n    </hyperv>\n  "
                                 "</features>\n");
        RewriteRequest amd = enable(CpuMode::host_passthrough);
        amd.vendor = Vendor::amd;
        RewriteRequest off = disable();
        off.vendor = Vendor::intel;
        for (const RewriteRequest& each : {amd, off}) {
            RewriteResult first = rewrite_cpu(xml, each);
            REQUIRE(first.xml.find("evmcs") == std::string::npos);
            RewriteResult second = rewrite_cpu(first.xml, each);
            REQUIRE_FALSE(second.changed);
            REQUIRE(second.xml == first.xml);
        }
    }
}
