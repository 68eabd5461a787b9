// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli_capture.hpp"
#include "virtnest/cli/cli.hpp"
#include "virtnest/util/exit_code.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using virtnest::ExitCode;
using virtnest::to_int;

namespace {

const std::string k_custom = "<domain type='kvm'>\n"
                             "  <name>web-1</name>\n"
                             "  <cpu mode='custom' match='exact'>\n"
                             "    <model>Haswell</model>\n"
                             "  </cpu>\n"
                             "  <devices>\n"
                             "    <graphics type='vnc' passwd='s3cret'/>\n"
                             "  </devices>\n"
                             "</domain>\n";

using Run = test_support::CliRun;

Run cli(const std::vector<std::string>& args) { return test_support::run_cli_captured(args); }

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// A scratch directory with one input file, removed afterwards.
struct Scratch {
    Scratch() {
        dir = fs::temp_directory_path() / ("virtnest-rewrite-" + std::to_string(::getpid()));
        fs::remove_all(dir);
        fs::create_directories(dir);
        input = dir / "web-1.xml";
        std::ofstream(input) << k_custom;
    }
    ~Scratch() { fs::remove_all(dir); }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    fs::path dir;
    fs::path input;
};

} // namespace

TEST_CASE("cmd_rewrite: exit codes tell changes from nothing to do", "[cmd_rewrite]") {
    Scratch scratch;
    SECTION("a changed document: 0, the document on stdout, the file untouched") {
        Run run = cli({"rewrite", scratch.input.string(), "--mode", "host-passthrough"});
        REQUIRE(run.code == to_int(ExitCode::ok));
        REQUIRE(run.err.empty());
        REQUIRE(run.out.find("<cpu mode='host-passthrough'/>") != std::string::npos);
        REQUIRE(run.out.find("passwd='s3cret'") != std::string::npos); // defined as is
        REQUIRE(slurp(scratch.input) == k_custom);
    }
    SECTION("already in the requested state: 0, the document unchanged") {
        std::ofstream(scratch.input)
            << "<domain><name>web-1</name><cpu mode='host-model'/></domain>";
        Run run = cli({"rewrite", scratch.input.string(), "--mode", "host-model"});
        REQUIRE(run.code == to_int(ExitCode::ok));
        REQUIRE(run.out == "<domain><name>web-1</name><cpu mode='host-model'/></domain>");
        REQUIRE(run.err == "virt-nest: file \"" + scratch.input.string() +
                               "\" is already nest-capable as asked; nothing to do\n");
    }
    SECTION("already in the requested state with --exit-code: 5, the document unchanged") {
        std::ofstream(scratch.input)
            << "<domain><name>web-1</name><cpu mode='host-model'/></domain>";
        Run run = cli({"rewrite", scratch.input.string(), "--mode", "host-model", "--exit-code"});
        REQUIRE(run.code == to_int(ExitCode::unchanged));
        REQUIRE(run.out == "<domain><name>web-1</name><cpu mode='host-model'/></domain>");
    }
    SECTION("a changed document with --exit-code: still 0") {
        Run run = cli({"rewrite", scratch.input.string(), "--mode", "host-model", "--exit-code"});
        REQUIRE(run.code == to_int(ExitCode::ok));
        REQUIRE(run.out.find("<cpu mode='host-model'/>") != std::string::npos);
    }
    SECTION("--verbose lists the changes on stderr") {
        Run run = cli({"rewrite", scratch.input.string(), "--mode", "custom", "-v"});
        REQUIRE(run.code == 0);
        REQUIRE(run.err == "virt-nest: change: added <feature policy='require' name='vmx'/>\n");
    }
}

