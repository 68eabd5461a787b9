// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/check/outer_hypervisor.hpp"

namespace virtnest {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

// The asset tag every Azure VM carries, which tells it apart from a Hyper-V one.
constexpr std::string_view k_azure_asset_tag = "7783-7084-3265-9085-8269-3286-77";

} // namespace

std::string_view to_string(OuterHypervisor hypervisor) noexcept {
    switch (hypervisor) {
    // QEMU's DMI strings say QEMU, whether KVM or QEMU's own TCG emulation runs it.
    case OuterHypervisor::kvm: return "QEMU/KVM";
    case OuterHypervisor::hyperv: return "Hyper-V";
    case OuterHypervisor::azure: return "Azure";
    case OuterHypervisor::vmware: return "VMware";
    case OuterHypervisor::google_cloud: return "Google Cloud";
    case OuterHypervisor::aws: return "AWS";
    case OuterHypervisor::xen: return "Xen";
    case OuterHypervisor::virtualbox: return "VirtualBox";
    case OuterHypervisor::unknown: return "unknown";
    }
    return "unknown";
}

OuterHypervisor identify_outer_hypervisor(const HostFacts& facts) {
    const std::string& vendor = facts.dmi_sys_vendor;
    const std::string& product = facts.dmi_product_name;
    if (vendor == "Google" || product == "Google Compute Engine") {
        return OuterHypervisor::google_cloud;
    }
    // Nitro instances name Amazon; the older Xen ones only say so in the BIOS version.
    if (vendor == "Amazon EC2" || facts.dmi_bios_vendor == "Amazon EC2" ||
        contains(facts.dmi_bios_version, "amazon")) {
        return OuterHypervisor::aws;
    }
    if (vendor == "Microsoft Corporation" && product == "Virtual Machine") {
        return facts.dmi_chassis_asset_tag == k_azure_asset_tag ? OuterHypervisor::azure
                                                                : OuterHypervisor::hyperv;
    }
    if (starts_with(vendor, "VMware") || starts_with(product, "VMware")) {
        return OuterHypervisor::vmware;
    }
    if (vendor == "innotek GmbH" || product == "VirtualBox") {
        return OuterHypervisor::virtualbox;
    }
    if (facts.hypervisor_type == "xen" || vendor == "Xen") {
        return OuterHypervisor::xen;
    }
    if (vendor == "QEMU" || vendor == "Red Hat" || vendor == "OpenStack Foundation" ||
        product == "KVM" || starts_with(product, "OpenStack")) {
        return OuterHypervisor::kvm;
    }
    return OuterHypervisor::unknown;
}

std::string expose_virt_remedy(OuterHypervisor hypervisor, const std::string& flag) {
    std::string kvm =
        "on the host that runs this virtual machine: enable nesting (`virt-nest host enable "
        "--reload`), give this VM the " +
        flag +
        " feature (`virt-nest enable <this VM>`, or `<cpu mode='host-passthrough'/>`), then "
        "power it off and start it again";
    switch (hypervisor) {
    case OuterHypervisor::kvm: return kvm;
    case OuterHypervisor::hyperv:
        return "on the Hyper-V host, with this VM off: `Set-VMProcessor -VMName <this VM> "
               "-ExposeVirtualizationExtensions $true`, then start it; for its guests' "
               "networking also `Set-VMNetworkAdapter -VMName <this VM> -MacAddressSpoofing On`";
    case OuterHypervisor::azure:
        return "on Azure: resize this VM to a size whose documentation lists nested "
               "virtualization as supported, then start it again";
    case OuterHypervisor::vmware:
        return "in VMware (vSphere, Workstation or Fusion), with this VM powered off: turn on "
               "\"Expose hardware assisted virtualization to the guest OS\" (`vhv.enable = "
               "\"TRUE\"` in its .vmx), then power it on; some passthrough devices rule it out";
    case OuterHypervisor::google_cloud:
        return "on Google Cloud: stop this VM, turn on nested virtualization for it "
               "(`--enable-nested-virtualization`, advancedMachineFeatures."
               "enableNestedVirtualization) on a machine type that allows it, then start it";
    case OuterHypervisor::aws:
        return "on AWS: move to an instance type that offers nested virtualization, or to a "
               "bare-metal instance (*.metal), where KVM runs directly";
    case OuterHypervisor::xen:
        return "on the Xen host: give this guest nested HVM (`nestedhvm=1` with `hap=1` in its "
               "xl configuration; Xen calls it experimental), then restart it";
    case OuterHypervisor::virtualbox:
        return "in VirtualBox, with this VM powered off: `VBoxManage modifyvm <this VM> "
               "--nested-hw-virt on`, then start it";
    case OuterHypervisor::unknown: break;
    }
    return kvm + "; under another hypervisor, turn on its setting that passes " + flag +
           " to this VM";
}

std::string expose_slat_remedy(OuterHypervisor hypervisor, const std::string& slat) {
    if (hypervisor == OuterHypervisor::kvm || hypervisor == OuterHypervisor::unknown) {
        std::string remedy = "on the host that runs this virtual machine: give it the host's CPU "
                             "(`virt-nest enable <this VM>`, or `<cpu "
                             "mode='host-passthrough'/>`)";
        if (slat == "npt") {
            remedy += " or require npt in its CPU (`<feature policy='require' name='npt'/>`)";
        }
        return remedy + ", then power it off and start it again";
    }
    return slat + " comes with the virtualization extensions: " +
           expose_virt_remedy(hypervisor, slat == "ept" ? "vmx" : "svm");
}

} // namespace virtnest
