// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/cli/cli.hpp"

#include "cli/commands.hpp"
#include "virtnest/libvirt/connection.hpp"
#include "virtnest/util/error.hpp"
#include "virtnest/util/name_suggest.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
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

} // namespace

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    CommandContext ctx;
    ctx.out = &out;
    ctx.err = &err;
    ctx.out_is_terminal = (&out == &std::cout) && isatty(STDOUT_FILENO) == 1;

    CLI::App app{"virt-nest: make libvirt domains nest-capable (run their own VMs), and prove it",
                 "virt-nest"};
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
    app.add_option("--jobs", ctx.global.jobs, "hosts worked on at once")
        ->check(CLI::Range(1U, 256U));

    setup_rewrite(app, ctx);
    setup_list(app, ctx);
    setup_enable_disable(app, ctx);
    setup_revert(app, ctx);
    setup_check(app, ctx);
    setup_host(app, ctx);
    setup_baseline(app, ctx);

    // CLI11 says "A subcommand is required" for a misspelt one; name it instead. The first
    // word that is not an option (or a global option's value) is the subcommand.
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "-c" || arg == "--connect" || arg == "--hosts" || arg == "--jobs") {
            ++i;
            continue;
        }
        if (arg.empty() || arg.front() == '-') {
            continue;
        }
        std::vector<std::string> names;
        for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
            names.push_back(sub->get_name());
        }
        if (std::find(names.begin(), names.end(), arg) == names.end()) {
            std::vector<std::string_view> candidates(names.begin(), names.end());
            err << "virt-nest: error: unknown subcommand \"" << arg << "\""
                << did_you_mean(arg, candidates) << '\n'
                << "run 'virt-nest --help' for usage\n";
            return to_int(ExitCode::usage);
        }
        break;
    }

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
        return to_int(e.code());
    } catch (const std::exception& e) {
        err << "virt-nest: error: " << e.what() << '\n';
        return to_int(ExitCode::error);
    }
    return finish_output(out, err, to_int(ctx.exit_code));
}

int run_cli(int argc, const char* const* argv) {
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) {
        args.emplace_back(argv[i]); // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
    }
    return run_cli(args, std::cout, std::cerr);
}

} // namespace virtnest
