// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/check/host_enable.hpp"

#include "virtnest/check/host_verdict.hpp"
#include "virtnest/check/module_tuning.hpp"
#include "virtnest/util/atomic_file.hpp"
#include "virtnest/util/error.hpp"
#include "virtnest/util/rooted_fs.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ostream>
#include <spawn.h>
#include <sstream>
#include <sys/wait.h>

extern char** environ; // NOLINT(readability-redundant-declaration): posix_spawnp needs it

namespace virtnest {
namespace {

std::string indented(const std::string& text) {
    std::string out;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) {
            end = text.size();
        }
        out += "    " + text.substr(start, end - start) + "\n";
        start = end + 1;
    }
    return out;
}

class ModprobeLoader : public ModuleLoader {
  public:
    void unload(const std::string& module) override {
        run({"modprobe", "-r", module}, "unload", module);
    }
    void load(const std::string& module) override { run({"modprobe", module}, "load", module); }

  private:
    static void run(std::vector<std::string> args, const std::string& what,
                    const std::string& module) {
        std::vector<char*> argv;
        argv.reserve(args.size() + 1);
        for (std::string& arg : args) {
            argv.push_back(arg.data());
        }
        argv.push_back(nullptr);
        const std::string cannot = "cannot " + what + " module \"" + module + "\": ";
        pid_t pid = 0;
        int rc = ::posix_spawnp(&pid, "modprobe", nullptr, nullptr, argv.data(), environ);
        if (rc != 0) {
            throw Error(cannot + "cannot run modprobe: " + std::strerror(rc));
        }
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0) {
            if (errno != EINTR) {
                throw Error(cannot + "cannot wait for modprobe: " + std::strerror(errno));
            }
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            throw Error(cannot + "modprobe exited with status " +
                        std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1));
        }
    }
};

// Write `path` (absolute, as seen from `root`) atomically inside `root`: the directory is
// resolved and created inside the root, so no symlink in a hostile image leads out of it.
void write_in_root(const std::filesystem::path& root, const std::string& path,
                   const std::string& content) {
    using std::filesystem::perms;
    const std::filesystem::path inside(path);
    RootedFs fs(root);
    UniqueFd dir = fs.make_dirs(inside.parent_path().string(), 0755);
    write_file_atomic_at(dir.get(), inside.filename().string(), content,
                         perms::owner_read | perms::owner_write | perms::group_read |
                             perms::others_read,
                         Durability::now, root / inside.relative_path());
}

std::optional<bool> runtime_value(const KvmModule& module, const std::string& param) {
    auto it = module.params.find(param);
    return it == module.params.end() ? std::nullopt : parse_bool_param(it->second);
}

// Return the first wanted value of `plan` the running module does not have, as
// "nested is \"N\""; nullopt when all of them are in effect.
std::optional<std::string> unmet(const HostFacts& facts, const HostEnablePlan& plan) {
    const KvmModule* module = find_module(facts, plan.module);
    if (module == nullptr) {
        // A module that is not loaded offers no nesting: that is what disable wants.
        return plan.disable ? std::nullopt : std::optional<std::string>("it is not loaded");
    }
    for (const WantedOption& want : plan.wanted) {
        std::optional<bool> now = runtime_value(*module, want.param);
        if (want.value ? now != true : now == true) {
            auto it = module->params.find(want.param);
            return want.param + " is \"" +
                   (it == module->params.end() ? std::string("missing") : it->second) + "\"";
        }
    }
    return std::nullopt;
}

bool runtime_ok(const HostFacts& facts, const HostEnablePlan& plan) {
    return !unmet(facts, plan).has_value();
}

std::string args_text(const std::vector<WantedOption>& wanted, const std::string& prefix = "") {
    std::string out;
    for (const WantedOption& want : wanted) {
        out += (out.empty() ? "" : " ") + prefix + want.param + "=" + (want.value ? "1" : "0");
    }
    return out;
}

// What the running module should show once the plan is applied, for messages.
std::string state_text(const HostEnablePlan& plan) {
    if (plan.disable) {
        return "nesting off";
    }
    return plan.wanted.size() > 1 && plan.platform != Platform::ibm_z ? plan.module_args
                                                                      : "nesting on";
}

