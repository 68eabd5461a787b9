// SPDX-License-Identifier: GPL-2.0-or-later
// `virt-nest rewrite`: the offline <cpu> rewrite of one domain XML document.
#include "cli/commands.hpp"
#include "virtnest/rewrite/cpu_rewrite.hpp"
#include "virtnest/rewrite/cpu_vendor.hpp"
#include "virtnest/util/atomic_file.hpp"
#include "virtnest/util/colour.hpp"
#include "virtnest/util/error.hpp"
#include "virtnest/util/name_suggest.hpp"
#include "virtnest/xml/secret_mask.hpp"
#include "virtnest/xml/xml_diff.hpp"
#include "virtnest/xml/xml_document.hpp"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace virtnest {
namespace {

struct RewriteOptions {
    std::string input = "-";
    std::string mode;
    std::string model;
    std::string feature;
    std::string vendor;
    std::string guest_os = "detect";
    bool require_paging = false;
    bool migratable = false;
    bool disable = false;
    bool diff = false;
    int context = 3;
    bool verbose = false;
    bool exit_code = false;
    std::string output;
    std::string baseline; // --baseline FILE: the <cpu> of `virt-nest baseline`
};

std::string read_input(const std::string& path) {
    std::ostringstream text;
    if (path == "-") {
        text << std::cin.rdbuf();
        if (std::cin.bad()) {
            throw Error("cannot read standard input");
        }
        if (text.str().empty()) {
            throw Error("standard input is empty: give a domain XML document or a FILE");
        }
        return text.str();
    }
    if (std::filesystem::is_directory(path)) {
        throw Error("cannot read file \"" + path + "\": it is a directory");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Error("cannot read file \"" + path + "\": " + std::strerror(errno));
    }
    text << in.rdbuf();
    return text.str();
}

// --mode baseline --baseline FILE (or --baseline alone): the cluster's <cpu> from FILE.
void apply_baseline_option(const RewriteOptions& opts, RewriteRequest& request) {
    if (opts.baseline.empty() || opts.baseline == "-" || opts.disable ||
        (!opts.mode.empty() && opts.mode != "baseline") || !opts.model.empty()) {
        throw Error("rewrite --mode baseline needs --baseline FILE (the <cpu> that `virt-nest "
                    "baseline` prints) and takes no --disable, --model or other --mode",
                    ExitCode::usage);
    }
    request.mode = CpuMode::custom;
    request.baseline_cpu = read_input(opts.baseline);
}

RewriteRequest make_request(const RewriteOptions& opts) {
    RewriteRequest request;
    request.nesting = opts.disable ? Nesting::disable : Nesting::enable;
    if (opts.mode == "baseline" || !opts.baseline.empty()) {
        apply_baseline_option(opts, request);
    } else if (!opts.mode.empty()) {
        request.mode = parse_cpu_mode(opts.mode);
        if (!request.mode) {
            throw Error("unknown CPU mode \"" + opts.mode + "\"" +
                            did_you_mean(opts.mode,
                                         {"host-passthrough", "host-model", "custom", "maximum"}),
                        ExitCode::usage);
        }
    } else if (!opts.disable) {
        throw Error("rewrite needs --mode host-passthrough, host-model, custom or maximum",
                    ExitCode::usage);
    }
    if (!opts.model.empty()) {
        request.model = opts.model;
    }
    if (!opts.feature.empty()) {
        request.feature = parse_nest_feature(opts.feature);
    }
    if (!opts.vendor.empty()) {
        request.vendor = parse_vendor(opts.vendor);
    }
    request.guest_os = parse_guest_os(opts.guest_os).value_or(GuestOs::detect);
    request.require_paging = opts.require_paging;
    request.migratable = opts.migratable;
    return request;
}

ExitCode run_rewrite(const RewriteOptions& opts, const CommandContext& ctx) {
    RewriteRequest request = make_request(opts);
    std::string input = read_input(opts.input);
    bool from_stdin = opts.input == "-";
    std::string source = from_stdin ? "standard input" : "file \"" + opts.input + "\"";
    RewriteResult result = rewrite_cpu(input, request, source);

    std::string text;
    if (opts.diff) {
        std::string label = from_stdin ? "<stdin>" : opts.input;
        // Both sides printed by the same formatter: only the rewrite shows up, not layout.
        std::string before = result.changed ? canonical_xml(input, source) : result.xml;
        text = unified_diff(mask_secrets(before), mask_secrets(result.xml), label,
                            label + " (rewritten)", opts.context);
    } else {
        text = result.xml;
    }

    for (const std::string& warning : result.warnings) {
        *ctx.err << "virt-nest: warning: " << warning << '\n';
    }
    if (opts.verbose) {
        for (const std::string& change : result.changes) {
            *ctx.err << "virt-nest: change: " << change << '\n';
        }
    }
    if (!result.changed) {
        *ctx.err << "virt-nest: " << source << " is already "
                 << (opts.disable ? "nest-disabled" : "nest-capable")
                 << " as asked; nothing to do\n";
    }
    if (opts.output.empty()) {
        *ctx.out << (opts.diff ? paint_diff(text, ctx.colour()) : text);
    } else {
        write_output_file(opts.output, text);
    }
    // Nothing to do is success, so `set -o pipefail` pipelines go on; --exit-code asks
    // for the detailed code, as `git diff --exit-code` does.
    return result.changed || !opts.exit_code ? ExitCode::ok : ExitCode::unchanged;
}

} // namespace

