// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// `virt-nest host enable`: persist the KVM module's nested option for this machine's CPU
// and, when asked, reload the module so it takes effect now.

#include "virtnest/check/host_probe.hpp"
#include "virtnest/check/modprobe_conf.hpp"
#include "virtnest/util/error.hpp"

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace virtnest {

// What `host enable` (or `host disable`) will do on one machine. Pure data.
struct HostEnablePlan {
    Platform platform = Platform::unknown;
    std::string module;                // kvm_intel, kvm_amd, kvm, kvm_hv
    std::string module_args;           // "nested=1", or "nested=1 hpage=0" on IBM Z
    std::vector<WantedOption> wanted;  // the values that must take effect, module_args parsed
    bool disable = false;              // `host disable`: nested=0
    PersistPlan persist;               // the modprobe.d edits
    std::vector<std::string> commands; // what applies it now, e.g. "modprobe -r kvm_amd"
    std::vector<std::string> notes;    // things the operator should know
    bool load_blocked = false;         // an `install` line keeps modprobe from loading it
};

// Plan enabling nesting for the machine `facts` describe, and with `tune` the performance
// settings its CPU supports (see module_tuning). Throws Error for a machine whose CPU
// cannot be read or has no nesting virt-nest can enable (ARM, unknown vendors), when a
// modprobe.d file cannot be read, and when the kernel command line overrides the setting.
HostEnablePlan plan_host_enable(const HostFacts& facts, bool tune = false);

// Plan `host disable`: persist nested=0 so that this machine never offers nesting. Throws
// Error like plan_host_enable, and for a built-in module (the kernel command line decides).
HostEnablePlan plan_host_disable(const HostFacts& facts);

// Return why `module` cannot be reloaded now (an `install` line that stops modprobe, running
// VMs, holders, users, built in);
// empty when it can. `running_vms` are the names libvirt reports as active.
std::vector<std::string> reload_blockers(const HostFacts& facts, const std::string& module,
                                         const std::vector<std::string>& running_vms);

// Unloads and loads kernel modules; the real one runs modprobe.
class ModuleLoader {
  public:
    virtual ~ModuleLoader() = default;
    // Unload `module` (modprobe -r). Throws Error naming the module on failure.
    virtual void unload(const std::string& module) = 0;
    // Load `module`, which reads its options from modprobe.d. Throws Error on failure.
    virtual void load(const std::string& module) = 0;
};

// Return the ModuleLoader that runs /sbin/modprobe on the running system.
std::unique_ptr<ModuleLoader> make_modprobe_loader();

// What `host enable` (or `host disable`) was asked to do.
struct HostEnableRequest {
    std::filesystem::path root = "/";
    bool dry_run = false;
    bool reload = false;
    bool tune = false;    // also the performance settings (enable only)
    bool disable = false; // `host disable`: nested=0
};

// The machine `host enable` works on: its files, a writable root, and its module loader.
// `running_vms` asks libvirt for active domains and throws Error when it cannot.
struct HostEnableTarget {
    const HostFiles* files = nullptr;
    ModuleLoader* loader = nullptr;
    std::function<std::vector<std::string>()> running_vms;
};

// What `host enable` did: the text to show and the exit code; `failure` when a step failed
// after the text began (files may be written), to be raised once the text is shown.
struct HostEnableOutcome {
    ExitCode exit_code = ExitCode::ok;
    std::string text;
    std::optional<Error> failure;
};

// Carry out `host enable` or `host disable`: describe the plan (the files and commands, in a
// dry run) or write the files atomically and, with `reload`, reload the module when nothing
// uses it. The exit
// code is 0 done (or nothing to do), 3 when the reload was refused. Throws Error, before
// changing anything, when there is no plan (see plan_host_enable).
[[nodiscard]] HostEnableOutcome apply_host_enable(const HostEnableRequest& request,
                                                  const HostEnableTarget& target);

} // namespace virtnest
