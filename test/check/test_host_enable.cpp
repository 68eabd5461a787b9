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
        virtnest::HostEnableRequest request{tree.path(), false, true, false, false};
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
    SECTION("a performance setting off: `host enable --tune --reload` persists and reloads it") {
        for (const auto& [tree_name, param] :
             {std::pair<std::string, std::string>{"intel-shadow-vmcs-off", "ept"},
              {"intel-shadow-vmcs-off", "enable_shadow_vmcs"},
              {"amd-avic-on", "vls"}}) {
            INFO(tree_name << " " << param);
            const auto checks = checks_of(tree_name);
            const std::string id =
                param == "enable_shadow_vmcs" ? "kvm.shadow_vmcs" : "kvm." + param;
            CHECK_THAT(test_support::get(checks, id).remedy,
                       Catch::Contains("`virt-nest host enable --tune --reload`"));
            virtnest::RootedHostFiles files(test_support::fixture(tree_name));
            virtnest::HostEnablePlan plan =
                virtnest::plan_host_enable(virtnest::probe_host(files), true);
            CHECK_THAT(plan.module_args, Catch::Contains(param + "=1"));
            CHECK_FALSE(plan.commands.empty());
        }
    }
}

TEST_CASE("host_enable: 11.25 an unreadable modprobe.d file stops the plan", "[host_enable]") {
    test_support::FakeHostFiles files;
    files.files["/proc/cpuinfo"] = "vendor_id : GenuineIntel\nflags : vmx ept\n";
    files.files["/sys/module/kvm_intel/parameters/nested"] = "N";
    files.files["/sys/module/kvm_intel/refcnt"] = "0";
    files.files["/etc/modprobe.d/kvm.conf"] = "options kvm_intel nested=0\n";
    files.unreadable.insert("/etc/modprobe.d/kvm.conf");
    REQUIRE_THROWS_WITH(virtnest::plan_host_enable(virtnest::probe_host(files)),
                        "cannot plan modprobe.d changes: cannot read "
                        "\"/etc/modprobe.d/kvm.conf\" (run as root)");
}

TEST_CASE("host_enable: 11.26 --reload checks running VMs even when the module is not loaded",
          "[host_enable]") {
    TreeCopy tree("pvm-guest");
    RecordingLoader loader(tree.path());
    Enabled r =
        enable_with(tree, loader, false, true, [] { return std::vector<std::string>{"web-1"}; });
    CHECK(r.code == to_int(ExitCode::incomplete));
    CHECK(loader.calls.empty());
    CHECK(r.out.find("refusing to reload kvm_amd:\n  VM \"web-1\" is running\n") !=
          std::string::npos);
    SECTION("dry-run twin") {
        TreeCopy dry("pvm-guest");
        auto dry_before = dry.snapshot();
        Enabled d =
            enable_with(dry, loader, true, true, [] { return std::vector<std::string>{"web-1"}; });
        CHECK(d.code == to_int(ExitCode::incomplete));
        CHECK(dry.snapshot() == dry_before);
    }
}

namespace {

// A loader whose load sets every parameter in `after`, as the kernel would show them.
class ParamLoader : public virtnest::ModuleLoader {
  public:
    ParamLoader(std::filesystem::path root, std::map<std::string, std::string> after)
        : m_root(std::move(root)), m_after(std::move(after)) {}
    void unload(const std::string& module) override { calls.push_back("unload " + module); }
    void load(const std::string& module) override {
        calls.push_back("load " + module);
        for (const auto& [param, value] : m_after) {
            test_support::spit(m_root / "sys/module" / module / "parameters" / param, value + "\n");
        }
    }
    std::vector<std::string> calls;

  private:
    std::filesystem::path m_root;
    std::map<std::string, std::string> m_after;
};

Enabled run_request(const TreeCopy& tree, virtnest::ModuleLoader& loader,
                    virtnest::HostEnableRequest request,
                    std::function<std::vector<std::string>()> running_vms) {
    virtnest::RootedHostFiles files(tree.path());
    virtnest::HostEnableTarget target{&files, &loader, std::move(running_vms)};
    request.root = tree.path();
    virtnest::HostEnableOutcome done = virtnest::apply_host_enable(request, target);
    if (done.failure) {
        throw *done.failure;
    }
    return {to_int(done.exit_code), done.text};
}

virtnest::HostEnablePlan plan_in(const std::string& fixture_name, bool tune) {
    virtnest::RootedHostFiles files(test_support::fixture(fixture_name));
    return virtnest::plan_host_enable(virtnest::probe_host(files), tune);
}

} // namespace

