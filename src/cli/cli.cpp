// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/cli/cli.hpp"

#include "cli/commands.hpp"
#include "cli/help_text.hpp"
#include "virtnest/fleet/fleet_report.hpp"
#include "virtnest/libvirt/connection.hpp"
#include "virtnest/util/colour.hpp"
#include "virtnest/util/error.hpp"
#include "virtnest/util/name_suggest.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <unistd.h>

namespace virtnest {
namespace {

// A result that did not reach standard output (a full disk, /dev/full, a closed descriptor)
// is a failure, whatever the command decided.
int finish_output(std::ostream& out, std::ostream& err, int code) {
    errno = 0;
    out.flush();
    if (&out == &std::cout && std::fflush(stdout) != 0) {
        out.setstate(std::ios::badbit);
    }
    if (!out) {
        const int reason = errno;
        err << "virt-nest: error: cannot write standard output"
            << (reason != 0 ? std::string(": ") + std::strerror(reason) : std::string()) << '\n';
        return to_int(ExitCode::error);
    }
    return code;
}

// A run asked for JSON gets its error inside the JSON too, not only on stderr.
void print_error_json(const CLI::App& app, std::ostream& out, const Error& error) {
    for (const CLI::App* sub : app.get_subcommands()) {
        const bool lines =
            sub->get_option_no_throw("--json-lines") != nullptr && sub->count("--json-lines") > 0;
        if (!lines &&
            (sub->get_option_no_throw("--json") == nullptr || sub->count("--json") == 0)) {
            continue;
        }
        nlohmann::json doc = render_error_envelope(sub->get_name(), error.what(), error.code());
        if (lines) {
            doc = {{"record", "summary"},
                   {"format_version", doc["format_version"]},
                   {"command", doc["command"]},
                   {"error", doc["error"]},
                   {"summary", doc["summary"]}};
        }
        out << dump_json(doc, lines ? -1 : 2);
    }
}

} // namespace

bool CommandContext::colour() const {
    return use_colour(parse_colour_when(colour_when).value_or(ColourWhen::automatic),
                      std::getenv("NO_COLOR"), out_is_terminal);
}

void refuse_read_only(const CommandContext& ctx, const std::string& command) {
    if (ctx.read_only) {
        throw Error("-r/--readonly is for list and check: " + command +
                        " needs a read-write connection",
                    ExitCode::usage);
    }
}

namespace {

// The options every subcommand shares, before the subcommand's name.
void add_global_options(CLI::App& app, CommandContext& ctx) {
    // A function, so that libvirt is asked for its version only when --version is given.
    app.set_version_flag("--version", [] {
        return std::string("virt-nest ") + VIRTNEST_VERSION + "\nlibvirt " +
               libvirt_build_version() + " at build time, " +
               libvirt_runtime_version().value_or("unknown") + " at run time";
    });
    app.require_subcommand(1);
    app.add_option("-c,--connect", ctx.global.uris,
                   "libvirt URI (repeatable); default: LIBVIRT_DEFAULT_URI or libvirt's default")
        ->type_name("URI");
    app.add_option("--hosts", ctx.global.hosts_file, "read more URIs from FILE, one a line")
        ->type_name("FILE");
    app.add_option("--jobs", ctx.global.jobs, "hosts worked on at once (1 to 256)")
        ->check(CLI::Range(1U, 256U));
    app.add_option("--color", ctx.colour_when,
                   "colour check verdicts, actions and diffs: auto (on a terminal, unless "
                   "NO_COLOR is set), always or never; never in JSON")
        ->check(CLI::IsMember({"auto", "always", "never"}))
        ->type_name("WHEN");
    app.add_flag("-r,--readonly", ctx.read_only,
                 "open read-only connections, as virsh -r (list and check; list does anyway)");
}

void add_subcommands(CLI::App& app, CommandContext& ctx) {
    setup_rewrite(app, ctx);
    setup_list(app, ctx);
    setup_verify(app, ctx);
    setup_enable_disable(app, ctx);
    setup_revert(app, ctx);
    setup_check(app, ctx);
    setup_host(app, ctx);
    setup_baseline(app, ctx);
    setup_backups(app, ctx);
    add_help_footers(app);
}

// Return the subcommand word of `args` when `app` has no such subcommand (CLI11 would say
// only "A subcommand is required"); nullopt when it names one, or names none. The first word
// that is not an option (or a global option's value) is the subcommand.
std::optional<std::string> unknown_subcommand(const CLI::App& app,
                                              const std::vector<std::string>& args) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "-c" || arg == "--connect" || arg == "--hosts" || arg == "--jobs" ||
            arg == "--color") {
            ++i;
            continue;
        }
        if (arg.empty() || arg.front() == '-') {
            continue;
        }
        for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
            if (sub->get_name() == arg) {
                return std::nullopt;
            }
        }
        return arg;
    }
    return std::nullopt;
}

// Parse `args` (which runs the subcommand's callback) and turn every way it can end into an
// exit status, with the message on `err`: the one catch site of the program.
int parse_and_run(CLI::App& app, const std::vector<std::string>& args, const CommandContext& ctx,
                  std::ostream& out, std::ostream& err) {
    // CLI11 parses argv-style input in reverse order.
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
        app.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        out << app.help();
        return 0;
    } catch (const CLI::CallForAllHelp&) {
        out << app.help("", CLI::AppFormatMode::All);
        return 0;
    } catch (const CLI::CallForVersion&) {
        out << app.version() << '\n';
        return 0;
    } catch (const CLI::ParseError& e) {
        err << "virt-nest: error: " << e.what() << '\n' << "run 'virt-nest --help' for usage\n";
        return to_int(ExitCode::usage);
    } catch (const Error& e) {
        err << "virt-nest: error: " << e.what() << '\n';
        print_error_json(app, out, e);
        return finish_output(out, err, to_int(e.code()));
    } catch (const std::exception& e) {
        err << "virt-nest: error: " << e.what() << '\n';
        return to_int(ExitCode::error);
    }
    return finish_output(out, err, to_int(ctx.exit_code));
}

} // namespace

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    CommandContext ctx;
    ctx.out = &out;
    ctx.err = &err;
    ctx.out_is_terminal = (&out == &std::cout) && isatty(STDOUT_FILENO) == 1;
    CLI::App app{"virt-nest: make libvirt domains nest-capable (run their own VMs), and prove it",
                 "virt-nest"};
    add_global_options(app, ctx);
    add_subcommands(app, ctx);
    if (const std::optional<std::string> word = unknown_subcommand(app, args)) {
        std::vector<std::string> names;
        for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
            names.push_back(sub->get_name());
        }
        const std::vector<std::string_view> candidates(names.begin(), names.end());
        err << "virt-nest: error: unknown subcommand \"" << *word << "\""
            << did_you_mean(*word, candidates) << '\n'
            << "run 'virt-nest --help' for usage\n";
        return to_int(ExitCode::usage);
    }
    return parse_and_run(app, args, ctx, out, err);
}

int run_cli(int argc, const char* const* argv) {
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) {
        args.emplace_back(argv[i]); // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
    }
    return run_cli(args, std::cout, std::cerr);
}

} // namespace virtnest
