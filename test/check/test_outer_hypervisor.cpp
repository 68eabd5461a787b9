// SPDX-License-Identifier: GPL-2.0-or-later
#include "host_test_support.hpp"
#include "virtnest/check/outer_hypervisor.hpp"

#include <catch2/catch.hpp>

using test_support::fixture;
using virtnest::OuterHypervisor;

namespace {

OuterHypervisor l0_of(const std::string& name) {
    virtnest::RootedHostFiles files(fixture(name));
    return virtnest::identify_outer_hypervisor(virtnest::probe_host(files));
}

OuterHypervisor l0_of(const std::map<std::string, std::string>& dmi) {
    test_support::FakeHostFiles files;
    for (const auto& [name, value] : dmi) {
        files.files[name.front() == '/' ? name : "/sys/class/dmi/id/" + name] = value + "\n";
    }
    return virtnest::identify_outer_hypervisor(virtnest::probe_host(files));
}

} // namespace

TEST_CASE("outer_hypervisor: names the L0 from the firmware's names", "[outer_hypervisor]") {
    CHECK(l0_of("l1-kvm-amd-nested-off") == OuterHypervisor::kvm);
    CHECK(l0_of("l1-vmware-no-vmx") == OuterHypervisor::vmware);
    CHECK(l0_of("l1-hyperv-no-vmx") == OuterHypervisor::hyperv);
    CHECK(l0_of("l1-azure-no-vmx") == OuterHypervisor::azure);
    CHECK(l0_of("l1-gcp-no-vmx") == OuterHypervisor::google_cloud);
    CHECK(l0_of("l1-aws-no-vmx") == OuterHypervisor::aws);
    CHECK(l0_of("vm-without-vmx") == OuterHypervisor::unknown);
    CHECK(l0_of({{"bios_version", "4.11.amazon"}}) == OuterHypervisor::aws);
    CHECK(l0_of({{"/sys/hypervisor/type", "xen"}}) == OuterHypervisor::xen);
    CHECK(l0_of({{"sys_vendor", "innotek GmbH"}}) == OuterHypervisor::virtualbox);
    CHECK(l0_of({{"sys_vendor", "OpenStack Foundation"}}) == OuterHypervisor::kvm);
    CHECK(l0_of({{"sys_vendor", "Dell Inc."}}) == OuterHypervisor::unknown);
    CHECK(virtnest::to_string(OuterHypervisor::google_cloud) == "Google Cloud");
}

TEST_CASE("outer_hypervisor: each L0 gets its own remedy", "[outer_hypervisor]") {
    using virtnest::expose_virt_remedy;
    CHECK(expose_virt_remedy(OuterHypervisor::hyperv, "vmx") ==
          "on the Hyper-V host, with this VM off: `Set-VMProcessor -VMName <this VM> "
          "-ExposeVirtualizationExtensions $true`, then start it; for its guests' networking "
          "also `Set-VMNetworkAdapter -VMName <this VM> -MacAddressSpoofing On`");
    CHECK(expose_virt_remedy(OuterHypervisor::vmware, "vmx").find("vhv.enable") !=
          std::string::npos);
    CHECK(expose_virt_remedy(OuterHypervisor::google_cloud, "vmx")
              .find("--enable-nested-virtualization") != std::string::npos);
    CHECK(expose_virt_remedy(OuterHypervisor::aws, "vmx").find("*.metal") != std::string::npos);
    CHECK(expose_virt_remedy(OuterHypervisor::azure, "vmx").rfind("on Azure: resize", 0) == 0);
    CHECK(expose_virt_remedy(OuterHypervisor::kvm, "svm").find("virt-nest enable <this VM>") !=
          std::string::npos);
    // No remedy for another hypervisor names virt-nest, which does not run there.
    for (OuterHypervisor l0 :
         {OuterHypervisor::hyperv, OuterHypervisor::azure, OuterHypervisor::vmware,
          OuterHypervisor::google_cloud, OuterHypervisor::aws, OuterHypervisor::xen,
          OuterHypervisor::virtualbox}) {
        INFO(virtnest::to_string(l0));
        CHECK(expose_virt_remedy(l0, "vmx").find("virt-nest") == std::string::npos);
        CHECK(virtnest::expose_slat_remedy(l0, "ept").find("virt-nest") == std::string::npos);
    }
    CHECK(virtnest::expose_slat_remedy(OuterHypervisor::kvm, "npt") ==
          "on the host that runs this virtual machine: give it the host's CPU (`virt-nest enable "
          "<this VM>`, or `<cpu mode='host-passthrough'/>`) or require npt in its CPU "
          "(`<feature policy='require' name='npt'/>`), then power it off and start it again");
}
