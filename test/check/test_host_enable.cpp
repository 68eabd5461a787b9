// SPDX-License-Identifier: GPL-2.0-or-later
#include "host_test_support.hpp"
#include "virtnest/check/host_enable.hpp"
#include "virtnest/check/host_verdict.hpp"
#include "virtnest/util/error.hpp"
#include "virtnest/util/exit_code.hpp"

#include <catch2/catch.hpp>

using test_support::TreeCopy;
using virtnest::ExitCode;
using virtnest::to_int;

namespace {

// Records module (un)loads and, on load, sets what the kernel would show afterwards.
class RecordingLoader : public virtnest::ModuleLoader {
  public:
    explicit RecordingLoader(std::filesystem::path root, std::string nested_after = "Y")
        : m_root(std::move(root)), m_nested_after(std::move(nested_after)) {}
    void unload(const std::string& module) override { calls.push_back("unload " + module); }
    void load(const std::string& module) override {
        calls.push_back("load " + module);
        test_support::spit(m_root / "sys/module" / module / "parameters/nested",
                           m_nested_after + "\n");
    }
    std::vector<std::string> calls;

  private:
    std::filesystem::path m_root;
    std::string m_nested_after;
};

struct Enabled {
    int code = -1;
    std::string out;
};

Enabled enable_with(const TreeCopy& tree, virtnest::ModuleLoader& loader, bool dry_run, bool reload,
                    std::function<std::vector<std::string>()> running_vms) {
    virtnest::RootedHostFiles files(tree.path());
    virtnest::HostEnableTarget target;
    target.files = &files;
    target.loader = &loader;
    target.running_vms = std::move(running_vms);
    virtnest::HostEnableRequest request;
    request.root = tree.path();
    request.dry_run = dry_run;
    request.reload = reload;
    virtnest::HostEnableOutcome done = virtnest::apply_host_enable(request, target);
    if (done.failure) {
        throw *done.failure;
    }
    return {to_int(done.exit_code), done.text};
}

std::vector<std::string> no_vms() { return {}; }

} // namespace

