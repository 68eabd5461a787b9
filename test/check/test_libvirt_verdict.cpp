// SPDX-License-Identifier: GPL-2.0-or-later
#include "host_test_support.hpp"
#include "libvirt_test_data.hpp"
#include "virtnest/check/libvirt_verdict.hpp"
#include "virtnest/libvirt/domain_caps.hpp"

#include <catch2/catch.hpp>

using test_support::get;
using test_support::require_remedies;
using virtnest::Check;
using virtnest::CheckStatus;

namespace {

// libvirt's tests/domaincapsdata/NAME, or for "local:NAME" our own xml-fixtures/domcaps/NAME.
virtnest::DomainCaps corpus_caps(const std::string& name) {
    const std::string local = "local:";
    if (name.rfind(local, 0) == 0) {
        return virtnest::parse_domain_caps(test_support::slurp(
            std::filesystem::path(VIRTNEST_FIXTURES_DIR) / "domcaps" / name.substr(local.size())));
    }
    return virtnest::parse_domain_caps(
        test_support::read_libvirt_test_file("domaincapsdata/" + name));
}

virtnest::LibvirtFacts reachable_with(const std::string& caps_file) {
    virtnest::LibvirtFacts facts;
    facts.uri = "qemu:///system";
    facts.reachable = true;
    facts.kvm_caps = corpus_caps(caps_file);
    return facts;
}

} // namespace

TEST_CASE("libvirt_verdict: libvirt's view of nesting", "[libvirt_verdict][corpus]") {
    using virtnest::libvirt_checks;
    SECTION("this machine's KVM host-model lacks vmx") {
        auto checks = libvirt_checks(reachable_with("local:localhost-qemu-7.2-kvm.x86_64.xml"));
        require_remedies(checks);
        CHECK(get(checks, "libvirt.connect").message == "connected to \"qemu:///system\"");
        CHECK(get(checks, "libvirt.kvm").message ==
              "libvirt runs KVM guests (x86_64, pc-i440fx-7.2, /usr/bin/qemu-system-x86_64)");
        const Check& nested = get(checks, "libvirt.nested");
        CHECK(nested.status == CheckStatus::fail);
        CHECK(nested.message ==
              "libvirt's CPU (kvm64, Intel) lacks vmx: KVM on that host does not offer "
              "nesting (host-model from domain capabilities; the driver cannot expand it)");
        CHECK(nested.remedy == "on that host: `virt-nest host enable --reload`, then check again");
        CHECK_FALSE(virtnest::is_ready(checks));
    }
    SECTION("an Intel host with nesting") {
        auto checks = libvirt_checks(reachable_with("qemu_5.0.0.x86_64.xml"));
        CHECK(get(checks, "libvirt.nested").status == CheckStatus::pass);
        CHECK(get(checks, "libvirt.nested").message ==
              "libvirt's CPU (Skylake-Client-IBRS, Intel) offers vmx: guests can run their own VMs "
              "(host-model from domain capabilities; the driver cannot expand it)");
        CHECK(virtnest::is_ready(checks));
    }
    SECTION("the expanded baseline decides over the bare host-model") {
        auto facts = reachable_with("qemu_8.0.0.x86_64.xml");
        CHECK(get(libvirt_checks(facts), "libvirt.nested").status == CheckStatus::fail);
        facts.expanded_features = std::set<std::string>{"svm", "npt"};
        CHECK(get(libvirt_checks(facts), "libvirt.nested").message ==
              "libvirt's CPU (EPYC-Rome, AMD) offers svm: guests can run their own VMs (host-model "
              "expanded "
              "by libvirt's baseline)");
        facts.expanded_features.reset();
        facts.baseline_error = "boom";
        CHECK(get(libvirt_checks(facts), "libvirt.nested").message ==
              "libvirt's CPU (EPYC-Rome, AMD) lacks svm: KVM on that host does not offer nesting "
              "(host-model "
              "from domain capabilities; expanding it failed: boom)");
    }
    SECTION("IBM Z asks for sief2; ARM has no host-model; POWER cannot tell from here") {
        CHECK(
            get(libvirt_checks(reachable_with("qemu_6.0.0.s390x.xml")), "libvirt.nested").message ==
            "libvirt's CPU (gen15a-base) lacks sief2: KVM on that host does not offer nesting "
            "(host-model "
            "from domain capabilities; the driver cannot expand it)");
        // 13.9: the versions the machine reports, and what is missing.
        auto arm_facts = reachable_with("qemu_7.0.0-virt.aarch64.xml");
        arm_facts.libvirt_version = "9.0.0";
        arm_facts.qemu_version = "7.2.0";
        auto arm_checks = libvirt_checks(arm_facts);
        const Check& arm = get(arm_checks, "libvirt.nested");
        CHECK(arm.status == CheckStatus::fail);
        CHECK(arm.message == "libvirt 9.0.0 with QEMU 7.2.0 offers no host-model CPU on aarch64, "
                             "so it cannot describe a guest CPU with nested virtualization");
        CHECK(arm.remedy.find("kvm.arm_mode") != std::string::npos);
        auto xen = reachable_with("libxl-xenfv.xml");
        CHECK(get(libvirt_checks(xen), "libvirt.nested").status == CheckStatus::warn);
        auto power = libvirt_checks(reachable_with("qemu_7.1.0.ppc64.xml"));
        CHECK(get(power, "libvirt.nested").status == CheckStatus::warn);
        CHECK(get(power, "libvirt.nested").message ==
              "libvirt does not show whether KVM on POWER offers nesting, and kvm_hv's nested on "
              "this host is unknown (see kvm.module and kvm.nested)");
    }
}

