// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/help_text.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <map>

namespace virtnest {
namespace {

struct HelpExtra {
    const char* examples;
    const char* exit_codes;
};

constexpr const char* k_live_codes =
    "  0 done (or, in a dry run, would be)   1 error   2 usage\n"
    "  3 something selected was skipped, refused or failed   130/143 SIGINT/SIGTERM\n";

const std::map<std::string, HelpExtra>& extras() {
    static const std::map<std::string, HelpExtra> table = {
        {"rewrite",
         {"  virt-nest rewrite vm.xml --mode host-passthrough > vm.nested.xml\n"
          "  virsh dumpxml --inactive --security-info web-1 | virt-nest rewrite --mode "
          "host-model --diff\n",
          "  0 written (changed or not)   1 bad input   2 usage\n"
          "  5 with --exit-code: already as asked, nothing changed\n"}},
        {"list",
         {"  virt-nest list\n"
          "  virt-nest -c qemu+ssh://root@kvm-1/system list 'web-*' --json\n",
          "  0 listed   1 error   2 usage\n"}},
        {"enable",
         {"  virt-nest enable 'web-*' --dry-run --diff\n"
          "  virt-nest enable --all --state shut-off\n"
          "  virt-nest enable db-1 --model EPYC-Rome\n"
          "  virt-nest enable --mode baseline --hosts cluster.txt 'web-*'\n",
          k_live_codes}},
        {"disable",
         {"  virt-nest disable 'untrusted-*' --dry-run\n"
          "  virt-nest disable --all\n",
          k_live_codes}},
        {"revert",
         {"  virt-nest revert web-1\n"
          "  virt-nest revert --all --dry-run --diff\n",
          k_live_codes}},
        {"check",
         {"  virt-nest check\n"
          "  virt-nest -c qemu+ssh://root@kvm-1/system check --json\n",
          "  0 nested guests can run   4 at least one FAIL   1 error   2 usage\n"}},
        {"host",
         {"  virt-nest host enable --dry-run\n"
          "  virt-nest host enable --reload\n",
          "  0 done (or would be)   1 error   2 usage\n"}},
        {"baseline",
         {"  virt-nest -c qemu+ssh://kvm-1/system -c qemu+ssh://kvm-2/system baseline > cpu.xml\n"
          "  virt-nest --hosts cluster.txt baseline --json\n",
          "  0 every host runs the result   3 some host cannot   1 error   2 usage\n"}},
        {"backups",
         {"  virt-nest backups web-1\n"
          "  virt-nest backups --prune --keep 3 --dry-run\n",
          "  0 done   1 error (a backup that could not be removed)   2 usage\n"}},
    };
    return table;
}

constexpr const char* k_top_examples =
    "Examples:\n"
    "  virt-nest check                      can this host run nested guests?\n"
    "  virt-nest list                       which domains can nest now?\n"
    "  virt-nest enable 'web-*' --dry-run   what would change\n";

constexpr const char* k_top_exit_codes =
    "Exit codes:\n"
    "  0 success   1 error   2 usage   3 incomplete (something skipped, refused or failed)\n"
    "  4 check: not ready   5 rewrite --exit-code: nothing to do   130/143 interrupted\n"
    "\n"
    "Run 'virt-nest SUBCOMMAND --help' for a subcommand's options; man virt-nest for more.\n";

std::string subcommand_footer(const CLI::App& root, const std::string& name) {
    std::string text = "Global options (before the subcommand):\n" + global_options_text(root);
    auto found = extras().find(name);
    if (found != extras().end()) {
        text += "\nExamples:\n" + std::string(found->second.examples);
        text += "\nExit codes:\n" + std::string(found->second.exit_codes);
    }
    return text;
}

// Return the value name of `opt` without CLI11's validator descriptions ("UINT:UINT in [1 -
// 256]" becomes "N"), with its default and "..." when repeatable.
std::string value_text(CLI::Option& opt) {
    const std::string full = opt.get_type_name();
    const std::size_t colon = full.find(':');
    std::string name = full.substr(0, colon);
    // CLI::IsMember describes itself as "{a,b,c}": say "a|b|c" instead of "TEXT".
    const std::string members = colon == std::string::npos ? "" : full.substr(colon + 1);
    if (members.size() > 2 && members.front() == '{' && members.back() == '}') {
        name = members.substr(1, members.size() - 2);
        std::replace(name.begin(), name.end(), ',', '|');
    } else if (name == "UINT" || name == "INT" || name == "NUMBER" || name == "FLOAT") {
        name = "N";
    } else if (name == "TEXT") {
        name = "VALUE";
    }
    std::string text = name;
    const bool repeatable = opt.get_expected_max() == CLI::detail::expected_max_vector_size;
    if (!repeatable) {
        opt.capture_default_str();
        const std::string given = opt.get_default_str();
        // An empty or zero default means "not given", not a value worth showing.
        if (!given.empty() && given != "0") {
            text += " (default " + given + ")";
        }
    } else {
        text += " ...";
    }
    return text;
}

void readable_value_names(CLI::App& app) {
    for (CLI::Option* opt : app.get_options()) {
        if (opt->get_type_size() != 0) {
            opt->option_text(value_text(*opt));
        }
    }
    for (CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
        readable_value_names(*sub);
    }
}

void add_footers_below(const CLI::App& root, CLI::App& app, const std::string& top_name) {
    for (CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
        const std::string name = top_name.empty() ? sub->get_name() : top_name;
        // A function: options the lead adds later still show.
        sub->footer([&root, name] { return subcommand_footer(root, name); });
        add_footers_below(root, *sub, name);
    }
}

} // namespace

std::string global_options_text(const CLI::App& app) {
    std::vector<std::pair<std::string, std::string>> rows;
    for (const CLI::Option* opt : app.get_options()) {
        const std::string names = opt->get_name(false, true);
        if (names == "-h,--help" || names == "--version") {
            continue;
        }
        std::string left = names;
        if (const std::string value = opt->get_option_text(); !value.empty()) {
            left += ' ';
            left += value;
        }
        rows.emplace_back(std::move(left), opt->get_description());
    }
    // As CLI11 lays out options: a column of 28; a longer name puts its text on the next line.
    constexpr std::size_t k_width = 28;
    std::string text;
    for (const auto& [left, right] : rows) {
        text += "  ";
        text += left;
        if (left.size() < k_width) {
            text.append(k_width - left.size(), ' ');
        } else {
            text += '\n';
            text.append(k_width + 2, ' ');
        }
        text += right;
        text += '\n';
    }
    return text;
}

void add_help_footers(CLI::App& app) {
    readable_value_names(app);
    app.footer(std::string(k_top_examples) + "\n" + k_top_exit_codes);
    add_footers_below(app, app, "");
}

} // namespace virtnest
