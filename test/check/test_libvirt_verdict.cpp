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
    SECTION("IBM Z asks for sief2; ARM has no host-model; POWER cannot tell") {
        CHECK(
            get(libvirt_checks(reachable_with("qemu_6.0.0.s390x.xml")), "libvirt.nested").message ==
            "libvirt's CPU (gen15a-base) lacks sief2: KVM on that host does not offer nesting "
            "(host-model "
            "from domain capabilities; the driver cannot expand it)");
        auto arm_checks = libvirt_checks(reachable_with("qemu_7.0.0-virt.aarch64.xml"));
        const Check& arm = get(arm_checks, "libvirt.nested");
        CHECK(arm.status == CheckStatus::fail);
        CHECK(arm.message ==
              "libvirt offers no host-model CPU on aarch64: this stack has no nested "
              "virtualization on ARM");
        auto xen = reachable_with("libxl-xenfv.xml");
        CHECK(get(libvirt_checks(xen), "libvirt.nested").status == CheckStatus::warn);
        auto power = libvirt_checks(reachable_with("qemu_7.1.0.ppc64.xml"));
        CHECK(get(power, "libvirt.nested").status == CheckStatus::warn);
        CHECK(get(power, "libvirt.nested").message ==
              "libvirt's host-model CPU on ppc64 does not show whether KVM offers nesting");
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
