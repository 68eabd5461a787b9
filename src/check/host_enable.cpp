// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/check/host_enable.hpp"

#include "virtnest/check/host_verdict.hpp"
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
        for (std::string& arg : args) {
            argv.push_back(arg.data());
        }
        argv.push_back(nullptr);
        pid_t pid = 0;
        int rc = ::posix_spawnp(&pid, "modprobe", nullptr, nullptr, argv.data(), environ);
        if (rc != 0) {
            throw Error("cannot " + what + " module \"" + module +
                        "\": cannot run modprobe: " + std::strerror(rc));
        }
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0) {
            if (errno != EINTR) {
                throw Error("cannot " + what + " module \"" + module +
                            "\": cannot wait for modprobe: " + std::strerror(errno));
            }
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            throw Error("cannot " + what + " module \"" + module +
                        "\": modprobe exited with status " +
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

bool runtime_ok(const HostFacts& facts, const HostEnablePlan& plan) {
    const KvmModule* module = find_module(facts, plan.module);
    if (module == nullptr) {
        return false;
    }
    auto nested = module->params.find("nested");
    if (nested == module->params.end() || parse_bool_param(nested->second) != true) {
        return false;
    }
    auto hpage = module->params.find("hpage");
    return plan.platform != Platform::ibm_z || hpage == module->params.end() ||
           parse_bool_param(hpage->second) != true;
}

// The platform `host enable` works on; throws Error for those it cannot enable.
Platform enable_platform(const HostFacts& facts) {
    if (!facts.cpuinfo_readable) {
        throw Error("cannot enable nesting: /proc/cpuinfo is unreadable, so the CPU vendor is "
                    "unknown");
    }
    if (facts.cpu.platform == Platform::arm) {
        throw Error("cannot enable nesting on ARM: this stack (KVM, QEMU 7.2, libvirt 9) has no "
                    "nested virtualization there");
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

} // namespace

HostEnablePlan plan_host_enable(const HostFacts& facts) {
    HostEnablePlan plan;
    plan.platform = enable_platform(facts);
    plan.module = kvm_module_for(plan.platform);
    // Nothing to write when the kernel's default already gives nested=1 at every boot, as
    // `check` says (kvm_intel since Linux 4.20 and kvm_amd default to it).
    const bool default_on = plan.platform == Platform::intel || plan.platform == Platform::amd;
    const bool by_default =
        default_on && runtime_ok(facts, plan) &&
        !effective_option(facts.modprobe_files, facts.kernel_cmdline, plan.module, "nested");
    std::vector<WantedOption> wanted = {{"nested", true, !by_default}};
    plan.module_args = "nested=1";
    if (plan.platform == Platform::ibm_z) {
        // The kvm module refuses to load with both nested=1 and hpage=1.
        wanted.push_back({"hpage", false, false});
        plan.module_args = "nested=1 hpage=0";
    }
    const KvmModule* module = find_module(facts, plan.module);
    const bool ok_now = runtime_ok(facts, plan);
    if (module != nullptr && module->built_in) {
        if (!ok_now) {
            throw Error("cannot enable nesting through modprobe.d: module \"" + plan.module +
                        "\" is built into the kernel; add `" + plan.module +
                        ".nested=1` to the kernel command line and reboot");
        }
        plan.notes.push_back(plan.module + " is built into the kernel and already runs with "
                                           "nested on; modprobe.d does not apply to it");
        return plan;
    }
    plan.persist =
        plan_persistent_options(facts.modprobe_files, facts.kernel_cmdline, plan.module, wanted);
    if (!plan.persist.unresolved.empty()) {
        throw Error("cannot persist " + plan.module + " " + plan.module_args + ": " +
                    plan.persist.unresolved.front());
    }
    plan.notes = plan_notes(facts, plan);
    const std::vector<ModuleBlock> blocks = module_blocks(facts.modprobe_files, plan.module);
    plan.load_blocked = std::any_of(blocks.begin(), blocks.end(), [](const ModuleBlock& block) {
        return block.prevents_loading;
    });
    if (module == nullptr) {
        plan.commands = {"modprobe " + plan.module};
    } else if (!ok_now) {
        plan.commands = {"modprobe -r " + plan.module, "modprobe " + plan.module};
    }
    return plan;
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
    const KvmModule* loaded = find_module(facts, module);
    if (loaded == nullptr) {
        return blockers; // nothing to unload; loading disturbs no one
    }
    if (loaded->built_in) {
        blockers.push_back(module + " is built into the kernel and cannot be reloaded");
        return blockers;
    }
    for (const std::string& vm : running_vms) {
        blockers.push_back("VM \"" + vm + "\" is running");
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

// Unload and load the module, then check that nesting is on.
void reload_module(const HostEnableTarget& target, const HostFacts& facts,
                   const HostEnablePlan& plan) {
    if (find_module(facts, plan.module) != nullptr) {
        target.loader->unload(plan.module);
    }
    target.loader->load(plan.module);
    HostFacts after = probe_host(*target.files);
    if (runtime_ok(after, plan)) {
        return;
    }
    const KvmModule* module = find_module(after, plan.module);
    std::string state =
        module == nullptr ? "it is not loaded"
                          : "nested is \"" +
                                (module->params.count("nested") != 0U ? module->params.at("nested")
                                                                      : std::string("missing")) +
                                "\"";
    throw Error("reloaded module \"" + plan.module + "\" but " + state + "; see `virt-nest check`");
}

// Apply `plan` now when asked and nothing uses the module, or say how to.
ExitCode reload(const HostEnableRequest& request, const HostEnableTarget& target,
                const HostFacts& facts, const HostEnablePlan& plan, std::ostream& out) {
    if (plan.commands.empty()) {
        if (request.reload) {
            out << "nothing to reload: " << plan.module << " already runs with nesting on\n";
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
    out << "reloaded " << plan.module << ": nested is on\n";
    return ExitCode::ok;
}

} // namespace

HostEnableOutcome apply_host_enable(const HostEnableRequest& request,
                                    const HostEnableTarget& target) {
    HostFacts facts = probe_host(*target.files);
    HostEnablePlan plan = plan_host_enable(facts);
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