TEST_CASE("libvirt_verdict: unreachable daemons and drivers without KVM", "[libvirt_verdict]") {
    using virtnest::libvirt_checks;
    SECTION("an unreachable local daemon is a warning, a remote one a failure") {
        virtnest::LibvirtFacts local;
        local.error = "cannot connect to \"(default)\": Failed to connect socket";
        auto checks = libvirt_checks(local);
        REQUIRE(checks.size() == 1);
        CHECK(checks[0].status == CheckStatus::warn);
        CHECK(checks[0].message == "cannot connect to \"(default)\": Failed to connect socket");
        CHECK(checks[0].remedy ==
              "start the daemon (`systemctl start libvirtd`) or name one with -c URI; the "
              "other checks do not need it");
        virtnest::LibvirtFacts remote = local;
        remote.remote = true;
        CHECK(libvirt_checks(remote)[0].status == CheckStatus::fail);
    }
    SECTION("a driver without domain capabilities, and a host without KVM") {
        virtnest::LibvirtFacts facts;
        facts.uri = "test:///default";
        facts.reachable = true;
        facts.domcaps_unsupported = true;
        auto checks = libvirt_checks(facts);
        CHECK(get(checks, "libvirt.kvm").status == CheckStatus::warn);
        CHECK(checks.size() == 2);
        CHECK(get(checks, "libvirt.kvm").remedy ==
              "ask a QEMU/KVM connection, e.g. -c qemu:///system");
        facts.domcaps_unsupported = false;
        facts.kvm_caps_error = "invalid argument: KVM is not supported on this platform";
        auto no_kvm = libvirt_checks(facts);
        CHECK(get(no_kvm, "libvirt.kvm").message ==
              "libvirt cannot run KVM guests: invalid argument: KVM is not supported on this "
              "platform");
        CHECK(get(no_kvm, "libvirt.kvm").status == CheckStatus::fail);
    }
    SECTION("a read-only connection refused domain capabilities: a warning, not a failure") {
        virtnest::LibvirtFacts facts;
        facts.uri = "qemu:///system";
        facts.reachable = true;
        facts.read_only_refused = true;
        auto checks = libvirt_checks(facts);
        CHECK(checks.size() == 2);
        CHECK(get(checks, "libvirt.kvm").status == CheckStatus::warn);
        CHECK(get(checks, "libvirt.kvm").message ==
              "libvirt's view of nesting could not be verified: the read-only connection to "
              "\"qemu:///system\" may not read domain capabilities");
        CHECK(get(checks, "libvirt.kvm").remedy ==
              "run without -r/--readonly (as root or in the libvirt group)");
    }
}