TEST_CASE("host_enable: 13.6 --tune persists what the CPU supports, never what it lacks",
          "[host_enable]") {
    SECTION("a persisted enable_shadow_vmcs=0 is corrected; settings already on are not added") {
        virtnest::HostEnablePlan plan = plan_in("intel-shadow-vmcs-persisted-off", true);
        CHECK(plan.module_args == "nested=1 enable_shadow_vmcs=1 ept=1 enable_apicv=1");
        REQUIRE(plan.persist.edits.size() == 1);
        CHECK(plan.persist.edits[0].path == "/etc/modprobe.d/kvm.conf");
        CHECK(plan.persist.edits[0].after == "options kvm_intel nested=1 enable_shadow_vmcs=1\n");
        CHECK(plan.commands.empty());
        // Without --tune the same tree has nothing to do.
        CHECK(plan_in("intel-shadow-vmcs-persisted-off", false).persist.edits.empty());
    }
    SECTION("AMD without the avic flag: npt only, and a note") {
        test_support::FakeHostFiles files;
        files.files["/proc/cpuinfo"] = "vendor_id : AuthenticAMD\nflags : svm npt\n";
        files.files["/sys/module/kvm_amd/parameters/nested"] = "1";
        files.files["/sys/module/kvm_amd/parameters/npt"] = "0";
        files.files["/sys/module/kvm_amd/parameters/avic"] = "0";
        files.files["/sys/module/kvm_amd/refcnt"] = "0";
        auto plan = virtnest::plan_host_enable(virtnest::probe_host(files), true);
        CHECK(plan.module_args == "nested=1 npt=1");
        REQUIRE(plan.persist.edits.size() == 1);
        CHECK(plan.persist.edits[0].after ==
              "# Added by virt-nest host enable.\noptions kvm_amd npt=1\n");
        CHECK(plan.notes ==
              std::vector<std::string>{
                  "the CPU shows no avic in /proc/cpuinfo: avic (AVIC) is left as it is",
                  "the CPU shows no v_vmsave_vmload in /proc/cpuinfo: vls (virtual VMLOAD/VMSAVE) "
                  "is left as it is",
                  "the CPU shows no vgif in /proc/cpuinfo: vgif (virtual GIF) is left as it is"});
        CHECK(plan.commands == std::vector<std::string>{"modprobe -r kvm_amd", "modprobe kvm_amd"});
        files.files["/proc/cpuinfo"] = "vendor_id : AuthenticAMD\nflags : svm npt avic\n";
        CHECK(virtnest::plan_host_enable(virtnest::probe_host(files), true).module_args ==
              "nested=1 npt=1 avic=1");
        // A running vls=1 is proof of support and needs no line; a vgif=0 the CPU has does.
        files.files["/proc/cpuinfo"] = "vendor_id : AuthenticAMD\nflags : svm npt vgif\n";
        files.files["/sys/module/kvm_amd/parameters/vls"] = "1";
        files.files["/sys/module/kvm_amd/parameters/vgif"] = "0";
        CHECK(virtnest::plan_host_enable(virtnest::probe_host(files), true).module_args ==
              "nested=1 npt=1 vls=1 vgif=1");
    }
    SECTION("--reload applies them and reads them back") {
        TreeCopy tree("intel-shadow-vmcs-off");
        ParamLoader loader(
            tree.path(),
            {{"nested", "Y"}, {"enable_shadow_vmcs", "Y"}, {"ept", "Y"}, {"enable_apicv", "Y"}});
        virtnest::HostEnableRequest request;
        request.reload = true;
        request.tune = true;
        Enabled r = run_request(tree, loader, request, no_vms);
        CHECK(r.code == to_int(ExitCode::ok));
        CHECK(loader.calls == std::vector<std::string>{"unload kvm_intel", "load kvm_intel"});
        CHECK(r.out.find("reloaded kvm_intel: nested=1 enable_shadow_vmcs=1 ept=1 "
                         "enable_apicv=1\n") != std::string::npos);
        const std::string conf = test_support::slurp(tree.path() / "etc/modprobe.d/kvm.conf");
        CHECK(conf.find("options kvm_intel enable_shadow_vmcs=1\n") != std::string::npos);
        CHECK(conf.find("options kvm_intel ept=1\n") != std::string::npos);
        CHECK(conf.find("options kvm_intel enable_apicv=1\n") != std::string::npos);
    }
    SECTION("dry-run twin: nothing loaded, nothing written") {
        TreeCopy tree("intel-shadow-vmcs-off");
        auto before = tree.snapshot();
        ParamLoader loader(tree.path(), {});
        virtnest::HostEnableRequest request;
        request.reload = true;
        request.tune = true;
        request.dry_run = true;
        Enabled r = run_request(tree, loader, request, no_vms);
        CHECK(r.code == to_int(ExitCode::ok));
        CHECK(loader.calls.empty());
        CHECK(r.out.find("would run: modprobe -r kvm_intel && modprobe kvm_intel\n") !=
              std::string::npos);
        CHECK(tree.snapshot() == before);
    }
    SECTION("a reload that leaves a setting off is an error naming it") {
        TreeCopy tree("intel-shadow-vmcs-off");
        ParamLoader loader(tree.path(), {{"nested", "Y"}, {"ept", "Y"}, {"enable_apicv", "Y"}});
        virtnest::HostEnableRequest request;
        request.reload = true;
        request.tune = true;
        REQUIRE_THROWS_WITH(run_request(tree, loader, request, no_vms),
                            "reloaded module \"kvm_intel\" but enable_shadow_vmcs is \"N\"; see "
                            "`virt-nest check`");
    }
}