TEST_CASE("cmd_rewrite: --diff masks secrets and shows only the rewrite", "[cmd_rewrite]") {
    Scratch scratch;
    Run run = cli({"rewrite", scratch.input.string(), "--mode", "host-model", "--diff", "-U", "9"});
    REQUIRE(run.code == 0);
    std::string label = scratch.input.string();
    REQUIRE(run.out == "--- " + label + "\n+++ " + label +
                           " (rewritten)\n"
                           "@@ -1,9 +1,7 @@\n"
                           " <domain type='kvm'>\n"
                           "   <name>web-1</name>\n"
                           "-  <cpu mode='custom' match='exact'>\n"
                           "-    <model>Haswell</model>\n"
                           "-  </cpu>\n"
                           "+  <cpu mode='host-model'/>\n"
                           "   <devices>\n"
                           "     <graphics type='vnc' passwd='***'/>\n"
                           "   </devices>\n"
                           " </domain>\n");
    REQUIRE(run.out.find("s3cret") == std::string::npos);
    SECTION("nothing to do: no diff, exit 0 (5 with --exit-code)") {
        Run again = cli(
            {"rewrite", scratch.input.string(), "--mode", "custom", "--feature", "svm", "--diff"});
        REQUIRE(again.code == 0);
        std::ofstream(scratch.input) << "<domain><cpu mode='host-model'/></domain>";
        Run none = cli({"rewrite", scratch.input.string(), "--mode", "host-model", "--diff"});
        REQUIRE(none.code == to_int(ExitCode::ok));
        REQUIRE(none.out.empty());
        Run detailed = cli(
            {"rewrite", scratch.input.string(), "--mode", "host-model", "--diff", "--exit-code"});
        REQUIRE(detailed.code == to_int(ExitCode::unchanged));
        REQUIRE(detailed.out.empty());
    }
}

TEST_CASE("cmd_rewrite: -o writes the result atomically, without it no file appears",
          "[cmd_rewrite]") {
    Scratch scratch;
    fs::path output = scratch.dir / "out" / "web-1.nested.xml";
    SECTION("with -o") {
        Run run = cli({"rewrite", scratch.input.string(), "--mode", "host-passthrough", "-o",
                       output.string()});
        REQUIRE(run.code == 0);
        REQUIRE(run.out.empty());
        REQUIRE(slurp(output).find("<cpu mode='host-passthrough'/>") != std::string::npos);
        // The output holds the VNC password: owner-only.
        REQUIRE((fs::status(output).permissions() & fs::perms::all) ==
                (fs::perms::owner_read | fs::perms::owner_write));
        REQUIRE(slurp(scratch.input) == k_custom);
    }
    SECTION("dry twin: the same run without -o writes nothing") {
        Run run = cli({"rewrite", scratch.input.string(), "--mode", "host-passthrough"});
        REQUIRE(run.code == 0);
        REQUIRE_FALSE(fs::exists(output));
        REQUIRE(slurp(scratch.input) == k_custom);
    }
    SECTION("a refused rewrite leaves no output file") {
        Run run = cli({"rewrite", scratch.input.string(), "--mode", "custom", "--model", "nope",
                       "-o", output.string()});
        REQUIRE(run.code == to_int(ExitCode::error));
        REQUIRE_FALSE(fs::exists(output));
    }
}

TEST_CASE("cmd_rewrite: reads standard input", "[cmd_rewrite]") {
    std::istringstream input(k_custom);
    std::streambuf* saved = std::cin.rdbuf(input.rdbuf());
    Run run = cli({"rewrite", "--mode", "host-passthrough"});
    std::cin.rdbuf(saved);
    REQUIRE(run.code == 0);
    REQUIRE(run.out.find("<cpu mode='host-passthrough'/>") != std::string::npos);
}

TEST_CASE("cmd_rewrite: bad input and bad usage", "[cmd_rewrite]") {
    Scratch scratch;
    std::string file = scratch.input.string();
    SECTION("no --mode") {
        Run run = cli({"rewrite", file});
        REQUIRE(run.code == to_int(ExitCode::usage));
        REQUIRE(run.err == "virt-nest: error: rewrite needs --mode host-passthrough, host-model, "
                           "custom or maximum\n");
    }
    SECTION("unknown mode") {
        Run run = cli({"rewrite", file, "--mode", "host_model"});
        REQUIRE(run.code == to_int(ExitCode::usage));
        REQUIRE(
            run.err ==
            "virt-nest: error: unknown CPU mode \"host_model\"; did you mean \"host-model\"?\n");
    }
    SECTION("unknown feature") {
        Run run = cli({"rewrite", file, "--mode", "custom", "--feature", "vtx"});
        REQUIRE(run.code == to_int(ExitCode::usage));
        REQUIRE(run.err.starts_with("virt-nest: error: "));
    }
    SECTION("missing file") {
        Run run = cli({"rewrite", (scratch.dir / "nope.xml").string(), "--mode", "host-model"});
        REQUIRE(run.code == to_int(ExitCode::error));
        REQUIRE(run.err == "virt-nest: error: cannot read file \"" +
                               (scratch.dir / "nope.xml").string() +
                               "\": No such file or directory\n");
    }
    SECTION("malformed XML names file, line and column") {
        std::ofstream(scratch.input) << "<domain>\n  <cpu>\n</domain>\n";
        Run run = cli({"rewrite", file, "--mode", "host-model"});
        REQUIRE(run.code == to_int(ExitCode::error));
        REQUIRE(run.err == "virt-nest: error: cannot parse file \"" + file +
                               "\": line 3, column 3: start-end tags mismatch\n");
        REQUIRE(run.out.empty());
    }
    SECTION("a root that is not <domain>") {
        std::ofstream(scratch.input) << "<network/>";
        Run run = cli({"rewrite", file, "--mode", "host-model"});
        REQUIRE(run.code == to_int(ExitCode::error));
        REQUIRE(run.err == "virt-nest: error: cannot use file \"" + file +
                               "\": root element is <network>, expected <domain>\n");
    }
}

