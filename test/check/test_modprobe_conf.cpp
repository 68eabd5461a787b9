// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/check/modprobe_conf.hpp"

#include <catch2/catch.hpp>

using virtnest::ConfFile;
using virtnest::WantedOption;

namespace {

const std::vector<WantedOption> k_nested = {{"nested", true, true}};

// Apply a plan's edits to the file list the way modprobe would then see it.
std::vector<ConfFile> applied(std::vector<ConfFile> files, const virtnest::PersistPlan& plan) {
    for (const auto& edit : plan.edits) {
        bool replaced = false;
        for (auto& file : files) {
            if (file.path == edit.path) {
                file.content = edit.after;
                replaced = true;
            }
        }
        if (!replaced) {
            // A new /etc file hides a vendor file of the same name.
            std::string name = edit.path.substr(edit.path.rfind('/') + 1);
            std::erase_if(files, [&](const ConfFile& f) {
                return f.path.substr(f.path.rfind('/') + 1) == name;
            });
            files.push_back({edit.path, edit.after});
        }
    }
    return files;
}

} // namespace

TEST_CASE("modprobe_conf: parses options statements", "[modprobe_conf]") {
    ConfFile file{"/etc/modprobe.d/kvm.conf", "# options kvm_intel nested=0\n"
                                              "blacklist kvm_amd\n"
                                              "options kvm-intel nested=1 \\\n"
                                              "    enable_shadow_vmcs ept=\"Y\"\n"
                                              "  options kvm_amd nested=0\n"
                                              "install kvm_amd /bin/false\n"};
    auto options = virtnest::parse_module_options(file);
    REQUIRE(options.size() == 4);
    CHECK(options[0].module == "kvm_intel");
    CHECK(options[0].param == "nested");
    CHECK(options[0].value == "1");
    CHECK(options[0].line == 3);
    CHECK(options[1].param == "enable_shadow_vmcs");
    CHECK(options[1].value.empty());
    CHECK(options[1].line == 4);
    CHECK(options[2].value == "Y");
    CHECK(options[3].module == "kvm_amd");
    CHECK(options[3].line == 5);
    CHECK(options[3].file == "/etc/modprobe.d/kvm.conf");
}

TEST_CASE("modprobe_conf: the setting that takes effect", "[modprobe_conf]") {
    std::vector<ConfFile> files = {{"/etc/modprobe.d/a.conf", "options kvm_amd nested=1\n"},
                                   {"/usr/lib/modprobe.d/b.conf", "options kvm_amd nested=0\n"}};
    SECTION("the last file in modprobe's order wins") {
        auto found = virtnest::effective_option(files, "", "kvm_amd", "nested");
        REQUIRE(found);
        CHECK(found->file == "/usr/lib/modprobe.d/b.conf");
        CHECK(found->value == "0");
        CHECK_FALSE(virtnest::effective_option(files, "", "kvm_intel", "nested"));
        CHECK_FALSE(virtnest::effective_option(files, "", "kvm_amd", "avic"));
    }
    SECTION("the kernel command line overrides the files, in either spelling") {
        auto found =
            virtnest::effective_option(files, "ro quiet kvm-amd.nested=1", "kvm-amd", "nested");
        REQUIRE(found);
        CHECK(found->file == "/proc/cmdline");
        CHECK(found->line == 0);
        CHECK(found->value == "1");
    }
    SECTION("words after -- belong to init, not the kernel") {
        auto found =
            virtnest::effective_option(files, "ro -- kvm_amd.nested=1", "kvm_amd", "nested");
        REQUIRE(found);
        CHECK(found->value == "0");
    }
}

TEST_CASE("modprobe_conf: boolean parameter values", "[modprobe_conf]") {
    for (const char* yes : {"Y", "y", "1", ""}) {
        CHECK(virtnest::parse_bool_param(yes) == true);
    }
    for (const char* no : {"N", "n", "0"}) {
        CHECK(virtnest::parse_bool_param(no) == false);
    }
    CHECK_FALSE(virtnest::parse_bool_param("2").has_value());
    CHECK_FALSE(virtnest::parse_bool_param("yes").has_value());
}

