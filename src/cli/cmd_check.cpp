// SPDX-License-Identifier: GPL-2.0-or-later
// `virt-nest check`: can this machine (host or guest), or a libvirt host, run nested guests?
#include "cli/commands.hpp"
#include "virtnest/check/check_render.hpp"
#include "virtnest/check/disabled_verdict.hpp"
#include "virtnest/check/host_probe.hpp"
#include "virtnest/check/host_verdict.hpp"
#include "virtnest/check/kvm_probe_runner.hpp"
#include "virtnest/check/kvm_probe_verdict.hpp"
#include "virtnest/check/libvirt_verdict.hpp"
#include "virtnest/fleet/fleet_runner.hpp"
#include "virtnest/libvirt/connection.hpp"
#include "virtnest/libvirt/domain_caps.hpp"
#include "virtnest/live/hugepage_conflict.hpp"
#include "virtnest/live/nest_target_cache.hpp"
#include "virtnest/util/error.hpp"

#include <CLI/CLI.hpp>

#include <filesystem>
#include <ostream>
#include <tuple>

namespace virtnest {
namespace {

struct CheckOptions {
    std::string root = "/";
    bool json = false;
    bool expect_disabled = false;
    bool probe = false;
};

// IBM Z: the domains whose definition asks for huge pages (see libvirt.hugepages).
std::vector<std::string> hugepage_domains(const Connection& conn) {
    std::vector<std::string> names;
    for (const Domain& domain : conn.list_all_domains()) {
        try {
            if (uses_hugepages(domain.xml(XmlView::inactive))) {
                names.push_back(domain.name());
            }
        } catch (const LibvirtError&) {
            // Undefined since the listing: nothing to start.
        }
    }
    return names;
}

LibvirtFacts gather_libvirt_facts(const std::string& uri, bool read_only) {
    LibvirtFacts facts;
    facts.uri = uri;
    facts.remote = is_remote_uri(uri);
    std::optional<Connection> conn;
    try {
        // Read-only connections may not ask for domain capabilities (libvirt 9.0): only -r
        // opens one, and then says what could not be verified.
        conn.emplace(Connection::open(uri, read_only));
    } catch (const Error& e) {
        facts.error = e.what();
        return facts;
    }
    facts.reachable = true;
    std::tie(facts.libvirt_version, facts.qemu_version) = conn->versions();
    try {
        std::optional<std::string> xml = conn->domain_capabilities(CapsKey{"", "", "", "kvm"});
        if (!xml) {
            facts.domcaps_unsupported = true;
            return facts;
        }
        facts.kvm_caps = parse_domain_caps(*xml);
    } catch (const LibvirtError& e) {
        if (e.failure() == LibvirtFailure::read_only) {
            facts.read_only_refused = true;
        } else {
            facts.kvm_caps_error = e.what();
        }
        return facts;
    } catch (const Error& e) {
        facts.kvm_caps_error = e.what();
        return facts;
    }
    const DomainCaps& caps = *facts.kvm_caps;
    if (caps.host_model_supported) {
        try {
            facts.expanded_features = expanded_host_model_features(
                *conn, CapsKey{caps.emulator, caps.arch, caps.machine, "kvm"}, caps);
        } catch (const Error& e) {
            facts.baseline_error = e.what();
        }
    }
    if (caps.arch == "s390x") {
        facts.hugepage_domains = hugepage_domains(*conn);
    }
    return facts;
}

std::filesystem::path checked_root(const std::string& root) {
    std::error_code ec;
    if (!std::filesystem::is_directory(root, ec)) {
        throw Error("cannot check root \"" + root + "\": not a directory");
    }
    return std::filesystem::weakly_canonical(root, ec);
}

HostFacts probe_root(const std::filesystem::path& root) {
    RootedHostFiles files(root);
    return probe_host(files);
}

CheckReport local_report(const std::filesystem::path& root, const std::string& shown_root,
                         bool expect_disabled, const std::optional<ProbeResult>& probe,
                         const HostFacts& facts) {
    CheckReport report;
    report.checks = expect_disabled ? expect_disabled_checks(facts) : host_checks(facts);
    report.expect_disabled = expect_disabled;
    if (probe && !expect_disabled) {
        report.checks = with_probe(std::move(report.checks), *probe, kvm_provider(facts));
    }
    report.target = root == "/" ? "/ (this machine)" : "root " + shown_root;
    return report;
}

// What every host of one `check` run shares.
struct CheckRun {
    std::filesystem::path root;
    std::string shown_root;     // --root as given
    bool explicit_uris = false; // -c or --hosts named the hosts; else libvirt's default
    bool colour = false;
    bool expect_disabled = false;     // --expect-disabled: this machine's files decide
    bool read_only = false;           // -r/--readonly
    std::optional<ProbeResult> probe; // --probe: the tiny guest's result on this machine
};

// --expect-disabled: the files of this machine, or a failure for a host out of reach.
CheckReport disabled_report(const CheckRun& run, const std::string& uri) {
    if (run.explicit_uris && is_remote_uri(uri)) {
        CheckReport report;
        report.target = uri;
        report.expect_disabled = true;
        report.checks.push_back(
            Check::failure("disabled.runtime",
                           "\"" + uri + "\" is another host, whose /proc and /sys are out of reach",
                           "run `virt-nest check --expect-disabled` on that host"));
        return report;
    }
    return local_report(run.root, run.shown_root, true, std::nullopt, probe_root(run.root));
}

// The report of one host: its files (unless the URI names another machine) and libvirt's
// view (unless --root names another system and no URI was given).
CheckReport check_report(const CheckRun& run, const std::string& uri) {
    if (run.expect_disabled) {
        return disabled_report(run, uri);
    }
    if (!run.explicit_uris && run.root != "/") {
        CheckReport report =
            local_report(run.root, run.shown_root, false, run.probe, probe_root(run.root));
        report.notes.emplace_back("libvirt's view skipped: --root names another system; add "
                                  "-c URI to ask its daemon");
        return report;
    }
    CheckReport report;
    if (is_remote_uri(uri)) {
        report.target = uri;
        report.notes.push_back("local checks skipped: \"" + uri +
                               "\" is another host, whose /proc and /sys are out of "
                               "reach; libvirt's view stands for them");
        if (run.probe) {
            report.notes.emplace_back("kvm.probe skipped: --probe runs its guest on this "
                                      "machine only");
        }
    }
    LibvirtFacts libvirt = gather_libvirt_facts(uri, run.read_only);
    if (!is_remote_uri(uri)) {
        HostFacts host = probe_root(run.root);
        host.qemu_version = libvirt.qemu_version; // libvirt's, for the migration note
        // POWER's nesting is kvm_hv's, which libvirt does not show: the same files say it.
        add_local_nested(libvirt, host);
        report = local_report(run.root, run.shown_root, false, run.probe, host);
        if (run.explicit_uris) {
            report.target += " via " + uri;
        }
    }
    std::vector<Check> view = libvirt_checks(libvirt);
    report.checks.insert(report.checks.end(), view.begin(), view.end());
    return report;
}

ExitCode run_check(const CommandContext& ctx, const CheckOptions& options) {
    CheckRun run;
    run.root = checked_root(options.root);
    run.shown_root = options.root;
    run.explicit_uris = !ctx.global.uris.empty() || !ctx.global.hosts_file.empty();
    run.colour = ctx.colour();
    run.read_only = ctx.read_only;
    run.expect_disabled = options.expect_disabled;
    if (options.probe) {
        if (run.root != "/") {
            throw Error("cannot probe root \"" + options.root +
                        "\": --probe runs a guest on this machine's /dev/kvm; drop --root");
        }
        // Once, before the per-host threads start: the probe forks.
        run.probe = run_kvm_probe("/dev/kvm", k_probe_step_timeout);
    }
    OutputOptions output;
    output.command = "check";
    output.format = options.json ? OutputFormat::json : OutputFormat::text;
    return run_on_hosts(ctx.global, *ctx.out, *ctx.err, output, [&run](const std::string& uri) {
        CheckReport report = check_report(run, uri);
        RunOutcome outcome;
        outcome.exit_code = is_ready(report.checks) ? ExitCode::ok : ExitCode::not_ready;
        outcome.text = render_text(report, run.colour);
        outcome.payload = report_json(report);
        return outcome;
    });
}

} // namespace

void setup_check(CLI::App& app, CommandContext& ctx) {
    auto options = std::make_shared<CheckOptions>();
    auto* sub = app.add_subcommand(
        "check", "check whether this machine (host or guest), or a libvirt host, can run nested "
                 "guests; exit 0 when it can, 4 when it cannot");
    sub->add_option("--root", options->root,
                    "read /proc, /sys, /dev and /etc below DIR (a mounted image or fixture tree)")
        ->type_name("DIR");
    sub->add_flag("--json", options->json, "print one JSON document with every check");
    sub->add_flag("--expect-disabled", options->expect_disabled,
                  "pass only when nesting is off now and at the next boot, everywhere it could "
                  "come from (see `host disable`)");
    sub->add_flag("--probe", options->probe,
                  "also run a tiny guest through /dev/kvm (in a child process, with a "
                  "timeout): ready only if it ran; not with --root");
    sub->callback([&ctx, options] { ctx.exit_code = run_check(ctx, *options); });
}

} // namespace virtnest