TEST_CASE("cmd_rewrite: item 5: -o never replaces a device node or a symlink's name",
          "[cmd_rewrite]") {
    Scratch scratch;
    SECTION("/dev/null stays the null device") {
        Run run =
            cli({"rewrite", scratch.input.string(), "--mode", "host-model", "-o", "/dev/null"});
        CHECK(run.code == to_int(ExitCode::ok));
        struct stat st {};
        REQUIRE(::stat("/dev/null", &st) == 0);
        CHECK(S_ISCHR(st.st_mode));
        CHECK((st.st_mode & 0777) == 0666);
    }
    SECTION("a symlink stays a link; the file it names gets the result") {
        const fs::path target = scratch.dir / "real.xml";
        std::ofstream(target) << "old";
        fs::create_symlink("real.xml", scratch.dir / "link.xml");
        Run run = cli({"rewrite", scratch.input.string(), "--mode", "host-model", "-o",
                       (scratch.dir / "link.xml").string()});
        CHECK(run.code == to_int(ExitCode::ok));
        CHECK(fs::is_symlink(scratch.dir / "link.xml"));
        CHECK(slurp(target).find("<cpu mode='host-model'") != std::string::npos);
    }
    SECTION("a FIFO nobody reads is refused at once, not waited on, and stays a FIFO") {
        const fs::path fifo = scratch.dir / "fifo";
        REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
        Run run =
            cli({"rewrite", scratch.input.string(), "--mode", "host-model", "-o", fifo.string()});
        CHECK(run.code == to_int(ExitCode::error));
        CHECK(run.err == "virt-nest: error: cannot write \"" + fifo.string() +
                             "\": No such device or address\n");
        CHECK(fs::is_fifo(fifo));
    }
    SECTION("a dangling symlink and a directory are refused") {
        fs::create_symlink("missing/x.xml", scratch.dir / "dangling.xml");
        Run run = cli({"rewrite", scratch.input.string(), "--mode", "host-model", "-o",
                       (scratch.dir / "dangling.xml").string()});
        CHECK(run.code == to_int(ExitCode::error));
        CHECK(run.err.find("it is a symlink to a missing file") != std::string::npos);
        Run dir = cli({"rewrite", scratch.input.string(), "--mode", "host-model", "-o",
                       scratch.dir.string()});
        CHECK(dir.code == to_int(ExitCode::error));
        CHECK(dir.err.find("it is a directory") != std::string::npos);
        CHECK(fs::is_directory(scratch.dir));
    }
}

TEST_CASE("cmd_rewrite: item 6: a result that cannot be written is exit 1 with the reason",
          "[cmd_rewrite]") {
    Scratch scratch;
    const std::string command =
        std::string(VIRTNEST_BINARY) + " rewrite " + scratch.input.string() + " --mode host-model";
    SECTION("standard output on /dev/full") {
        const std::string err = (scratch.dir / "err").string();
        int status = std::system((command + " > /dev/full 2> " + err).c_str());
        REQUIRE(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 1);
        CHECK(slurp(err) ==
              "virt-nest: error: cannot write standard output: No space left on device\n");
    }
    SECTION("standard output closed") {
        const std::string err = (scratch.dir / "err").string();
        int status = std::system((command + " >&- 2> " + err).c_str());
        REQUIRE(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 1);
        CHECK(slurp(err) ==
              "virt-nest: error: cannot write standard output: Bad file descriptor\n");
    }
    SECTION("-o /dev/full") {
        Run run =
            cli({"rewrite", scratch.input.string(), "--mode", "host-model", "-o", "/dev/full"});
        CHECK(run.code == to_int(ExitCode::error));
        CHECK(run.err == "virt-nest: error: cannot write \"/dev/full\": No space left on device\n");
    }
}