TEST_CASE("modprobe_conf: planning a persistent nested=1", "[modprobe_conf]") {
    SECTION("nothing set: a new /etc/modprobe.d/kvm.conf") {
        std::vector<ConfFile> files = {{"/usr/lib/modprobe.d/aliases.conf", "alias foo bar\n"}};
        auto plan = virtnest::plan_persistent_options(files, "", "kvm_intel", k_nested);
        REQUIRE(plan.edits.size() == 1);
        CHECK(plan.edits[0].path == "/etc/modprobe.d/kvm.conf");
        CHECK_FALSE(plan.edits[0].before.has_value());
        CHECK(plan.edits[0].after ==
              "# Added by virt-nest host enable.\noptions kvm_intel nested=1\n");
        CHECK(plan.changes == std::vector<std::string>{
                                  "/etc/modprobe.d/kvm.conf: added `options kvm_intel nested=1`"});
        CHECK(plan.unresolved.empty());
    }
    SECTION("already persistent: nothing to write") {
        std::vector<ConfFile> files = {{"/etc/modprobe.d/x.conf", "options kvm_intel nested=Y\n"}};
        auto plan = virtnest::plan_persistent_options(files, "", "kvm_intel", k_nested);
        CHECK(plan.edits.empty());
        CHECK(plan.changes.empty());
    }
    SECTION("an /etc file that disables it is corrected in place, the rest kept") {
        std::vector<ConfFile> files = {
            {"/etc/modprobe.d/kvm-amd.conf", "# site\noptions kvm-amd npt=1 nested=0 avic=1\n"}};
        auto plan = virtnest::plan_persistent_options(files, "", "kvm_amd", k_nested);
        REQUIRE(plan.edits.size() == 1);
        CHECK(plan.edits[0].path == "/etc/modprobe.d/kvm-amd.conf");
        CHECK(plan.edits[0].before == files[0].content);
        CHECK(plan.edits[0].after == "# site\noptions kvm-amd npt=1 nested=1 avic=1\n");
        CHECK(plan.changes ==
              std::vector<std::string>{
                  "/etc/modprobe.d/kvm-amd.conf:2 sets kvm_amd nested=0: changed to nested=1"});
    }
    SECTION("only the conflicting line of several changes") {
        std::vector<ConfFile> files = {{"/etc/modprobe.d/a.conf", "options kvm_amd nested=1\n"},
                                       {"/etc/modprobe.d/z.conf", "options kvm_amd nested=N\n"}};
        auto plan = virtnest::plan_persistent_options(files, "", "kvm_amd", k_nested);
        REQUIRE(plan.edits.size() == 1);
        CHECK(plan.edits[0].path == "/etc/modprobe.d/z.conf");
        CHECK(plan.edits[0].after == "options kvm_amd nested=1\n");
    }
    SECTION("a vendor file is overridden by an /etc copy, never edited") {
        std::vector<ConfFile> files = {
            {"/usr/lib/modprobe.d/kvm-amd.conf",
             "options kvm_amd nested=0 \\\n    avic=0\nsoftdep kvm_amd pre: ccp\n"}};
        auto plan = virtnest::plan_persistent_options(files, "", "kvm_amd", k_nested);
        REQUIRE(plan.edits.size() == 1);
        CHECK(plan.edits[0].path == "/etc/modprobe.d/kvm-amd.conf");
        CHECK_FALSE(plan.edits[0].before.has_value());
        CHECK(plan.edits[0].after ==
              "# Copy of /usr/lib/modprobe.d/kvm-amd.conf made by virt-nest host enable to "
              "override it.\n"
              "options kvm_amd nested=1 \\\n    avic=0\nsoftdep kvm_amd pre: ccp\n");
    }
    SECTION("an existing kvm.conf keeps its content and gets the line appended") {
        std::vector<ConfFile> files = {{"/etc/modprobe.d/kvm.conf", "options kvm halt_poll_ns=0"}};
        auto plan = virtnest::plan_persistent_options(files, "", "kvm_intel", k_nested);
        REQUIRE(plan.edits.size() == 1);
        CHECK(plan.edits[0].before == std::optional<std::string>("options kvm halt_poll_ns=0"));
        CHECK(plan.edits[0].after == "options kvm halt_poll_ns=0\n# Added by virt-nest host "
                                     "enable.\noptions kvm_intel nested=1\n");
    }
    SECTION("a vendor kvm.conf is carried into the new /etc/modprobe.d/kvm.conf") {
        std::vector<ConfFile> files = {
            {"/usr/lib/modprobe.d/kvm.conf", "options kvm ignore_msrs=1\n"}};
        auto plan = virtnest::plan_persistent_options(files, "", "kvm_amd", k_nested);
        REQUIRE(plan.edits.size() == 1);
        CHECK(plan.edits[0].path == "/etc/modprobe.d/kvm.conf");
        CHECK(
            plan.edits[0].after ==
            "# Copy of /usr/lib/modprobe.d/kvm.conf made by virt-nest host enable to override it.\n"
            "options kvm ignore_msrs=1\n# Added by virt-nest host enable.\noptions kvm_amd "
            "nested=1\n");
    }
    SECTION("the kernel command line cannot be fixed by a file") {
        auto plan = virtnest::plan_persistent_options({}, "quiet kvm_intel.nested=0", "kvm_intel",
                                                      k_nested);
        CHECK(plan.edits.empty());
        CHECK(plan.unresolved ==
              std::vector<std::string>{
                  "the kernel command line sets kvm_intel.nested=0, which overrides every "
                  "modprobe.d file: change it in the boot loader configuration"});
    }
    SECTION("IBM Z: hpage=1 is corrected, and never added when absent") {
        const std::vector<WantedOption> wanted = {{"nested", true, true}, {"hpage", false, false}};
        std::vector<ConfFile> files = {{"/etc/modprobe.d/kvm.conf", "options kvm hpage=1\n"}};
        auto plan = virtnest::plan_persistent_options(files, "", "kvm", wanted);
        REQUIRE(plan.edits.size() == 1);
        CHECK(plan.edits[0].after ==
              "options kvm hpage=0\n# Added by virt-nest host enable.\noptions kvm nested=1\n");
        auto clean = virtnest::plan_persistent_options({}, "", "kvm", wanted);
        REQUIRE(clean.edits.size() == 1);
        CHECK(clean.edits[0].after.find("hpage") == std::string::npos);
    }
    SECTION("a plan, once applied, leaves nothing to do") {
        std::vector<ConfFile> files = {
            {"/etc/modprobe.d/a.conf", "options kvm_amd nested=0\n"},
            {"/usr/lib/modprobe.d/b.conf", "options kvm_amd nested=n avic=1\n"}};
        auto plan = virtnest::plan_persistent_options(files, "", "kvm_amd", k_nested);
        CHECK(plan.edits.size() == 2);
        auto after = applied(files, plan);
        auto effective = virtnest::effective_option(after, "", "kvm_amd", "nested");
        REQUIRE(effective);
        CHECK(virtnest::parse_bool_param(effective->value) == true);
        CHECK(virtnest::plan_persistent_options(after, "", "kvm_amd", k_nested).edits.empty());
    }
}

