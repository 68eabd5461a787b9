// SPDX-License-Identifier: GPL-2.0-or-later
// Golden files: xml-fixtures/<case>.xml starts with `<?args ...?>`, the options of
// `virt-nest rewrite` for that case. The command's standard output must equal
// <case>.expected.xml (or <case>.expected.diff with --diff; no file: nothing on stdout) and
// its standard error <case>.expected.err (no file: nothing). Set VIRTNEST_UPDATE_GOLDEN=1 to
// write the files from the current behaviour, then review them with `git diff`.
#include "cli_capture.hpp"
#include "virtnest/cli/cli.hpp"
#include "virtnest/libvirt/connection.hpp"
#include "virtnest/util/exit_code.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using virtnest::ExitCode;
using virtnest::to_int;

namespace {

const fs::path k_fixtures{VIRTNEST_FIXTURES_DIR};

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string> args_of(const std::string& xml) {
    const std::string prefix = "<?args ";
    REQUIRE(xml.starts_with(prefix));
    std::istringstream words(xml.substr(prefix.size(), xml.find("?>") - prefix.size()));
    std::vector<std::string> args;
    for (std::string word; words >> word;) {
        args.push_back(word);
    }
    return args;
}

// Paths in messages and diff labels depend on the checkout; the goldens say xml-fixtures/.
std::string relative_paths(std::string text) {
    const std::string dir = k_fixtures.string();
    for (std::size_t at = text.find(dir); at != std::string::npos; at = text.find(dir, at)) {
        text.replace(at, dir.size(), "xml-fixtures");
    }
    return text;
}

using Run = test_support::CliRun;

// --exit-code: the golden cases tell "nothing to do" (5) from a change (0).
// Option values naming xml-fixtures/... (--baseline FILE) are resolved in the checkout.
Run rewrite(const fs::path& file, const std::vector<std::string>& options) {
    std::vector<std::string> args{"rewrite", file.string(), "--exit-code"};
    for (const std::string& option : options) {
        args.push_back(option.starts_with("xml-fixtures/")
                           ? (k_fixtures.parent_path() / option).string()
                           : option);
    }
    Run run = test_support::run_cli_captured(args);
    run.out = relative_paths(run.out);
    run.err = relative_paths(run.err);
    return run;
}

std::vector<fs::path> cases() {
    std::vector<fs::path> inputs;
    for (const auto& entry : fs::directory_iterator(k_fixtures)) {
        std::string name = entry.path().filename().string();
        if (entry.is_regular_file() && name.ends_with(".xml") && !name.ends_with(".expected.xml")) {
            inputs.push_back(entry.path());
        }
    }
    std::sort(inputs.begin(), inputs.end());
    return inputs;
}

fs::path sibling(const fs::path& input, const std::string& suffix) {
    return input.parent_path() / (input.stem().string() + suffix);
}

void update(const fs::path& path, const std::string& text) {
    if (text.empty()) {
        fs::remove(path);
    } else {
        std::ofstream(path, std::ios::binary) << text;
    }
}

} // namespace

TEST_CASE("rewrite golden: every fixture gives its expected output", "[rewrite_golden]") {
    std::vector<fs::path> inputs = cases();
    REQUIRE(inputs.size() >= 25);
    bool regenerate = std::getenv("VIRTNEST_UPDATE_GOLDEN") != nullptr;
    int pairs = 0;
    virtnest::Connection conn = virtnest::Connection::open("test:///default");
    for (const fs::path& input : inputs) {
        std::string name = input.stem().string();
        CAPTURE(name);
        std::string xml = slurp(input);
        std::vector<std::string> options = args_of(xml);
        bool diff = std::find(options.begin(), options.end(), "--diff") != options.end();
        fs::path out_file = sibling(input, diff ? ".expected.diff" : ".expected.xml");
        fs::path err_file = sibling(input, ".expected.err");
        Run run = rewrite(input, options);
        if (regenerate) {
            update(out_file, run.out);
            update(err_file, run.err);
        }
        std::string expected_out = fs::exists(out_file) ? slurp(out_file) : std::string();
        std::string expected_err = fs::exists(err_file) ? slurp(err_file) : std::string();
        REQUIRE(run.err == expected_err);
        REQUIRE(run.out == expected_out);

        if (!fs::exists(out_file)) {
            REQUIRE(run.code == to_int(ExitCode::error));
            continue;
        }
        bool unchanged = diff ? expected_out.empty() : expected_out == xml;
        REQUIRE(run.code == to_int(unchanged ? ExitCode::unchanged : ExitCode::ok));
        if (diff) {
            continue;
        }
        ++pairs;
        // libvirt accepts the result (every fixture is a valid domain for the test driver).
        virtnest::Domain dom = conn.define(expected_out, /*validate=*/true, name);
        dom.undefine();
        // Applying the rewrite to its own output changes nothing.
        Run again = rewrite(out_file, options);
        REQUIRE(again.code == to_int(ExitCode::unchanged));
        REQUIRE(again.out == expected_out);
    }
    REQUIRE(pairs >= 25);
}
