// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli_capture.hpp"
#include "host_test_support.hpp"
#include "virtnest/cli/cli.hpp"
#include "virtnest/util/exit_code.hpp"

#include <catch2/catch.hpp>

using test_support::TreeCopy;
using virtnest::ExitCode;
using virtnest::to_int;

namespace {

using Run = test_support::CliRun;

Run run(const std::vector<std::string>& args) { return test_support::run_cli_captured(args); }

} // namespace

TEST_CASE("cmd_host: host enable writes the option for the detected vendor", "[cmd_host]") {
    SECTION("Intel with nothing persisted: a new kvm.conf, world-readable") {
        TreeCopy tree("intel-nested-off");
        Run r = run({"host", "enable", "--root", tree.path().string()});
        INFO(r.err);
        CHECK(r.code == to_int(ExitCode::ok));
        CHECK(r.out ==
              "wrote /etc/modprobe.d/kvm.conf\n"
              "  /etc/modprobe.d/kvm.conf: added `options kvm_intel nested=1`\n"
              "to apply it now, stop every VM and run: modprobe -r kvm_intel && modprobe kvm_intel "
              "(or run again with --reload)\n");
        auto conf = tree.path() / "etc/modprobe.d/kvm.conf";
        CHECK(test_support::slurp(conf) ==
              "# Added by virt-nest host enable.\noptions kvm_intel nested=1\n");
        using std::filesystem::perms;
        CHECK((std::filesystem::status(conf).permissions() & perms::all) ==
              (perms::owner_read | perms::owner_write | perms::group_read | perms::others_read));

        SECTION("running it again finds nothing to do") {
            Run again = run({"host", "enable", "--root", tree.path().string()});
            CHECK(again.code == to_int(ExitCode::ok));
            CHECK(again.out.rfind("kvm_intel nested=1 already persists: no file to write\n", 0) ==
                  0);
        }
    }
    SECTION("AMD with a conflicting /etc file: corrected in place, reported") {
        TreeCopy tree("amd-nested-off");
        Run r = run({"host", "enable", "--root", tree.path().string()});
        CHECK(r.code == to_int(ExitCode::ok));
        CHECK(
            r.out.find(
                "  /etc/modprobe.d/kvm-amd.conf:3 sets kvm_amd nested=0: changed to nested=1\n") !=
            std::string::npos);
        CHECK(test_support::slurp(tree.path() / "etc/modprobe.d/kvm-amd.conf") ==
              "# Site policy: no nesting\nblacklist kvm_intel\noptions kvm-amd nested=1 npt=1\n");
    }
    SECTION("AMD with a conflicting vendor file: overridden from /etc, the vendor file untouched") {
        TreeCopy tree("amd-vendor-conf");
        const std::string vendor =
            test_support::slurp(tree.path() / "usr/lib/modprobe.d/kvm-amd.conf");
        Run r = run({"host", "enable", "--root", tree.path().string()});
        CHECK(r.code == to_int(ExitCode::ok));
        CHECK(test_support::slurp(tree.path() / "usr/lib/modprobe.d/kvm-amd.conf") == vendor);
        CHECK(test_support::slurp(tree.path() / "etc/modprobe.d/kvm-amd.conf") ==
              "# Copy of /usr/lib/modprobe.d/kvm-amd.conf made by virt-nest host enable to "
              "override it.\n"
              "# Shipped by the distribution\noptions kvm_amd nested=1 \\\n    avic=0\nsoftdep "
              "kvm_amd pre: ccp\n");
    }
    SECTION("IBM Z: nested=1 added and hpage=1 dropped") {
        TreeCopy tree("ibmz-hpage");
        Run r = run({"host", "enable", "--root", tree.path().string()});
        CHECK(r.code == to_int(ExitCode::ok));
        CHECK(test_support::slurp(tree.path() / "etc/modprobe.d/kvm.conf") ==
              "options kvm hpage=0\n# Added by virt-nest host enable.\noptions kvm nested=1\n");
        CHECK(r.out.find("/etc/modprobe.d/kvm.conf:1 sets kvm hpage=1: changed to hpage=0") !=
              std::string::npos);
    }
    SECTION("this machine's layout: kvm_amd only needs loading, and the CPU shows no svm") {
        TreeCopy tree("pvm-guest");
        Run r = run({"host", "enable", "--root", tree.path().string()});
        CHECK(r.code == to_int(ExitCode::ok));
        CHECK(r.out.find("note: the CPU shows no svm in /proc/cpuinfo: the setting takes effect "
                         "only once it "
                         "does (see `virt-nest check`)\n") != std::string::npos);
        CHECK(r.out.find("to apply it now, run: modprobe kvm_amd (or run again with --reload)\n") !=
              std::string::npos);
    }
}

