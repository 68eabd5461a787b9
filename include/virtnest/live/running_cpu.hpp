// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Does the vCPU a running guest has right now carry vmx/svm (and ept/npt)? The answer from
// the live XML, where libvirt records the CPU QEMU started with. Pure.

#include "virtnest/rewrite/cpu_types.hpp"

#include <string>
#include <string_view>

namespace virtnest {

// Yes, no, or "this source cannot tell".
enum class Answer { yes, no, unknown };

// Return "yes", "no" or "unknown".
std::string_view to_string(Answer answer) noexcept;

// What one source says about the running vCPU.
struct RunningCpu {
    Answer virt = Answer::unknown; // the nesting feature (vmx or svm)
    Answer slat = Answer::unknown; // its second-level paging (vmx-ept or npt)
    std::string source;            // where the answer comes from: "live XML"
    std::string detail;            // why, in words: the feature line or what is missing
};

// Return what the live XML of a running domain says about `feature` and its paging
// feature: an explicit require/force is yes, disable/forbid no; an unlisted svm is yes for
// an AMD model (libvirt's AMD models carry it), an unlisted one is unknown; host-passthrough and
// maximum record no features, so they and everything else are unknown. Throws Error for malformed
// XML.
RunningCpu running_cpu_from_live_xml(std::string_view live_xml, NestFeature feature);

// Return the QMP command that reads one boolean property (`property`, e.g. "svm", "npt",
// "vmx-ept") of the first vCPU, /machine/unattached/device[0].
std::string qom_get_command(std::string_view property);

// Return what QEMU's monitor said: `virt_reply` and `slat_reply` are the replies to
// qom_get_command for the feature and its paging feature ({"return": true} is yes, false no,
// an error reply or anything else unknown). Pure.
RunningCpu running_cpu_from_monitor(std::string_view virt_reply, std::string_view slat_reply,
                                    NestFeature feature);

// Return true when the persistent definition hands `feature` to the guest (`promised`) but
// the live XML says for certain that the running vCPU lacks it: the guest needs a cold
// boot (power off, start) before it can nest.
bool live_lacks_promise(bool promised, const RunningCpu& running) noexcept;

} // namespace virtnest