TEST_CASE("libvirt_verdict: which URIs name another machine", "[libvirt_verdict]") {
    CHECK(virtnest::is_remote_uri("qemu+ssh://kvm-7/system"));
    CHECK(virtnest::is_remote_uri("qemu+tcp://10.0.0.2:16509/system"));
    CHECK_FALSE(virtnest::is_remote_uri("qemu:///system"));
    CHECK_FALSE(virtnest::is_remote_uri("qemu+unix:///system"));
    CHECK_FALSE(virtnest::is_remote_uri("qemu://localhost/system"));
    CHECK_FALSE(virtnest::is_remote_uri("test:///default"));
    CHECK_FALSE(virtnest::is_remote_uri(""));
}

TEST_CASE("libvirt_verdict: 11.27 a daemon that refuses this user is not to be started",
          "[libvirt_verdict]") {
    virtnest::LibvirtFacts local;
    local.uri = "qemu:///system";
    local.error = "cannot connect to \"qemu:///system\": Unable to get system bus connection; "
                  "as a non-root user, qemu:///system needs membership of the libvirt group";
    auto checks = virtnest::libvirt_checks(local);
    REQUIRE(checks.size() == 1);
    CHECK(checks[0].remedy ==
          "run as root, or join the libvirt group; the other checks do not need libvirt");
}

TEST_CASE("libvirt_verdict: 13.7 IBM Z domains with huge pages on a host with nesting",
          "[libvirt_verdict]") {
    virtnest::LibvirtFacts facts;
    facts.uri = "qemu:///system";
    facts.reachable = true;
    facts.kvm_caps = virtnest::parse_domain_caps(
        "<domainCapabilities><path>/usr/bin/qemu-system-s390x</path><domain>kvm</domain>"
        "<machine>s390-ccw-virtio-7.2</machine><arch>s390x</arch><cpu>"
        "<mode name='host-passthrough' supported='yes'/>"
        "<mode name='host-model' supported='yes'><model fallback='forbid'>gen15a-base</model>"
        "<feature policy='require' name='sief2'/></mode></cpu></domainCapabilities>");
    facts.expanded_features = std::set<std::string>{"sief2", "esan3"};
    REQUIRE(get(virtnest::libvirt_checks(facts), "libvirt.nested").status == CheckStatus::pass);
    CHECK_FALSE(test_support::has(virtnest::libvirt_checks(facts), "libvirt.hugepages"));
    facts.hugepage_domains = {"z-db", "z-web"};
    auto checks = virtnest::libvirt_checks(facts);
    require_remedies(checks);
    const Check& huge = get(checks, "libvirt.hugepages");
    CHECK(huge.status == CheckStatus::warn);
    CHECK(huge.message == "domain(s) \"z-db\", \"z-web\" use <hugepages/> backing: they will not "
                          "start while this IBM Z host's kvm has nested=1");
}