// The platform `host enable` works on; throws Error for those it cannot enable.
Platform enable_platform(const HostFacts& facts) {
    if (!facts.cpuinfo_readable) {
        throw Error("cannot enable nesting: /proc/cpuinfo is unreadable, so the CPU vendor is "
                    "unknown");
    }
    if (facts.cpu.platform == Platform::arm) {
        throw Error("cannot enable nesting on ARM through modprobe.d: add kvm-arm.mode=nested to "
                    "the kernel command line and reboot (see `virt-nest check`)");
    }
    if (facts.cpu.platform == Platform::unknown) {
        throw Error("cannot enable nesting: CPU vendor \"" + facts.cpu.vendor_id +
                    "\" is not one virt-nest knows (Intel, AMD, Hygon, IBM Z, POWER)");
    }
    return facts.cpu.platform;
}

// The notes of a plan: a CPU without the virtualization flag, statements that block loading.
std::vector<std::string> plan_notes(const HostFacts& facts, const HostEnablePlan& plan) {
    std::vector<std::string> notes;
    if (plan.disable) {
        return notes; // a CPU without the flag, or a module kept out, only helps
    }
    const std::string flag = virt_flag_for(plan.platform);
    if (!flag.empty() && facts.cpu.flags.count(flag) == 0U) {
        notes.push_back("the CPU shows no " + flag +
                        " in /proc/cpuinfo: the setting takes effect only once it does "
                        "(see `virt-nest check`)");
    }
    for (const ModuleBlock& block : module_blocks(facts.modprobe_files, plan.module)) {
        notes.push_back(block.file + ":" + std::to_string(block.line) + " has `" + block.statement +
                        "`, which virt-nest leaves alone: " +
                        (block.prevents_loading ? plan.module + " cannot load until it goes"
                                                : plan.module + " is not loaded at boot"));
    }
    return notes;
}

// Add the performance settings the CPU supports to `plan`, and a note for each it lacks.
void add_tuning(const HostFacts& facts, HostEnablePlan& plan) {
    for (const TuneParam& p : tuning_params(facts)) {
        if (!p.cpu_supports) {
            plan.notes.push_back("the CPU shows no " + p.cpu_flag + " in /proc/cpuinfo: " +
                                 p.param + " (" + p.what + ") is left as it is");
        }
    }
    for (const WantedOption& want : tuning_wanted(tuning_params(facts))) {
        plan.wanted.push_back(want);
    }
}

// Turn the wanted values of `plan` into file edits and commands.
HostEnablePlan finish_plan(const HostFacts& facts, HostEnablePlan plan) {
    plan.module_args = args_text(plan.wanted);
    const KvmModule* module = find_module(facts, plan.module);
    const bool ok_now = runtime_ok(facts, plan);
    const std::string verb = plan.disable ? "disable" : "enable";
    if (module != nullptr && module->built_in) {
        if (!ok_now) {
            throw Error("cannot " + verb + " nesting through modprobe.d: module \"" + plan.module +
                        "\" is built into the kernel; add `" +
                        args_text(plan.wanted, plan.module + ".") +
                        "` to the kernel command line and reboot");
        }
        plan.notes.push_back(plan.module + " is built into the kernel and already runs with " +
                             state_text(plan) + "; modprobe.d does not apply to it");
        return plan;
    }
    plan.persist = plan_persistent_options(facts.modprobe_files, facts.kernel_cmdline, plan.module,
                                           plan.wanted, "/etc/modprobe.d/kvm.conf",
                                           plan.disable ? "host disable" : "host enable");
    if (!plan.persist.unresolved.empty()) {
        throw Error("cannot persist " + plan.module + " " + plan.module_args + ": " +
                    plan.persist.unresolved.front());
    }
    for (std::string& note : plan_notes(facts, plan)) {
        plan.notes.push_back(std::move(note));
    }
    const std::vector<ModuleBlock> blocks = module_blocks(facts.modprobe_files, plan.module);
    plan.load_blocked = std::any_of(blocks.begin(), blocks.end(), [](const ModuleBlock& block) {
        return block.prevents_loading;
    });
    if (module == nullptr && !plan.disable) {
        plan.commands = {"modprobe " + plan.module};
    } else if (!ok_now) {
        plan.commands = {"modprobe -r " + plan.module, "modprobe " + plan.module};
    }
    return plan;
}