TEST_CASE("host_enable: --reload only when nothing uses the module", "[host_enable]") {
    SECTION("an idle module is reloaded and checked afterwards") {
        TreeCopy tree("intel-nested-off");
        RecordingLoader loader(tree.path());
        Enabled r = enable_with(tree, loader, false, true, no_vms);
        CHECK(r.code == to_int(ExitCode::ok));
        CHECK(loader.calls == std::vector<std::string>{"unload kvm_intel", "load kvm_intel"});
        CHECK(r.out.find("reloaded kvm_intel: nested is on\n") != std::string::npos);
    }
    SECTION("dry-run twin: nothing loaded, nothing written") {
        TreeCopy tree("intel-nested-off");
        auto before = tree.snapshot();
        RecordingLoader loader(tree.path());
        Enabled r = enable_with(tree, loader, true, true, no_vms);
        CHECK(r.code == to_int(ExitCode::ok));
        CHECK(loader.calls.empty());
        CHECK(r.out.find("would run: modprobe -r kvm_intel && modprobe kvm_intel\n") !=
              std::string::npos);
        CHECK(tree.snapshot() == before);
    }
    SECTION("a module that is not loaded is only loaded") {
        TreeCopy tree("pvm-guest");
        RecordingLoader loader(tree.path());
        Enabled r = enable_with(tree, loader, false, true, no_vms);
        CHECK(r.code == to_int(ExitCode::ok));
        CHECK(loader.calls == std::vector<std::string>{"load kvm_amd"});
    }
    SECTION("running VMs, holders and users refuse the reload and are listed") {
        TreeCopy tree("amd-vendor-conf");
        RecordingLoader loader(tree.path());
        Enabled r = enable_with(tree, loader, false, true, [] {
            return std::vector<std::string>{"web-1", "db"};
        });
        CHECK(r.code == to_int(ExitCode::incomplete));
        CHECK(loader.calls.empty());
        CHECK(r.out.find("refusing to reload kvm_amd:\n"
                         "  VM \"web-1\" is running\n"
                         "  VM \"db\" is running\n"
                         "  kvm_amd is held by module(s): kvmgt\n"
                         "  kvm_amd is in use (refcnt 2): a VM or another program holds /dev/kvm\n"
                         "stop them, then run: modprobe -r kvm_amd && modprobe kvm_amd\n") !=
              std::string::npos);
        // The persistent part was still done.
        CHECK(std::filesystem::exists(tree.path() / "etc/modprobe.d/kvm-amd.conf"));
    }
    SECTION("dry-run twin of the refusal: same answer, nothing written") {
        TreeCopy tree("amd-vendor-conf");
        auto before = tree.snapshot();
        RecordingLoader loader(tree.path());
        Enabled r =
            enable_with(tree, loader, true, true, [] { return std::vector<std::string>{"web-1"}; });
        CHECK(r.code == to_int(ExitCode::incomplete));
        CHECK(loader.calls.empty());
        CHECK(tree.snapshot() == before);
    }
    SECTION("an unreachable libvirt leaves the module's use count to decide") {
        TreeCopy tree("intel-nested-off");
        RecordingLoader loader(tree.path());
        Enabled r = enable_with(tree, loader, false, true, []() -> std::vector<std::string> {
            throw virtnest::Error("cannot connect to \"(default)\": no daemon");
        });
        CHECK(r.code == to_int(ExitCode::ok));
        CHECK(r.out.find("note: cannot ask libvirt for running VMs (cannot connect to "
                         "\"(default)\": no daemon); "
                         "relying on the module's use count\n") != std::string::npos);
        CHECK(loader.calls.size() == 2);
    }
    SECTION("a reload that leaves nesting off is an error") {
        TreeCopy tree("intel-nested-off");
        RecordingLoader loader(tree.path(), "N");
        REQUIRE_THROWS_WITH(
            enable_with(tree, loader, false, true, no_vms),
            "reloaded module \"kvm_intel\" but nested is \"N\"; see `virt-nest check`");
    }
    SECTION("a failed reload keeps the text of what was already written") {
        TreeCopy tree("intel-nested-off");
        RecordingLoader loader(tree.path(), "N");
        virtnest::RootedHostFiles files(tree.path());
        virtnest::HostEnableTarget target{&files, &loader, no_vms};
        virtnest::HostEnableRequest request{tree.path(), false, true};
        virtnest::HostEnableOutcome done = virtnest::apply_host_enable(request, target);
        REQUIRE(done.failure.has_value());
        CHECK(done.exit_code == ExitCode::error);
        CHECK(done.text.rfind("wrote /etc/modprobe.d/kvm.conf\n", 0) == 0);
        CHECK(std::filesystem::exists(tree.path() / "etc/modprobe.d/kvm.conf"));
    }
    SECTION("nothing to reload when nesting already runs") {
        TreeCopy tree("intel-nested-on");
        RecordingLoader loader(tree.path());
        Enabled r = enable_with(tree, loader, false, true, no_vms);
        CHECK(r.code == to_int(ExitCode::ok));
        CHECK(loader.calls.empty());
        CHECK(r.out == "kvm_intel nested=1 already persists: no file to write\n"
                       "nothing to reload: kvm_intel already runs with nesting on\n");
    }
}

TEST_CASE("host_enable: plans", "[host_enable]") {
    SECTION("a built-in module needs the kernel command line") {
        test_support::FakeHostFiles files;
        files.files["/proc/cpuinfo"] = "vendor_id : AuthenticAMD\nflags : svm npt\n";
        files.files["/sys/module/kvm_amd/parameters/nested"] = "0";
        REQUIRE_THROWS_WITH(
            virtnest::plan_host_enable(virtnest::probe_host(files)),
            "cannot enable nesting through modprobe.d: module \"kvm_amd\" is built into the "
            "kernel; add `kvm_amd.nested=1` to the kernel command line and reboot");
        files.files["/sys/module/kvm_amd/parameters/nested"] = "1";
        auto facts = virtnest::probe_host(files);
        auto plan = virtnest::plan_host_enable(facts);
        CHECK(plan.persist.edits.empty());
        CHECK(plan.commands.empty());
        CHECK(virtnest::reload_blockers(facts, "kvm_amd", {}) ==
              std::vector<std::string>{"kvm_amd is built into the kernel and cannot be reloaded"});
    }
}