TEST_CASE("modprobe_conf: statements that keep a module from loading", "[modprobe_conf]") {
    std::vector<ConfFile> files = {
        {"/etc/modprobe.d/a.conf", "blacklist kvm_intel\n# blacklist kvm-amd\nblacklist kvm-amd\n"},
        {"/etc/modprobe.d/b.conf",
         "install kvm_amd /bin/false\ninstall kvm_amd /sbin/modprobe --ignore-install "
         "kvm_amd\ninstall kvm_intel true\n"}};
    auto blocks = virtnest::module_blocks(files, "kvm_amd");
    REQUIRE(blocks.size() == 2);
    CHECK(blocks[0].file == "/etc/modprobe.d/a.conf");
    CHECK(blocks[0].line == 3);
    CHECK(blocks[0].statement == "blacklist kvm-amd");
    CHECK_FALSE(blocks[0].prevents_loading);
    CHECK(blocks[1].statement == "install kvm_amd /bin/false");
    CHECK(blocks[1].line == 1);
    CHECK(blocks[1].prevents_loading);
    auto intel = virtnest::module_blocks(files, "kvm-intel");
    REQUIRE(intel.size() == 2);
    CHECK(intel[1].prevents_loading);
    CHECK(virtnest::module_blocks(files, "kvm").empty());
}

TEST_CASE("modprobe_conf: 11.22 CRLF line ends and quoted values are corrected",
          "[modprobe_conf]") {
    SECTION("a CRLF line end") {
        std::vector<ConfFile> files = {{"/etc/modprobe.d/kvm.conf",
                                        "options kvm_amd nested=0\r\noptions kvm_amd npt=1 \\\r\n"
                                        "  avic=1\r\n"}};
        auto options = virtnest::parse_module_options(files[0]);
        REQUIRE(options.size() == 3);
        CHECK(options[0].value == "0");
        CHECK(options[2].param == "avic");
        CHECK(options[2].line == 3);
        auto plan = virtnest::plan_persistent_options(files, "", "kvm_amd", k_nested);
        REQUIRE(plan.edits.size() == 1);
        CHECK(plan.edits[0].after ==
              "options kvm_amd nested=1\r\noptions kvm_amd npt=1 \\\r\n  avic=1\r\n");
        CHECK(virtnest::plan_persistent_options(applied(files, plan), "", "kvm_amd", k_nested)
                  .edits.empty());
    }
    SECTION("a quoted value") {
        std::vector<ConfFile> files = {
            {"/etc/modprobe.d/kvm.conf", "options kvm_amd avic=1 nested=\"0\"\n"}};
        auto plan = virtnest::plan_persistent_options(files, "", "kvm_amd", k_nested);
        REQUIRE(plan.edits.size() == 1);
        CHECK(plan.edits[0].after == "options kvm_amd avic=1 nested=1\n");
        CHECK(plan.changes == std::vector<std::string>{"/etc/modprobe.d/kvm.conf:1 sets kvm_amd "
                                                       "nested=\"0\": changed to nested=1"});
        CHECK(virtnest::plan_persistent_options(applied(files, plan), "", "kvm_amd", k_nested)
                  .edits.empty());
    }
}