// Throw when a modprobe.d file cannot be read: its settings are unknown, and a plan might
// overwrite it.
void require_readable_conf(const HostFacts& facts) {
    if (!facts.unreadable_modprobe_files.empty()) {
        throw Error("cannot plan modprobe.d changes: cannot read \"" +
                    facts.unreadable_modprobe_files.front() + "\" (run as root)");
    }
}

} // namespace

HostEnablePlan plan_host_enable(const HostFacts& facts, bool tune) {
    HostEnablePlan plan;
    plan.platform = enable_platform(facts);
    require_readable_conf(facts);
    plan.module = kvm_module_for(plan.platform);
    // Nothing to write when the kernel's default already gives nested=1 at every boot, as
    // `check` says.
    const bool default_on = nested_on_by_default(plan.platform);
    const KvmModule* module = find_module(facts, plan.module);
    const bool by_default =
        default_on && module != nullptr && runtime_value(*module, "nested") == true &&
        !effective_option(facts.modprobe_files, facts.kernel_cmdline, plan.module, "nested");
    plan.wanted = {{"nested", true, !by_default}};
    if (plan.platform == Platform::ibm_z) {
        // The kvm module refuses to load with both nested=1 and hpage=1.
        plan.wanted.push_back({"hpage", false, false});
    }
    if (tune) {
        add_tuning(facts, plan);
    }
    return finish_plan(facts, std::move(plan));
}

HostEnablePlan plan_host_disable(const HostFacts& facts) {
    HostEnablePlan plan;
    plan.platform = enable_platform(facts);
    require_readable_conf(facts);
    plan.module = kvm_module_for(plan.platform);
    plan.disable = true;
    // Always written: the kernel's default is on for Intel and AMD, and an explicit 0 in
    // /etc survives kernel and vendor updates.
    plan.wanted = {{"nested", false, true}};
    return finish_plan(facts, std::move(plan));
}

std::vector<std::string> reload_blockers(const HostFacts& facts, const std::string& module,
                                         const std::vector<std::string>& running_vms) {
    std::vector<std::string> blockers;
    for (const ModuleBlock& block : module_blocks(facts.modprobe_files, module)) {
        if (block.prevents_loading) {
            blockers.push_back(block.file + ":" + std::to_string(block.line) + " has `" +
                               block.statement + "`: modprobe would run that instead of loading " +
                               module);
        }
    }
    // Running VMs block even a plain load: with KVM from another provider in use, loading
    // this module under them is not something to do behind their back.
    for (const std::string& vm : running_vms) {
        blockers.push_back("VM \"" + vm + "\" is running");
    }
    const KvmModule* loaded = find_module(facts, module);
    if (loaded == nullptr) {
        return blockers;
    }
    if (loaded->built_in) {
        blockers.push_back(module + " is built into the kernel and cannot be reloaded");
        return blockers;
    }
    if (!loaded->holders.empty()) {
        std::string names;
        for (const std::string& holder : loaded->holders) {
            names += (names.empty() ? "" : ", ") + holder;
        }
        blockers.push_back(module + " is held by module(s): " + names);
    }
    if (loaded->refcnt.value_or(0) > 0) {
        blockers.push_back(module + " is in use (refcnt " + std::to_string(*loaded->refcnt) +
                           "): a VM or another program holds /dev/kvm");
    }
    return blockers;
}

std::unique_ptr<ModuleLoader> make_modprobe_loader() { return std::make_unique<ModprobeLoader>(); }