TEST_CASE("cmd_host: --dry-run prints the files and commands and changes nothing", "[cmd_host]") {
    for (const char* name :
         {"intel-nested-off", "amd-nested-off", "amd-vendor-conf", "ibmz-hpage", "pvm-guest"}) {
        INFO(name);
        TreeCopy tree(name);
        auto before = tree.snapshot();
        Run r = run({"host", "enable", "--root", tree.path().string(), "--dry-run"});
        CHECK(r.code == to_int(ExitCode::ok));
        CHECK(r.out.rfind("dry run: nothing is written or reloaded\n", 0) == 0);
        CHECK(r.out.find("would write /etc/modprobe.d/") != std::string::npos);
        CHECK(tree.snapshot() == before);
    }
    TreeCopy tree("intel-nested-off");
    Run r = run({"host", "enable", "--root", tree.path().string(), "--dry-run"});
    CHECK(r.out ==
          "dry run: nothing is written or reloaded\n"
          "would write /etc/modprobe.d/kvm.conf (new file):\n"
          "    # Added by virt-nest host enable.\n"
          "    options kvm_intel nested=1\n"
          "  /etc/modprobe.d/kvm.conf: added `options kvm_intel nested=1`\n"
          "to apply it now, stop every VM and run: modprobe -r kvm_intel && modprobe kvm_intel "
          "(or run again with --reload)\n");
}

TEST_CASE("cmd_host: refusals and bad input", "[cmd_host]") {
    SECTION("--reload acts on the running kernel only") {
        TreeCopy tree("intel-nested-off");
        auto before = tree.snapshot();
        Run r = run({"host", "enable", "--root", tree.path().string(), "--reload"});
        CHECK(r.code == to_int(ExitCode::usage));
        CHECK(r.err == "virt-nest: error: cannot reload modules for root \"" +
                           tree.path().string() +
                           "\": --reload works on the running system only\n");
        CHECK(tree.snapshot() == before);
    }
    SECTION("ARM has nothing to enable") {
        TreeCopy tree("arm64");
        auto before = tree.snapshot();
        Run r = run({"host", "enable", "--root", tree.path().string()});
        CHECK(r.code == to_int(ExitCode::error));
        CHECK(r.err == "virt-nest: error: cannot enable nesting on ARM through modprobe.d: add "
                       "kvm-arm.mode=nested to the kernel command line and reboot (see "
                       "`virt-nest check`)\n");
        CHECK(tree.snapshot() == before);
    }
    SECTION("a boot option that disables nesting cannot be fixed by a file") {
        TreeCopy tree("intel-nested-off");
        test_support::spit(tree.path() / "proc/cmdline", "ro quiet kvm-intel.nested=0\n");
        auto before = tree.snapshot();
        Run r = run({"host", "enable", "--root", tree.path().string()});
        CHECK(r.code == to_int(ExitCode::error));
        CHECK(r.err ==
              "virt-nest: error: cannot persist kvm_intel nested=1: the kernel command line sets "
              "kvm_intel.nested=0, which overrides every modprobe.d file: change it in the boot "
              "loader "
              "configuration\n");
        CHECK(tree.snapshot() == before);
    }
    SECTION("statements that keep the module out are pointed out, not edited") {
        TreeCopy tree("intel-nested-off");
        test_support::spit(tree.path() / "etc/modprobe.d/no-kvm.conf",
                           "install kvm_intel /bin/false\n");
        Run r = run({"host", "enable", "--root", tree.path().string()});
        CHECK(r.code == to_int(ExitCode::ok));
        CHECK(r.out.find("note: /etc/modprobe.d/no-kvm.conf:1 has `install kvm_intel /bin/false`, "
                         "which virt-nest "
                         "leaves alone: kvm_intel cannot load until it goes\n") !=
              std::string::npos);
        CHECK(test_support::slurp(tree.path() / "etc/modprobe.d/no-kvm.conf") ==
              "install kvm_intel /bin/false\n");
    }
    SECTION("a missing root, a remote host, several hosts") {
        Run missing = run({"host", "enable", "--root", "/nonexistent-virtnest-root"});
        CHECK(missing.code == to_int(ExitCode::error));
        CHECK(missing.err ==
              "virt-nest: error: cannot enable nesting under root \"/nonexistent-virtnest-root\": "
              "not a directory\n");
        Run remote = run({"-c", "qemu+ssh://kvm-7/system", "host", "enable", "--dry-run"});
        CHECK(remote.code == to_int(ExitCode::usage));
        CHECK(
            remote.err ==
            "virt-nest: error: host enable changes this machine only: \"qemu+ssh://kvm-7/system\" "
            "is another host; run it there\n");
        Run several =
            run({"-c", "test:///default", "-c", "qemu:///system", "host", "enable", "--dry-run"});
        CHECK(several.code == to_int(ExitCode::usage));
        Run bare = run({"host"});
        CHECK(bare.code == to_int(ExitCode::usage));
    }
}