TEST_CASE("host_enable: 13.8 host disable persists nested=0 and reloads only when idle",
          "[host_enable]") {
    SECTION("nothing sets it: nested=0 is written, the default is not trusted") {
        virtnest::RootedHostFiles files(test_support::fixture("intel-default-on"));
        auto plan = virtnest::plan_host_disable(virtnest::probe_host(files));
        REQUIRE(plan.persist.edits.size() == 1);
        CHECK(plan.persist.edits[0].path == "/etc/modprobe.d/kvm.conf");
        CHECK(plan.persist.edits[0].after ==
              "# Added by virt-nest host disable.\noptions kvm_intel nested=0\n");
        CHECK(plan.commands ==
              std::vector<std::string>{"modprobe -r kvm_intel", "modprobe kvm_intel"});
    }
    SECTION("a nested=1 in /etc is corrected in place") {
        virtnest::RootedHostFiles files(test_support::fixture("intel-nested-on"));
        auto plan = virtnest::plan_host_disable(virtnest::probe_host(files));
        REQUIRE(plan.persist.edits.size() == 1);
        CHECK(plan.persist.edits[0].after ==
              "# Nested virtualization for virt-nest guests\noptions kvm_intel nested=0\n");
    }
    SECTION("a kernel command line nested=1 is refused with the fix") {
        virtnest::RootedHostFiles files(test_support::fixture("intel-shadow-vmcs-off"));
        REQUIRE_THROWS_WITH(virtnest::plan_host_disable(virtnest::probe_host(files)),
                            Catch::Contains("the kernel command line sets kvm_intel.nested=1"));
    }
    SECTION("--reload with a VM running is refused, the file still written") {
        TreeCopy tree("intel-default-on");
        ParamLoader loader(tree.path(), {{"nested", "N"}});
        virtnest::HostEnableRequest request;
        request.reload = true;
        request.disable = true;
        Enabled r =
            run_request(tree, loader, request, [] { return std::vector<std::string>{"web-1"}; });
        CHECK(r.code == to_int(ExitCode::incomplete));
        CHECK(loader.calls.empty());
        CHECK(std::filesystem::exists(tree.path() / "etc/modprobe.d/kvm.conf"));
        Enabled idle = run_request(tree, loader, request, no_vms);
        CHECK(idle.code == to_int(ExitCode::ok));
        CHECK(loader.calls == std::vector<std::string>{"unload kvm_intel", "load kvm_intel"});
        CHECK(idle.out.find("reloaded kvm_intel: nested is off\n") != std::string::npos);
    }
    SECTION("dry-run twin") {
        TreeCopy tree("intel-default-on");
        auto before = tree.snapshot();
        ParamLoader loader(tree.path(), {{"nested", "N"}});
        virtnest::HostEnableRequest request;
        request.reload = true;
        request.disable = true;
        request.dry_run = true;
        Enabled r = run_request(tree, loader, request, no_vms);
        CHECK(r.code == to_int(ExitCode::ok));
        CHECK(loader.calls.empty());
        CHECK(tree.snapshot() == before);
    }
}
