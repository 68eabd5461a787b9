// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/check/host_verdict.hpp"

#include "virtnest/check/arm_verdict.hpp"
#include "virtnest/check/modprobe_conf.hpp"
#include "virtnest/check/module_tuning.hpp"
#include "virtnest/check/outer_hypervisor.hpp"
#include "virtnest/check/power_verdict.hpp"

#include <algorithm>
#include <sstream>

namespace virtnest {
namespace {

constexpr auto pass = Check::passed;
constexpr auto warn = Check::warning;
constexpr auto fail = Check::failure;

std::string param_of(const KvmModule& module, const std::string& name) {
    auto it = module.params.find(name);
    return it == module.params.end() ? std::string() : it->second;
}

bool has_param(const KvmModule& module, const std::string& name) {
    return module.params.count(name) != 0U;
}

std::optional<bool> bool_param(const KvmModule& module, const std::string& name) {
    if (!has_param(module, name)) {
        return std::nullopt;
    }
    return parse_bool_param(param_of(module, name));
}

std::string virt_name(Platform platform) {
    switch (platform) {
    case Platform::intel: return "VT-x";
    case Platform::amd: return "AMD-V";
    case Platform::ibm_z: return "SIE";
    default: return "hardware virtualization";
    }
}

// The command that reloads `module` with `args`, quoted in remedies.
std::string reload_command(const std::string& module, const std::string& args) {
    return "modprobe -r " + module + " && modprobe " + module + " " + args;
}

std::string nested_args(Platform platform) {
    return platform == Platform::ibm_z ? "nested=1 hpage=0" : "nested=1";
}

// Why `nested` does not decide readiness inside a virtual machine.
constexpr const char* k_nested_in_vm =
    "inside a virtual machine nested is needed only if your guests will run their own guests";

std::string where(const ModuleOption& option) {
    if (option.file == "/proc/cmdline") {
        return "the kernel command line";
    }
    return option.file + ":" + std::to_string(option.line);
}

bool has_cpu_slat(const HostFacts& facts, const std::string& slat) {
    return facts.cpu.flags.count(slat) != 0U || facts.cpu.vmx_flags.count(slat) != 0U;
}

Check virt_flag_check(const HostFacts& facts, bool vm) {
    const Platform platform = facts.cpu.platform;
    const std::string flag = virt_flag_for(platform);
    const std::string name = virt_name(platform);
    if (facts.cpu.flags.count(flag) != 0U) {
        return pass("cpu.virt", "the CPU offers " + flag + " (" + name + ")");
    }
    if (vm) {
        std::string remedy = expose_virt_remedy(identify_outer_hypervisor(facts), flag);
        if (platform == Platform::ibm_z) {
            remedy = "on the KVM host that runs this guest: `modprobe -r kvm && modprobe kvm "
                     "nested=1 hpage=0` and persist it (`virt-nest host enable`), then restart "
                     "this guest";
        }
        return fail("cpu.virt",
                    "no " + flag +
                        " flag in /proc/cpuinfo: the hypervisor running this "
                        "virtual machine does not pass " +
                        name + " through",
                    remedy);
    }
    std::string remedy = platform == Platform::ibm_z
                             ? "run Linux in an LPAR (or as a guest of a KVM host with nested=1)"
                             : "enable " + name +
                                   " in the firmware (BIOS/UEFI) setup, then "
                                   "power-cycle the machine";
    return fail("cpu.virt",
                "no " + flag + " flag in /proc/cpuinfo: " + name +
                    " is missing or disabled in the firmware",
                remedy);
}

// Second-level address translation (EPT/NPT): nesting works without it, but slowly.
void slat_check(const HostFacts& facts, bool vm, std::vector<Check>& checks) {
    const Platform platform = facts.cpu.platform;
    if (platform != Platform::intel && platform != Platform::amd) {
        return;
    }
    const std::string slat = platform == Platform::intel ? "ept" : "npt";
    const std::string slat_name = platform == Platform::intel ? "EPT" : "NPT";
    if (has_cpu_slat(facts, slat)) {
        checks.push_back(pass("cpu.slat", "the CPU offers " + slat + " (second-level paging)"));
    } else if (facts.cpu.flags.count(virt_flag_for(platform)) != 0U || vm) {
        checks.push_back(warn("cpu.slat",
                              "no " + slat + " flag in /proc/cpuinfo: without " + slat_name +
                                  " nested guests use shadow paging and run very slowly",
                              vm ? expose_slat_remedy(identify_outer_hypervisor(facts), slat)
                                 : "use a CPU with " + slat_name + " for nested guests"));
    }
}

void cpu_checks(const HostFacts& facts, bool vm, std::vector<Check>& checks) {
    checks.push_back(virt_flag_check(facts, vm));
    slat_check(facts, vm, checks);
    if (vm) {
        const OuterHypervisor l0 = identify_outer_hypervisor(facts);
        const std::string under =
            l0 == OuterHypervisor::unknown ? "" : " (under " + std::string(to_string(l0)) + ")";
        checks.push_back(
            warn("cpu.hypervisor",
                 "this machine is itself a virtual machine" + under +
                     ": its guests are L2, and their own guests (L3) are not expected to work",
                 "none needed for L2 guests; do not plan on nesting one level deeper"));
    } else {
        checks.push_back(pass("cpu.hypervisor", "bare metal: guests run as L1"));
    }
}

// The kvm.module and kvm.nested lines when the module is not loaded.
void missing_module_checks(const HostFacts& facts, bool vm, std::vector<Check>& checks) {
    const Platform platform = facts.cpu.platform;
    const std::string mod = kvm_module_for(platform);
    const std::string flag = virt_flag_for(platform);
    const bool has_flag = platform == Platform::power || facts.cpu.flags.count(flag) != 0U;
    std::vector<std::string> others;
    for (const KvmModule& m : facts.modules) {
        if (m.name != "kvm" && m.name != mod) {
            others.push_back(m.name);
        }
    }
    // Inside a VM, its own guests need the module, not nested=1 (that is for theirs).
    const std::string command = "`modprobe " + mod + (vm ? "`" : " nested=1`");
    std::string load = has_flag ? command : "fix cpu.virt first, then " + command;
    const std::vector<ModuleBlock> blocks = module_blocks(facts.modprobe_files, mod);
    if (std::any_of(blocks.begin(), blocks.end(),
                    [](const ModuleBlock& block) { return block.prevents_loading; })) {
        load = "remove the install line persist.install names, then " + load;
    }
    if (!others.empty()) {
        checks.push_back(fail("kvm.module",
                              mod + " is not loaded; KVM here comes from " + others.front() +
                                  ", a module virt-nest does not know, which has no `nested` "
                                  "parameter for guests",
                              load + "; nesting under " + others.front() +
                                  " is not something virt-nest can check or enable"));
    } else {
        checks.push_back(fail("kvm.module", mod + " is not loaded", load));
    }
    const std::string unknown = "nested: unknown, because " + mod + " is not loaded (/sys/module/" +
                                mod + "/parameters/nested is missing)";
    if (vm) {
        checks.push_back(pass("kvm.nested", unknown + "; " + k_nested_in_vm));
        return;
    }
    checks.push_back(
        fail("kvm.nested", unknown,
             "load the module with nesting: `modprobe " + mod + " " + nested_args(platform) + "`"));
}

// Where a loaded module's setting must change when neither modprobe nor modprobe.d can change
// it: the kernel command line of a built-in module, or a command-line value that every load
// applies. Empty when modprobe can.
std::string cmdline_remedy(const HostFacts& facts, const KvmModule& module,
                           const std::string& param, const std::string& args) {
    const std::string& mod = module.name;
    if (module.built_in) {
        return mod + " is built into the kernel: add `" + args +
               "` to the kernel command line "
               "and reboot";
    }
    std::optional<ModuleOption> setting =
        effective_option(facts.modprobe_files, facts.kernel_cmdline, mod, param);
    if (setting && setting->file == "/proc/cmdline" && parse_bool_param(setting->value) != true) {
        // modprobe applies the command line's options at every load, so a reload cannot help.
        return "remove `" + mod + "." + param + "=" + setting->value +
               "` from the kernel command line in the boot loader configuration, then reboot";
    }
    return {};
}

// How to turn a loaded module's nested on, and keep it: reload and persist, or the kernel
// command line when that is where the setting lives.
std::string nested_remedy(const HostFacts& facts, const KvmModule& module) {
    const std::string& mod = module.name;
    std::string on_cmdline = cmdline_remedy(facts, module, "nested", mod + ".nested=1");
    if (!on_cmdline.empty()) {
        return on_cmdline;
    }
    return "stop every VM, then `" + reload_command(mod, nested_args(facts.cpu.platform)) +
           "`; keep it across reboots with `virt-nest host enable`";
}

// How to turn a performance setting of a loaded module on, and keep it: `host enable --tune
// --reload` persists every setting the CPU supports and reloads the module.
std::string tuning_remedy(const HostFacts& facts, const KvmModule& module,
                          const std::string& param) {
    const std::string& mod = module.name;
    std::string on_cmdline = cmdline_remedy(facts, module, param, mod + "." + param + "=1");
    if (!on_cmdline.empty()) {
        return on_cmdline;
    }
    return "stop every VM, then `virt-nest host enable --tune --reload` (persists " + param +
           "=1 and reloads " + mod + ")";
}

// The kvm.nested line of a loaded module.
Check nested_check(const HostFacts& facts, bool vm, const KvmModule& module) {
    const std::string& mod = module.name;
    std::optional<bool> nested = bool_param(module, "nested");
    const std::string shown = has_param(module, "nested")
                                  ? mod + " nested=" + param_of(module, "nested")
                                  : mod + " has no `nested` parameter";
    if (std::optional<std::string> moot = power_nesting_ruled_out(facts.cpu)) {
        // No setting helps; cpu.power says why, and a FAIL here would send the reader to one.
        return pass("kvm.nested", shown + ": moot here, since " + *moot + " (see cpu.power)");
    }
    if (vm && nested != true) {
        return pass("kvm.nested", shown +
                                      ": this machine's guests can run, not guests of their "
                                      "own; " +
                                      k_nested_in_vm);
    }
    const std::string remedy_reload = nested_remedy(facts, module);
    if (!has_param(module, "nested")) {
        return fail("kvm.nested", mod + " has no `nested` parameter",
                    "use a kernel whose " + mod + " supports nesting");
    }
    if (!nested.has_value()) {
        return fail("kvm.nested",
                    mod + " nested=\"" + param_of(module, "nested") +
                        "\" is not a value virt-nest understands",
                    remedy_reload);
    }
    if (*nested && facts.cpu.power.mmu == "Hash") {
        return pass("kvm.nested", mod + " nested=" + param_of(module, "nested") +
                                      ": KVM offers nested virtualization to guests once the "
                                      "radix MMU runs (see cpu.power)");
    }
    if (*nested) {
        return pass("kvm.nested", mod + " nested=" + param_of(module, "nested") +
                                      ": KVM offers nested virtualization to guests");
    }
    return fail("kvm.nested",
                mod + " nested=" + param_of(module, "nested") +
                    ": KVM does not offer nested virtualization to guests",
                remedy_reload);
}

// kvm_intel's settings that make nested guests fast: EPT and VMCS shadowing.
void intel_tuning_checks(const HostFacts& facts, const KvmModule& module,
                         std::vector<Check>& checks) {
    // Without the CPU flag no option turns EPT on; cpu.slat says where the fix is.
    if (bool_param(module, "ept") == false && has_cpu_slat(facts, "ept")) {
        checks.push_back(warn("kvm.ept",
                              "kvm_intel ept=" + param_of(module, "ept") +
                                  ": nested guests use shadow paging and run very slowly",
                              tuning_remedy(facts, module, "ept")));
    }
    bool cpu_shadow = facts.cpu.vmx_flags.empty() || facts.cpu.vmx_flags.count("shadow_vmcs") != 0U;
    std::optional<bool> shadow = bool_param(module, "enable_shadow_vmcs");
    if (shadow == true) {
        checks.push_back(pass("kvm.shadow_vmcs", "kvm_intel enable_shadow_vmcs=" +
                                                     param_of(module, "enable_shadow_vmcs")));
    } else if (shadow == false && cpu_shadow) {
        checks.push_back(
            warn("kvm.shadow_vmcs",
                 "kvm_intel enable_shadow_vmcs=" + param_of(module, "enable_shadow_vmcs") +
                     std::string(facts.cpu.vmx_flags.empty() ? ""
                                                             : " although the CPU has VMCS "
                                                               "shadowing") +
                     ": nested guests exit to the host far more often",
                 tuning_remedy(facts, module, "enable_shadow_vmcs")));
    }
}

// kvm_amd's settings that make nested guests fast: NPT, AVIC, VMLOAD/VMSAVE and GIF.
void amd_tuning_checks(const HostFacts& facts, const KvmModule& module,
                       std::vector<Check>& checks) {
    if (bool_param(module, "npt") == false && has_cpu_slat(facts, "npt")) {
        checks.push_back(warn("kvm.npt",
                              "kvm_amd npt=" + param_of(module, "npt") +
                                  ": nested guests use shadow paging and run very slowly",
                              tuning_remedy(facts, module, "npt")));
    }
    if (bool_param(module, "avic") == true) {
        // AVIC helps every VM; KVM suspends it only for a VM while that VM runs guests.
        checks.push_back(pass("kvm.avic", "kvm_amd avic=" + param_of(module, "avic") +
                                              ": AVIC speeds up interrupts to VMs (KVM suspends "
                                              "it for a VM only while that VM runs guests of "
                                              "its own)"));
    }
    struct Accel {
        const char* param;
        const char* cpu_flag;
        const char* what;
    };
    for (const Accel& accel : {Accel{"vls", "v_vmsave_vmload", "virtual VMLOAD/VMSAVE"},
                               Accel{"vgif", "vgif", "virtual GIF"}}) {
        std::optional<bool> value = bool_param(module, accel.param);
        const std::string id = std::string("kvm.") + accel.param;
        const std::string setting =
            "kvm_amd " + std::string(accel.param) + "=" + param_of(module, accel.param);
        if (value == true) {
            checks.push_back(pass(id, setting + " (" + accel.what + ")"));
        } else if (value == false && facts.cpu.flags.count(accel.cpu_flag) != 0U) {
            checks.push_back(warn(
                id, setting + " although the CPU has " + accel.what + ": nested guests run slower",
                tuning_remedy(facts, module, accel.param)));
        }
    }
}

// Checks of the loaded module; returns the runtime nested value when it could be read.
std::optional<bool> module_checks(const HostFacts& facts, bool vm, std::vector<Check>& checks) {
    const Platform platform = facts.cpu.platform;
    const std::string mod = kvm_module_for(platform);
    const KvmModule* module = find_module(facts, mod);
    if (module == nullptr) {
        missing_module_checks(facts, vm, checks);
        return std::nullopt;
    }
    checks.push_back(
        pass("kvm.module", mod + (module->built_in ? " is built into the kernel" : " is loaded")));
    checks.push_back(nested_check(facts, vm, *module));
    if (platform == Platform::intel) {
        intel_tuning_checks(facts, *module, checks);
    }
    if (platform == Platform::amd) {
        amd_tuning_checks(facts, *module, checks);
    }
    if (platform == Platform::ibm_z && bool_param(*module, "hpage") == true) {
        checks.push_back(fail("kvm.hpage",
                              "kvm hpage=" + param_of(*module, "hpage") +
                                  ": IBM Z cannot combine huge-page guest backing with nested=1",
                              "stop every VM, then `" + reload_command(mod, "nested=1 hpage=0") +
                                  "`; `virt-nest host enable` also drops hpage=1 from "
                                  "/etc/modprobe.d"));
    }
    return bool_param(*module, "nested");
}

void device_check(const HostFacts& facts, std::vector<Check>& checks) {
    const std::string mod = kvm_module_for(facts.cpu.platform);
    if (!facts.kvm_device_present) {
        checks.push_back(fail("kvm.device", "/dev/kvm is missing",
                              "load the KVM module (`modprobe " + mod +
                                  "`); in a virtual machine its host must pass virtualization "
                                  "through (see cpu.virt)"));
    } else if (facts.kvm_device_error) {
        checks.push_back(fail("kvm.device", "/dev/kvm cannot be opened: " + *facts.kvm_device_error,
                              "run as root, or add the user to the kvm group (`usermod -aG kvm "
                              "USER`) and log in again"));
    } else {
        checks.push_back(pass("kvm.device", "/dev/kvm is present and usable"));
    }
}

// modprobe.d statements that keep `mod` from loading at all, or at boot.
void block_checks(const HostFacts& facts, const std::string& mod, std::vector<Check>& checks) {
    for (const ModuleBlock& block : module_blocks(facts.modprobe_files, mod)) {
        const std::string at = block.file + ":" + std::to_string(block.line);
        if (block.prevents_loading) {
            // Not loaded now and unloadable: the kvm.module remedy cannot work until this goes.
            const bool loaded = find_module(facts, mod) != nullptr;
            std::string message = at + " has `" + block.statement + "`: ";
            message += "modprobe runs that instead of loading " + mod;
            Check check{"persist.install", loaded ? CheckStatus::warn : CheckStatus::fail,
                        std::move(message), "remove that line from " + block.file};
            checks.push_back(std::move(check));
        } else {
            std::string message = at + " has `" + block.statement + "`: ";
            message += mod + " is not loaded automatically at boot";
            checks.push_back(warn("persist.blacklist", std::move(message),
                                  "remove that line, or load it at boot with `echo " + mod +
                                      " > /etc/modules-load.d/kvm.conf`"));
        }
    }
}

// IBM Z: a persisted hpage=1 makes the kvm module refuse to load with nested=1.
void hpage_persist_check(const HostFacts& facts, const std::string& mod,
                         std::vector<Check>& checks) {
    std::optional<ModuleOption> hpage =
        effective_option(facts.modprobe_files, facts.kernel_cmdline, mod, "hpage");
    if (hpage && parse_bool_param(hpage->value) == true) {
        checks.push_back(warn("persist.hpage",
                              where(*hpage) + " sets kvm hpage=" + hpage->value +
                                  ": with nested=1 the kvm module refuses to load",
                              "`virt-nest host enable` (sets hpage=0 there)"));
    }
}

// persist.nested: will nesting still be on after a reboot?
Check persist_nested_check(const HostFacts& facts, bool vm, std::optional<bool> runtime_nested) {
    const Platform platform = facts.cpu.platform;
    const std::string mod = kvm_module_for(platform);
    std::optional<ModuleOption> setting =
        effective_option(facts.modprobe_files, facts.kernel_cmdline, mod, "nested");
    if (vm && runtime_nested != true && (!setting || parse_bool_param(setting->value) != true)) {
        return pass("persist.nested", "nothing to persist: " + std::string(k_nested_in_vm));
    }
    if (std::optional<std::string> moot = power_nesting_ruled_out(facts.cpu)) {
        return pass("persist.nested", "nothing to persist: " + *moot + " (see cpu.power)");
    }
    const KvmModule* module = find_module(facts, mod);
    // A built-in module reads no modprobe.d file: only the kernel command line sets it.
    const std::string enable_remedy =
        module != nullptr && module->built_in
            ? "add `" + mod + ".nested=1` to the kernel command line and reboot (" + mod +
                  " is built into the kernel, so modprobe.d does not apply)"
            : "`virt-nest host enable` (writes `options " + mod +
                  " nested=1` to /etc/modprobe.d/kvm.conf)";
    const bool default_on = nested_on_by_default(platform);
    if (!setting) {
        if (default_on && runtime_nested == true) {
            return pass("persist.nested",
                        "no modprobe.d file or boot option sets " + mod +
                            " nested; the kernel's default (on) applies at every boot");
        }
        if (default_on && runtime_nested == false) {
            // Off although nothing asks for it: loaded by hand with nested=0, or (kvm_intel)
            // a kernel from before Linux 4.20. A reboot may or may not bring it back;
            // writing nested=1 makes it certain.
            const bool built_in = module != nullptr && module->built_in;
            std::string why = built_in ? "" : "loaded by hand with nested=0";
            if (platform == Platform::intel) {
                why += std::string(built_in ? "" : ", or ") +
                       "a kernel before 4.20, whose default was off";
            }
            return warn("persist.nested",
                        "no modprobe.d file or boot option sets " + mod +
                            " nested and the kernel's default is on, yet it is off now" +
                            (why.empty() ? std::string() : " (" + why + ")") +
                            ": only a persisted nested=1 makes sure it is on after a reboot",
                        enable_remedy);
        }
        return warn("persist.nested",
                    "no modprobe.d file or boot option sets " + mod +
                        " nested=1: nesting is not set up to survive a reboot",
                    enable_remedy);
    }
    if (parse_bool_param(setting->value) == true) {
        if (setting->file.rfind("/run/", 0) == 0) {
            return warn("persist.nested",
                        where(*setting) + " sets " + mod + " nested=" + setting->value +
                            ", but /run is cleared at boot: nesting is not set up to survive "
                            "a reboot",
                        "`virt-nest host enable` (keeps it in an /etc/modprobe.d copy)");
        }
        return pass("persist.nested", mod + " nested=1 persists (" + where(*setting) + ")");
    }
    std::string remedy = setting->file == "/proc/cmdline"
                             ? "remove `" + mod + ".nested=" + setting->value +
                                   "` from the kernel command line in the boot loader "
                                   "configuration"
                             : "`virt-nest host enable` (corrects " + where(*setting) + ")";
    return warn("persist.nested",
                where(*setting) + " sets " + mod + " nested=" + setting->value +
                    ": nesting is off after the next reboot or module reload",
                remedy);
}

// persist.tune: a persisted 0 for a performance setting the CPU supports.
void tuning_persist_checks(const HostFacts& facts, std::vector<Check>& checks) {
    const std::string mod = kvm_module_for(facts.cpu.platform);
    for (const TuneParam& p : tuning_params(facts)) {
        if (!p.cpu_supports || !p.persisted || parse_bool_param(p.persisted->value) != false) {
            continue;
        }
        const bool default_off = p.param == "avic"; // a 0 there only restates the default
        if (default_off) {
            continue;
        }
        checks.push_back(
            warn("persist.tune",
                 where(*p.persisted) + " sets " + mod + " " + p.persisted->written +
                     " although the CPU has " + p.what +
                     ": it is off after the next reboot or module reload, and "
                     "nested guests run slower",
                 "`virt-nest host enable --tune` (corrects " + where(*p.persisted) + ")"));
    }
}

void persistence_checks(const HostFacts& facts, bool vm, std::optional<bool> runtime_nested,
                        std::vector<Check>& checks) {
    const std::string mod = kvm_module_for(facts.cpu.platform);
    for (const std::string& path : facts.unreadable_modprobe_files) {
        checks.push_back(warn("persist.unreadable",
                              "cannot read " + path +
                                  ": the module settings it holds are unknown, so the "
                                  "persist.* lines may be wrong",
                              "run `virt-nest check` as root, or make " + path + " readable"));
    }
    checks.push_back(persist_nested_check(facts, vm, runtime_nested));
    block_checks(facts, mod, checks);
    if (facts.cpu.platform == Platform::ibm_z) {
        hpage_persist_check(facts, mod, checks);
    }
    tuning_persist_checks(facts, checks);
}

// Return the kernel's major and minor version from a release such as "6.1.0-18-amd64".
std::optional<std::pair<int, int>> kernel_version(const std::string& release) {
    int major = 0;
    int minor = 0;
    char dot = 0;
    std::istringstream in(release);
    if (in >> major >> dot >> minor && dot == '.') {
        return std::pair{major, minor};
    }
    return std::nullopt;
}

void platform_notes(const HostFacts& facts, std::vector<Check>& checks) {
    const Platform platform = facts.cpu.platform;
    if (platform == Platform::ibm_z) {
        return; // the kernel's documentation exempts s390: nested state migrates there
    }
    std::optional<std::pair<int, int>> kernel = kernel_version(facts.kernel_release);
    std::optional<std::pair<int, int>> qemu = kernel_version(facts.qemu_version);
    const bool qemu_ok = !qemu || *qemu >= std::pair{4, 2};
    if (platform == Platform::intel && kernel && *kernel >= std::pair{5, 3} && qemu_ok) {
        checks.push_back(pass("note.migration",
                              "kernel " + facts.kernel_release +
                                  (qemu ? " and QEMU " + facts.qemu_version + " save and restore"
                                        : std::string(" saves and restores")) +
                                  " nested state on Intel: a VM running "
                                  "its own guests can migrate when " +
                                  (qemu ? "the other host has QEMU 4.2 or later too"
                                        : "QEMU is 4.2 or later on both hosts")));
        return;
    }
    checks.push_back(warn("note.migration",
                          "migrating, saving or snapshotting a VM while it runs its own guests "
                          "is undefined (kernel BUG or panic)" +
                              std::string(platform != Platform::intel ? ""
                                          : qemu_ok ? " on Intel kernels before 5.3 (or QEMU "
                                                      "before 4.2)"
                                                    : " with QEMU " + facts.qemu_version +
                                                          ", older than 4.2, which does not "
                                                          "migrate nested state"),
                          "stop the nested (L2) guests before migrating, saving or snapshotting "
                          "the VM that runs them"));
    if (platform == Platform::amd) {
        checks.push_back(warn("note.amd_migration",
                              "on AMD, migrating VMs off a host with nesting enabled does not work",
                              "shut such VMs down and start them on the other host instead of "
                              "migrating them"));
    }
}

} // namespace

std::string_view to_string(CheckStatus status) noexcept {
    switch (status) {
    case CheckStatus::pass: return "PASS";
    case CheckStatus::warn: return "WARN";
    case CheckStatus::fail: return "FAIL";
    }
    return "FAIL";
}

std::string kvm_module_for(Platform platform) {
    switch (platform) {
    case Platform::intel: return "kvm_intel";
    case Platform::amd: return "kvm_amd";
    case Platform::ibm_z: return "kvm";
    case Platform::power: return "kvm_hv";
    default: return {};
    }
}

bool nested_on_by_default(Platform platform) noexcept {
    return platform == Platform::intel || platform == Platform::amd || platform == Platform::power;
}

std::optional<bool> runtime_nested(const HostFacts& facts) {
    const KvmModule* module = find_module(facts, kvm_module_for(facts.cpu.platform));
    return module == nullptr ? std::nullopt : bool_param(*module, "nested");
}

std::string virt_flag_for(Platform platform) {
    switch (platform) {
    case Platform::intel: return "vmx";
    case Platform::amd: return "svm";
    case Platform::ibm_z: return "sie";
    default: return {};
    }
}

std::vector<Check> host_checks(const HostFacts& facts) {
    std::vector<Check> checks;
    if (!facts.cpuinfo_readable) {
        checks.push_back(
            facts.cpuinfo_exists
                ? fail("cpu.vendor", "/proc/cpuinfo is there but cannot be read",
                       "make it readable: check the user's permissions, the mount options of "
                       "/proc and the security policy (SELinux, AppArmor)")
                : fail("cpu.vendor", "cannot read /proc/cpuinfo",
                       "run on Linux, or point --root at the root directory of one"));
        return checks;
    }
    const CpuInfo& cpu = facts.cpu;
    const std::string described =
        (cpu.model_name.empty() ? std::string() : cpu.model_name + ", ") +
        std::string(to_string(cpu.platform)) +
        (cpu.vendor_id.empty() ? std::string() : " (" + cpu.vendor_id + ")");
    switch (cpu.platform) {
    case Platform::arm:
        checks.push_back(pass("cpu.vendor", "CPU: " + described));
        for (Check& check : arm_checks(facts)) {
            checks.push_back(std::move(check));
        }
        return checks;
    case Platform::unknown:
        checks.push_back(fail("cpu.vendor",
                              "CPU vendor \"" + cpu.vendor_id + "\" is not one virt-nest knows",
                              "virt-nest checks Intel, AMD (and Hygon), IBM Z and POWER hosts; "
                              "see your platform's KVM documentation"));
        return checks;
    default: checks.push_back(pass("cpu.vendor", "CPU: " + described)); break;
    }
    const bool vm = is_virtual_machine(facts);
    if (cpu.platform == Platform::power) {
        checks.push_back(power_check(facts));
    } else {
        cpu_checks(facts, vm, checks);
    }
    std::optional<bool> nested = module_checks(facts, vm, checks);
    device_check(facts, checks);
    persistence_checks(facts, vm, nested, checks);
    if (nested == true && cpu.platform != Platform::power) {
        platform_notes(facts, checks);
    }
    return checks;
}

bool is_ready(const std::vector<Check>& checks) {
    return std::none_of(checks.begin(), checks.end(),
                        [](const Check& c) { return c.status == CheckStatus::fail; });
}

} // namespace virtnest