namespace {

// A directory beside the fixture copies, standing for the machine's own /etc.
struct Outside {
    std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("virtnest-outside-" + std::to_string(::getpid()));
    Outside() {
        std::filesystem::remove_all(dir);
        test_support::spit(dir / "shadow", "options kvm_intel nested=0\n# root:secret-hash\n");
    }
    Outside(const Outside&) = delete;
    Outside& operator=(const Outside&) = delete;
    ~Outside() { std::filesystem::remove_all(dir); }
};

// Return true when a regular file of the tree itself (links not followed) holds `text`.
bool tree_mentions(const TreeCopy& tree, const std::string& text) {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(tree.path())) {
        if (!entry.is_symlink() && entry.is_regular_file() &&
            test_support::slurp(entry.path()).find(text) != std::string::npos) {
            return true;
        }
    }
    return false;
}

} // namespace

TEST_CASE("cmd_host: item 1: a modprobe.d file linked to /etc/shadow is not copied or printed",
          "[cmd_host]") {
    Outside outside;
    TreeCopy tree("intel-nested-off");
    std::filesystem::create_directories(tree.path() / "lib/modprobe.d");
    std::filesystem::create_symlink(outside.dir / "shadow",
                                    tree.path() / "lib/modprobe.d/kvm.conf");
    SECTION("dry run") {
        Run r = run({"host", "enable", "--root", tree.path().string(), "--dry-run"});
        CHECK(r.code == to_int(ExitCode::ok));
        CHECK(r.out.find("secret-hash") == std::string::npos);
    }
    SECTION("for real") {
        Run r = run({"host", "enable", "--root", tree.path().string()});
        CHECK(r.code == to_int(ExitCode::ok));
        CHECK(r.out.find("secret-hash") == std::string::npos);
        CHECK(test_support::slurp(tree.path() / "etc/modprobe.d/kvm.conf") ==
              "# Added by virt-nest host enable.\noptions kvm_intel nested=1\n");
        CHECK_FALSE(tree_mentions(tree, "secret-hash"));
    }
}

TEST_CASE("cmd_host: item 2: an /etc linked out of the root is written inside the root",
          "[cmd_host]") {
    Outside outside;
    TreeCopy tree("intel-nested-off");
    std::string link_text;
    SECTION("an absolute link to /etc") { link_text = outside.dir.string(); }
    SECTION("a relative link climbing out") {
        link_text = "../../../../../../../../../../.." + outside.dir.string();
    }
    SECTION("etc/modprobe.d linked instead of etc") {
        std::filesystem::create_directories(tree.path() / "etc");
        std::filesystem::create_symlink(outside.dir, tree.path() / "etc/modprobe.d");
    }
    if (!link_text.empty()) {
        std::filesystem::create_symlink(link_text, tree.path() / "etc");
    }
    // The link's target missing in the image: refused.
    Run refused = run({"host", "enable", "--root", tree.path().string()});
    CHECK(refused.code == to_int(ExitCode::error));
    CHECK(refused.err.find("is a symlink to a missing directory") != std::string::npos);
    // The link's target present in the image: written there.
    std::filesystem::create_directories(tree.path() / outside.dir.relative_path());
    Run r = run({"host", "enable", "--root", tree.path().string()});
    INFO(r.out << r.err);
    CHECK(r.code == to_int(ExitCode::ok));
    CHECK(tree_mentions(tree, "options kvm_intel nested=1"));
    CHECK_FALSE(std::filesystem::exists(outside.dir / "modprobe.d"));
    CHECK_FALSE(std::filesystem::exists(outside.dir / "kvm.conf"));
    CHECK(test_support::slurp(outside.dir / "shadow").find("nested=1") == std::string::npos);
}

TEST_CASE("cmd_host: 13.8 host disable and check --expect-disabled", "[cmd_host]") {
    TreeCopy tree("intel-nested-on");
    Run before = run({"check", "--root", tree.path().string(), "--expect-disabled"});
    CHECK(before.code == to_int(ExitCode::not_ready));
    CHECK(before.out.find("verdict: not disabled: nesting is on here, or can come back (2 FAIL, "
                          "0 WARN, 0 PASS)\n") != std::string::npos);
    SECTION("dry-run twin: nothing written") {
        auto snapshot = tree.snapshot();
        Run dry = run({"host", "disable", "--root", tree.path().string(), "--dry-run"});
        CHECK(dry.code == to_int(ExitCode::ok));
        CHECK(dry.out.find("    options kvm_intel nested=0\n") != std::string::npos);
        CHECK(tree.snapshot() == snapshot);
    }
    SECTION("the file is corrected; the running module still says on") {
        Run r = run({"host", "disable", "--root", tree.path().string()});
        INFO(r.err);
        CHECK(r.code == to_int(ExitCode::ok));
        CHECK(r.out.find("  /etc/modprobe.d/kvm.conf:2 sets kvm_intel nested=1: changed to "
                         "nested=0\n") != std::string::npos);
        Run after = run({"check", "--root", tree.path().string(), "--expect-disabled"});
        CHECK(after.code == to_int(ExitCode::not_ready));
        CHECK(after.out.find("PASS  disabled.persist") != std::string::npos);
        CHECK(after.out.find("FAIL  disabled.runtime") != std::string::npos);
    }
    SECTION("--tune is enable's only") {
        Run r = run({"host", "disable", "--root", tree.path().string(), "--tune"});
        CHECK(r.code == to_int(ExitCode::usage));
    }
}