namespace {

// Write (or, in a dry run, show) the modprobe.d edits of `plan`, and its notes.
void persist(const HostEnableRequest& request, const HostEnablePlan& plan, std::ostream& out) {
    const bool dry = request.dry_run;
    if (dry) {
        out << "dry run: nothing is written or reloaded\n";
    }
    if (plan.persist.edits.empty()) {
        out << plan.module << " " << plan.module_args << " already persists: no file to write\n";
    }
    for (const ConfEdit& edit : plan.persist.edits) {
        if (dry) {
            out << "would write " << edit.path
                << (edit.before ? " (replacing its content):\n" : " (new file):\n")
                << indented(edit.after);
        } else {
            write_in_root(request.root, edit.path, edit.after);
            out << "wrote " << edit.path << "\n";
        }
    }
    for (const std::string& change : plan.persist.changes) {
        out << "  " << change << "\n";
    }
    for (const std::string& note : plan.notes) {
        out << "note: " << note << "\n";
    }
}

// The names of the running VMs, or none with a note when libvirt cannot say.
std::vector<std::string> running_vms(const HostEnableTarget& target, std::ostream& out) {
    if (!target.running_vms) {
        return {};
    }
    try {
        return target.running_vms();
    } catch (const Error& e) {
        out << "note: cannot ask libvirt for running VMs (" << e.what()
            << "); relying on the module's use count\n";
        return {};
    }
}

// Unload and load the module, then check that the wanted values took effect.
void reload_module(const HostEnableTarget& target, const HostFacts& facts,
                   const HostEnablePlan& plan) {
    if (find_module(facts, plan.module) != nullptr) {
        target.loader->unload(plan.module);
    }
    target.loader->load(plan.module);
    HostFacts after = probe_host(*target.files);
    if (std::optional<std::string> state = unmet(after, plan)) {
        throw Error("reloaded module \"" + plan.module + "\" but " + *state +
                    "; see `virt-nest check`");
    }
}

// Apply `plan` now when asked and nothing uses the module, or say how to.
ExitCode reload(const HostEnableRequest& request, const HostEnableTarget& target,
                const HostFacts& facts, const HostEnablePlan& plan, std::ostream& out) {
    if (plan.commands.empty()) {
        if (request.reload) {
            out << "nothing to reload: " << plan.module << " already runs with " << state_text(plan)
                << "\n";
        }
        return ExitCode::ok;
    }
    std::string joined;
    for (const std::string& command : plan.commands) {
        joined += (joined.empty() ? "" : " && ") + command;
    }
    if (!request.reload) {
        out << "to apply it now, "
            << (plan.load_blocked ? "remove the install statement the note names, " : "")
            << (plan.commands.size() > 1 ? "stop every VM and " : "") << "run: " << joined
            << " (or run again with --reload)\n";
        return ExitCode::ok;
    }
    std::vector<std::string> blockers =
        reload_blockers(facts, plan.module, running_vms(target, out));
    if (!blockers.empty()) {
        out << "refusing to reload " << plan.module << ":\n";
        for (const std::string& blocker : blockers) {
            out << "  " << blocker << "\n";
        }
        out << "stop them, then run: " << joined << "\n";
        return ExitCode::incomplete;
    }
    if (request.dry_run) {
        out << "would run: " << joined << "\n";
        return ExitCode::ok;
    }
    reload_module(target, facts, plan);
    const std::string state = state_text(plan);
    out << "reloaded " << plan.module << ": "
        << (state == "nesting on"    ? "nested is on"
            : state == "nesting off" ? "nested is off"
                                     : state)
        << "\n";
    return ExitCode::ok;
}

} // namespace

HostEnableOutcome apply_host_enable(const HostEnableRequest& request,
                                    const HostEnableTarget& target) {
    HostFacts facts = probe_host(*target.files);
    HostEnablePlan plan =
        request.disable ? plan_host_disable(facts) : plan_host_enable(facts, request.tune);
    std::ostringstream out;
    HostEnableOutcome result;
    try {
        persist(request, plan, out);
        result.exit_code = reload(request, target, facts, plan, out);
    } catch (const Error& e) {
        // Files may already be written: the text says which, and the failure comes after it.
        result.failure = e;
        result.exit_code = e.code();
    }
    result.text = out.str();
    return result;
}

} // namespace virtnest