TEST_CASE("host_enable: carries out what check asks for, and nothing already in effect",
          "[host_enable]") {
    auto checks_of = [](const std::string& name) {
        virtnest::RootedHostFiles files(test_support::fixture(name));
        return virtnest::host_checks(virtnest::probe_host(files));
    };
    auto plan_of = [](const std::string& name) {
        virtnest::RootedHostFiles files(test_support::fixture(name));
        return virtnest::plan_host_enable(virtnest::probe_host(files));
    };
    auto no_remedy_names_host_enable = [](const std::vector<virtnest::Check>& checks) {
        for (const virtnest::Check& check : checks) {
            INFO(check.id);
            CHECK(check.remedy.find("host enable") == std::string::npos);
        }
    };
    SECTION("a built-in module: the kernel command line, from both") {
        auto checks = checks_of("intel-builtin-nested-off");
        no_remedy_names_host_enable(checks);
        CHECK(test_support::get(checks, "persist.nested").remedy ==
              "add `kvm_intel.nested=1` to the kernel command line and reboot (kvm_intel is built "
              "into the kernel, so modprobe.d does not apply)");
        REQUIRE_THROWS_WITH(plan_of("intel-builtin-nested-off"),
                            "cannot enable nesting through modprobe.d: module \"kvm_intel\" is "
                            "built into the kernel; add `kvm_intel.nested=1` to the kernel "
                            "command line and reboot");
    }
    SECTION("a command-line override: the boot loader, from both") {
        auto checks = checks_of("intel-cmdline-nested-off");
        no_remedy_names_host_enable(checks);
        CHECK(test_support::get(checks, "kvm.nested").remedy ==
              "remove `kvm_intel.nested=0` from the kernel command line in the boot loader "
              "configuration, then reboot");
        REQUIRE_THROWS_WITH(plan_of("intel-cmdline-nested-off"),
                            Catch::Contains("the kernel command line sets kvm_intel.nested=0"));
    }
    SECTION("the kernel's default already on: check passes and nothing is planned") {
        CHECK(test_support::get(checks_of("intel-default-on"), "persist.nested").status ==
              virtnest::CheckStatus::pass);
        virtnest::HostEnablePlan plan = plan_of("intel-default-on");
        CHECK(plan.persist.edits.empty());
        CHECK(plan.commands.empty());
    }
    SECTION("an install line to /bin/false: no modprobe is planned to succeed") {
        auto checks = checks_of("intel-install-false");
        CHECK(test_support::get(checks, "persist.install").remedy ==
              "remove that line from /etc/modprobe.d/no-kvm.conf");
        CHECK(test_support::get(checks, "kvm.module").remedy ==
              "remove the install line persist.install names, then `modprobe kvm_intel nested=1`");
        TreeCopy tree("intel-install-false");
        auto before = tree.snapshot();
        RecordingLoader loader(tree.path());
        Enabled r = enable_with(tree, loader, true, true, no_vms);
        CHECK(r.code == to_int(ExitCode::incomplete));
        CHECK(loader.calls.empty());
        CHECK(r.out.find("refusing to reload kvm_intel:\n"
                         "  /etc/modprobe.d/no-kvm.conf:1 has `install kvm_intel /bin/false`: "
                         "modprobe would run that instead of loading kvm_intel\n") !=
              std::string::npos);
        CHECK(tree.snapshot() == before);
        Enabled plain = enable_with(tree, loader, true, false, no_vms);
        CHECK(plain.out.find("to apply it now, remove the install statement the note names, "
                             "run: modprobe kvm_intel") != std::string::npos);
    }
}
