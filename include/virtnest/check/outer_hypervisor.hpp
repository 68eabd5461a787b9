// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Inside a virtual machine: which hypervisor (L0) runs it, from the names its firmware
// gives, and what an operator does there to let this VM run guests of its own. Pure.

#include "virtnest/check/host_probe.hpp"

#include <string>
#include <string_view>

namespace virtnest {

// The hypervisor that runs this virtual machine, as far as its remedies differ.
enum class OuterHypervisor {
    kvm,
    hyperv,
    azure,
    vmware,
    google_cloud,
    aws,
    xen,
    virtualbox,
    unknown
};

// Return its name as messages show it: "KVM", "Hyper-V", "Azure", "VMware", "Google Cloud",
// "AWS", "Xen", "VirtualBox", "unknown".
std::string_view to_string(OuterHypervisor hypervisor) noexcept;

// Return the hypervisor that runs this machine, from /sys/class/dmi/id and
// /sys/hypervisor/type; unknown when they are missing or name none virt-nest knows.
OuterHypervisor identify_outer_hypervisor(const HostFacts& facts);

// Return what to do on `hypervisor` so that this VM sees `flag` (vmx, svm): the command or
// setting of that hypervisor, e.g. Hyper-V's Set-VMProcessor or VMware's vhv.enable.
std::string expose_virt_remedy(OuterHypervisor hypervisor, const std::string& flag);

// Return what to do on `hypervisor` so that this VM sees `slat` (ept, npt), which it lacks
// although the CPU may show vmx or svm.
std::string expose_slat_remedy(OuterHypervisor hypervisor, const std::string& slat);

} // namespace virtnest