TEST_CASE("cmd_rewrite: item 27: a directory, an empty or closed stdin, a bogus subcommand",
          "[cmd_rewrite]") {
    Scratch scratch;
    Run dir = cli({"rewrite", scratch.dir.string(), "--mode", "host-model"});
    CHECK(dir.code == to_int(ExitCode::error));
    CHECK(dir.err == "virt-nest: error: cannot read file \"" + scratch.dir.string() +
                         "\": it is a directory\n");
    std::istringstream empty;
    std::streambuf* saved = std::cin.rdbuf(empty.rdbuf());
    Run none = cli({"rewrite", "--mode", "host-model"});
    std::cin.rdbuf(saved);
    CHECK(none.code == to_int(ExitCode::error));
    CHECK(none.err ==
          "virt-nest: error: standard input is empty: give a domain XML document or a FILE\n");
    const std::string err = (scratch.dir / "err").string();
    int status = std::system(
        (std::string(VIRTNEST_BINARY) + " rewrite --mode host-model <&- 2> " + err).c_str());
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 1);
    CHECK(slurp(err) ==
          "virt-nest: error: standard input is empty: give a domain XML document or a FILE\n");
    Run bogus = cli({"-c", "test:///default", "rewrit"});
    CHECK(bogus.code == to_int(ExitCode::usage));
    CHECK(bogus.err == "virt-nest: error: unknown subcommand \"rewrit\"; did you mean "
                       "\"rewrite\"?\nrun 'virt-nest --help' for usage\n");
}

TEST_CASE("cmd_rewrite: item 27: -o creates missing parents private whatever the umask",
          "[cmd_rewrite]") {
    Scratch scratch;
    const fs::path out = scratch.dir / "a/b/c/out.xml";
    const mode_t old_mask = ::umask(0);
    Run run = cli({"rewrite", scratch.input.string(), "--mode", "host-model", "-o", out.string()});
    ::umask(old_mask);
    CHECK(run.code == to_int(ExitCode::ok));
    for (const fs::path& dir : {scratch.dir / "a", scratch.dir / "a/b", scratch.dir / "a/b/c"}) {
        struct stat st {};
        REQUIRE(::stat(dir.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0700);
    }
}

TEST_CASE("cmd_rewrite: --color paints the diff on standard output only", "[cmd_rewrite]") {
    Scratch scratch;
    const std::vector<std::string> rewrite = {"rewrite", scratch.input.string(), "--mode",
                                              "host-model", "--diff"};
    auto with = [&](std::vector<std::string> global) {
        global.insert(global.end(), rewrite.begin(), rewrite.end());
        return cli(global);
    };
    SECTION("always: escape codes, NO_COLOR or not") {
        ::setenv("NO_COLOR", "1", 1);
        Run run = with({"--color", "always"});
        ::unsetenv("NO_COLOR");
        REQUIRE(run.code == 0);
        REQUIRE_THAT(run.out,
                     Catch::Matchers::Contains("\033[32m+  <cpu mode='host-model'/>\033[0m"));
        REQUIRE_THAT(run.out,
                     Catch::Matchers::Contains("\033[31m-    <model>Haswell</model>\033[0m"));
    }
    SECTION("never, and auto off a terminal: none") {
        REQUIRE(with({"--color", "never"}).out.find('\033') == std::string::npos);
        REQUIRE(with({}).out.find('\033') == std::string::npos);
    }
    SECTION("-o: the file never gets colour") {
        fs::path output = scratch.dir / "out.diff";
        std::vector<std::string> args = {"--color", "always"};
        args.insert(args.end(), rewrite.begin(), rewrite.end());
        args.insert(args.end(), {"-o", output.string()});
        REQUIRE(cli(args).code == 0);
        REQUIRE(slurp(output).find('\033') == std::string::npos);
        REQUIRE(slurp(output).find("+  <cpu mode='host-model'/>") != std::string::npos);
    }
    SECTION("a bad value is a usage error") {
        REQUIRE(with({"--color", "sometimes"}).code == to_int(ExitCode::usage));
    }
}