void setup_rewrite(CLI::App& app, CommandContext& ctx) {
    auto opts = std::make_shared<RewriteOptions>();
    auto* sub = app.add_subcommand(
        "rewrite", "rewrite a domain XML document's <cpu> for nesting (offline, no libvirt)");
    sub->add_option("file", opts->input, "domain XML file, or - for standard input (default)")
        ->type_name("FILE|-");
    sub->add_option("--mode", opts->mode,
                    "target CPU mode: host-passthrough, host-model, custom, "
                    "maximum, baseline (with --disable: default keeps the mode)")
        ->type_name("MODE");
    sub->add_option("--baseline", opts->baseline,
                    "--mode baseline: the <cpu> that `virt-nest baseline` printed")
        ->type_name("FILE");
    sub->add_option("--model", opts->model, "CPU model for custom mode, e.g. Skylake-Server, EPYC")
        ->type_name("NAME");
    sub->add_option("--feature", opts->feature, "nesting feature to require or disable")
        ->check(CLI::IsMember({"vmx", "svm"}))
        ->type_name("vmx|svm");
    sub->add_option("--vendor", opts->vendor, "host CPU vendor, to choose vmx (intel) or svm (amd)")
        ->check(CLI::IsMember({"intel", "amd"}))
        ->type_name("intel|amd");
    sub->add_option("--guest-os", opts->guest_os,
                    "windows: set up Hyper-V enlightenments for nesting (evmcs with vapic on "
                    "Intel, none on AMD); detect (default) reads <hyperv> and libosinfo metadata")
        ->check(CLI::IsMember({"windows", "other", "detect"}))
        ->type_name("windows|other|detect");
    sub->add_flag("--with-paging", opts->require_paging,
                  "custom mode: also require npt when the AMD model lacks it");
    sub->add_flag("--migratable", opts->migratable,
                  "host-passthrough/maximum: set migratable='on'");
    sub->add_flag("--disable", opts->disable,
                  "turn nesting off instead (hardening): disable vmx/svm, nested-hv off");
    sub->add_flag("--diff", opts->diff,
                  "print a unified diff instead of the document (secrets masked)");
    sub->add_option("-U,--context", opts->context, "lines of context around each change in --diff")
        ->check(CLI::NonNegativeNumber)
        ->type_name("N");
    sub->add_flag("-v,--verbose", opts->verbose, "list each change on standard error");
    sub->add_flag("--exit-code", opts->exit_code,
                  "exit 5 when the document already is as asked (default: 0)");
    sub->add_option("-o,--output", opts->output,
                    "write to OUT (a new or regular file atomically, mode 0600; a device or FIFO "
                    "in place) instead of "
                    "standard output")
        ->type_name("OUT");
    sub->callback([opts, &ctx] { ctx.exit_code = run_rewrite(*opts, ctx); });
}

} // namespace virtnest
