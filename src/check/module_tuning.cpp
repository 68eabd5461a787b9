// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/check/module_tuning.hpp"

#include "virtnest/check/host_verdict.hpp"

#include <array>

namespace virtnest {
namespace {

struct Known {
    const char* param;
    const char* what;
    const char* cpu_flag;
};

bool cpu_shows(const CpuInfo& cpu, const std::string& flag) {
    return cpu.flags.count(flag) != 0U || cpu.vmx_flags.count(flag) != 0U;
}

} // namespace

std::vector<TuneParam> tuning_params(const HostFacts& facts) {
    static const std::array<Known, 3> k_intel{
        {{"enable_shadow_vmcs", "VMCS shadowing", "shadow_vmcs"},
         {"ept", "EPT", "ept"},
         {"enable_apicv", "APIC virtualization", "apicv"}}};
    static const std::array<Known, 4> k_amd{{{"npt", "NPT", "npt"},
                                             {"avic", "AVIC", "avic"},
                                             {"vls", "virtual VMLOAD/VMSAVE", "v_vmsave_vmload"},
                                             {"vgif", "virtual GIF", "vgif"}}};
    std::vector<Known> known;
    if (facts.cpu.platform == Platform::intel) {
        known.assign(std::begin(k_intel), std::end(k_intel));
    } else if (facts.cpu.platform == Platform::amd) {
        known.assign(std::begin(k_amd), std::end(k_amd));
    }
    const std::string mod = kvm_module_for(facts.cpu.platform);
    const KvmModule* module = find_module(facts, mod);
    std::vector<TuneParam> params;
    for (const Known& k : known) {
        TuneParam p{k.param, k.what, k.cpu_flag, false, std::nullopt, std::nullopt};
        if (module != nullptr && module->params.count(p.param) != 0U) {
            p.runtime = parse_bool_param(module->params.at(p.param));
        }
        // KVM turns a parameter off at load when the CPU lacks the feature, so a running 1
        // is proof of support too (older kernels show no "vmx flags" line).
        p.cpu_supports = cpu_shows(facts.cpu, p.cpu_flag) || p.runtime == true;
        p.persisted = effective_option(facts.modprobe_files, facts.kernel_cmdline, mod, p.param);
        params.push_back(std::move(p));
    }
    return params;
}

std::vector<WantedOption> tuning_wanted(const std::vector<TuneParam>& params) {
    std::vector<WantedOption> wanted;
    for (const TuneParam& p : params) {
        if (p.cpu_supports) {
            wanted.push_back({p.param, true, p.runtime != true});
        }
    }
    return wanted;
}

} // namespace virtnest