TEST_CASE("modprobe_conf: 11.23 install statements that pass options are seen", "[modprobe_conf]") {
    std::vector<ConfFile> files = {
        {"/etc/modprobe.d/a.conf", "options kvm_amd nested=1\n"},
        {"/etc/modprobe.d/b.conf",
         "install kvm_amd /sbin/modprobe --ignore-install kvm_amd nested=0 $CMDLINE_OPTS\n"
         "install kvm_amd /sbin/modprobe --ignore-install kvm_amd nested=1\n"}};
    auto options = virtnest::parse_install_options(files[1]);
    REQUIRE(options.size() == 2);
    CHECK(options[0].from_install);
    SECTION("the first install statement wins over options and the kernel command line") {
        auto found = virtnest::effective_option(files, "kvm_amd.nested=1", "kvm_amd", "nested");
        REQUIRE(found);
        CHECK(found->file == "/etc/modprobe.d/b.conf");
        CHECK(found->line == 1);
        CHECK(found->value == "0");
    }
    SECTION("host enable corrects the install statement, not by appending a losing line") {
        auto plan = virtnest::plan_persistent_options(files, "", "kvm_amd", k_nested);
        REQUIRE(plan.edits.size() == 1);
        CHECK(plan.edits[0].path == "/etc/modprobe.d/b.conf");
        CHECK(plan.edits[0].after ==
              "install kvm_amd /sbin/modprobe --ignore-install kvm_amd nested=1 $CMDLINE_OPTS\n"
              "install kvm_amd /sbin/modprobe --ignore-install kvm_amd nested=1\n");
        CHECK(plan.changes ==
              std::vector<std::string>{"/etc/modprobe.d/b.conf:1 sets kvm_amd nested=0 in an "
                                       "install statement: changed to nested=1"});
        CHECK(virtnest::plan_persistent_options(applied(files, plan), "", "kvm_amd", k_nested)
                  .edits.empty());
    }
    SECTION("an install statement that loads another module first passes nothing") {
        ConfFile other{"/etc/modprobe.d/c.conf",
                       "install kvm_amd /sbin/modprobe ccp; /sbin/modprobe --ignore-install "
                       "kvm_amd nested=0\n"};
        CHECK(virtnest::parse_install_options(other).empty());
    }
    SECTION("install kvm_intel /bin/false is a block, and passes no option") {
        ConfFile off{"/etc/modprobe.d/no-kvm.conf", "install kvm_intel /bin/false\n"};
        CHECK(virtnest::parse_install_options(off).empty());
        auto blocks = virtnest::module_blocks({off}, "kvm_intel");
        REQUIRE(blocks.size() == 1);
        CHECK(blocks[0].prevents_loading);
    }
}

TEST_CASE("modprobe_conf: 11.24 a setting in /run/modprobe.d does not persist", "[modprobe_conf]") {
    SECTION("a wrong value in /run is corrected in an /etc copy, /run left alone") {
        std::vector<ConfFile> files = {{"/run/modprobe.d/kvm.conf", "options kvm_amd nested=0\n"}};
        auto plan = virtnest::plan_persistent_options(files, "", "kvm_amd", k_nested);
        REQUIRE(plan.edits.size() == 1);
        CHECK(plan.edits[0].path == "/etc/modprobe.d/kvm.conf");
        CHECK(plan.edits[0].after.find("options kvm_amd nested=1\n") != std::string::npos);
    }
    SECTION("a right value only in /run is kept in an /etc copy") {
        std::vector<ConfFile> files = {{"/run/modprobe.d/x.conf", "options kvm_amd nested=1\n"}};
        auto plan = virtnest::plan_persistent_options(files, "", "kvm_amd", k_nested);
        REQUIRE(plan.edits.size() == 1);
        CHECK(plan.edits[0].path == "/etc/modprobe.d/x.conf");
        CHECK(plan.edits[0].after == "# Copy of /run/modprobe.d/x.conf made by virt-nest host "
                                     "enable to override it.\noptions kvm_amd nested=1\n");
        CHECK(plan.changes ==
              std::vector<std::string>{"/run/modprobe.d/x.conf:1 sets kvm_amd nested=1 in /run, "
                                       "which is cleared at boot: kept in an /etc/modprobe.d "
                                       "copy"});
        CHECK(virtnest::plan_persistent_options(applied(files, plan), "", "kvm_amd", k_nested)
                  .edits.empty());
    }
}
