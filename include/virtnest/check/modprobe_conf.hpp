// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// modprobe.d configuration: which `options` lines set a KVM module parameter, which one
// takes effect, and the file edits that make a setting persistent. Pure.

#include "virtnest/check/host_probe.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virtnest {

// One `param=value` of an `options` statement, of an `install` statement that runs
// `modprobe ... module param=value`, or of `module.param=value` on the kernel command line
// (file "/proc/cmdline", line 0).
struct ModuleOption {
    std::string file;
    int line = 0;       // 1-based physical line holding the assignment
    std::string module; // as modprobe matches it: '-' turned into '_'
    std::string param;
    std::string value;         // unquoted; "" for a bare `param` (a boolean set to true)
    std::string written;       // the assignment as the file spells it, e.g. `nested="0"`
    bool from_install = false; // passed by an `install` statement's modprobe command
};

// Return every `options` assignment in `file`, in order (comments, `\` continuations,
// CRLF line ends and quoted values handled as modprobe and the kernel do).
std::vector<ModuleOption> parse_module_options(const ConfFile& file);

// Return the assignments that `install` statements of `file` pass to the module they load
// (`install kvm_amd /sbin/modprobe --ignore-install kvm_amd nested=0`), in order.
std::vector<ModuleOption> parse_install_options(const ConfFile& file);

// Return the assignment that takes effect for `module`'s `param`: the last one across
// `files` (in modprobe's order), overridden by the kernel command line, overridden in turn
// by the first `install` statement for the module that passes it; nullopt when nothing sets
// it, so the module's built-in default applies.
std::optional<ModuleOption> effective_option(const std::vector<ConfFile>& files,
                                             std::string_view cmdline, std::string_view module,
                                             std::string_view param);

// A statement that keeps a module from loading: `blacklist` (no automatic loading at boot)
// or `install <module> /bin/false` (or /bin/true: modprobe runs that instead of loading it).
struct ModuleBlock {
    std::string file;
    int line = 0;
    std::string statement;         // the statement as written, e.g. "blacklist kvm_amd"
    bool prevents_loading = false; // install: even an explicit `modprobe` cannot load it
};

// Return the statements in `files` that keep `module` from loading.
std::vector<ModuleBlock> module_blocks(const std::vector<ConfFile>& files, std::string_view module);

// Return the boolean a module parameter value means: Y/y/1 (and "" for a bare flag) true,
// N/n/0 false; nullopt for anything else.
std::optional<bool> parse_bool_param(std::string_view value);

// One parameter value a plan must make persistent.
struct WantedOption {
    std::string param;
    bool value = true;
    bool add_if_missing = true; // false: only correct lines that set it otherwise
};

// One file to write.
struct ConfEdit {
    std::string path;                  // absolute, under /etc/modprobe.d
    std::optional<std::string> before; // current content; nullopt when the file is new
    std::string after;
};

// What it takes to make a module's options persistent.
struct PersistPlan {
    std::vector<ConfEdit> edits;         // empty: already persistent
    std::vector<std::string> changes;    // one line per changed or added setting
    std::vector<std::string> unresolved; // settings no file edit can fix (kernel command line)
};

// Plan the modprobe.d edits that make every `wanted` option of `module` take effect at the
// next module load and at every boot: lines that set it otherwise (in `options` or
// `install` statements) are corrected in place in /etc, or in an /etc copy that overrides
// a vendor file or a /run file (cleared at boot), a setting that only /run holds is
// carried into such a copy, and a missing setting is appended to `target`
// ("/etc/modprobe.d/kvm.conf"), keeping what that file holds. Added lines and copies say
// they were made `by` that virt-nest command.
PersistPlan plan_persistent_options(const std::vector<ConfFile>& files, std::string_view cmdline,
                                    std::string_view module,
                                    const std::vector<WantedOption>& wanted,
                                    std::string_view target = "/etc/modprobe.d/kvm.conf",
                                    std::string_view by = "host enable");

} // namespace virtnest
