#include "virtnest/cli/cli.hpp"

#include "cli/commands.hpp"
#include "virtnest/libvirt/connection.hpp"
#include "virtnest/util/error.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <unistd.h>

namespace virtnest {

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
    return to_int(ctx.exit_code);
}

int run_cli(int argc, const char* const* argv) {
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) {
        args.emplace_back(argv[i]); // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
    }
    return run_cli(args, std::cout, std::cerr);
}

} // namespace virtnest