TEST_CASE("libvirt_verdict: POWER's nesting is this host's kvm_hv, not libvirt's CPU",
          "[libvirt_verdict]") {
    virtnest::LibvirtFacts facts;
    facts.uri = "qemu:///system";
    facts.reachable = true;
    facts.kvm_caps = virtnest::parse_domain_caps(
        "<domainCapabilities><path>/usr/bin/qemu-system-ppc64</path><domain>kvm</domain>"
        "<machine>pseries-7.2</machine><arch>ppc64le</arch><cpu>"
        "<mode name='host-passthrough' supported='yes'/>"
        "<mode name='host-model' supported='yes'><model fallback='allow'>POWER9</model></mode>"
        "</cpu></domainCapabilities>");
    SECTION("unknown, as before, when nothing was read") {
        const Check nested = get(virtnest::libvirt_checks(facts), "libvirt.nested");
        CHECK(nested.status == CheckStatus::warn);
        CHECK(nested.message == "libvirt does not show whether KVM on POWER offers nesting, and "
                                "kvm_hv's nested on this host is unknown (see kvm.module and "
                                "kvm.nested)");
        CHECK(nested.remedy == "fix kvm.module and kvm.nested first, then check again");
    }
    SECTION("this host's kvm_hv nested=1 passes, nested=0 fails") {
        facts.local_module = "kvm_hv";
        facts.local_nested = true;
        auto checks = virtnest::libvirt_checks(facts);
        require_remedies(checks);
        CHECK(get(checks, "libvirt.nested").status == CheckStatus::pass);
        CHECK(get(checks, "libvirt.nested").message ==
              "kvm_hv on this host has nested=1: pseries guests with <nested-hv state='on'/> can "
              "run their own VMs");
        facts.local_nested = false;
        checks = virtnest::libvirt_checks(facts);
        require_remedies(checks);
        const Check& off = get(checks, "libvirt.nested");
        CHECK(off.status == CheckStatus::fail);
        CHECK(off.message == "kvm_hv on this host has nested=0: QEMU refuses to start pseries "
                             "guests with <nested-hv state='on'/>");
        CHECK(off.remedy == "`virt-nest host enable --reload`, then check again");
        CHECK_FALSE(virtnest::is_ready(checks));
    }
    SECTION("another module's value (files of an x86 root) does not count") {
        facts.local_module = "kvm_intel";
        facts.local_nested = true;
        CHECK(get(virtnest::libvirt_checks(facts), "libvirt.nested").status == CheckStatus::warn);
    }
    SECTION("a remote POWER host: its kvm_hv is out of reach") {
        facts.uri = "qemu+ssh://p9-1/system";
        facts.remote = true;
        facts.local_module = "kvm_hv"; // this machine's, not that host's
        facts.local_nested = true;
        const Check nested = get(virtnest::libvirt_checks(facts), "libvirt.nested");
        CHECK(nested.status == CheckStatus::warn);
        CHECK(nested.message == "libvirt does not show whether KVM on a POWER host offers "
                                "nesting: that is kvm_hv's nested parameter on that host, out of "
                                "reach from here");
        CHECK(nested.remedy == "run `virt-nest check` on that host itself");
    }
}

TEST_CASE("libvirt_verdict: this machine's kvm_hv nested, for a local URI only",
          "[libvirt_verdict]") {
    auto host_of = [](const std::string& name) {
        return virtnest::probe_host(virtnest::RootedHostFiles(test_support::fixture(name)));
    };
    virtnest::LibvirtFacts local;
    virtnest::add_local_nested(local, host_of("power9-nested-on"));
    CHECK(local.local_module == "kvm_hv");
    CHECK(local.local_nested == true);
    virtnest::LibvirtFacts off;
    virtnest::add_local_nested(off, host_of("power9-nested-off"));
    CHECK(off.local_nested == false);
    virtnest::LibvirtFacts unloaded;
    virtnest::add_local_nested(unloaded, host_of("module-not-loaded"));
    CHECK(unloaded.local_module == "kvm_intel");
    CHECK_FALSE(unloaded.local_nested.has_value());
    virtnest::LibvirtFacts remote;
    remote.remote = true;
    virtnest::add_local_nested(remote, host_of("power9-nested-on"));
    CHECK(remote.local_module.empty());
    CHECK_FALSE(remote.local_nested.has_value());
}
