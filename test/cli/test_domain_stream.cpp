// SPDX-License-Identifier: GPL-2.0-or-later
// Printing domains as they are done: selection order per host, -q, --json-lines, the
// progress line only on a terminal, failures mirrored to stderr.
#include "cli/domain_stream.hpp"

#include "virtnest/util/exit_code.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sstream>

using namespace virtnest;

namespace {

DomainOutcome outcome(const std::string& name, Action action, const std::string& reason = {}) {
    DomainOutcome o;
    o.name = name;
    o.uuid = "00000000-0000-0000-0000-00000000000" + name.substr(name.size() - 1);
    o.state = "shut off";
    o.action = action;
    o.reason = reason;
    return o;
}

StreamStyle text_style() {
    StreamStyle style;
    style.output.command = "enable";
    style.text_to_out = true;
    return style;
}

} // namespace

TEST_CASE("domain_stream: domains done out of order are printed in selection order",
          "[domain_stream]") {
    std::ostringstream out;
    std::ostringstream err;
    DomainStream stream(out, err, text_style());
    stream.done("test:///a", 1, 3, outcome("web-2", Action::already));
    REQUIRE(out.str().empty()); // web-1 is not done yet: web-2 waits
    stream.done("test:///a", 0, 3, outcome("web-1", Action::changed));
    REQUIRE(out.str() == "web-1: changed\nweb-2: already nest-capable\n");
    stream.done("test:///a", 2, 3, outcome("web-3", Action::skipped, "transient domain"));
    REQUIRE(out.str() ==
            "web-1: changed\nweb-2: already nest-capable\nweb-3: skipped: transient domain\n");
    stream.finish();
    REQUIRE(err.str().empty()); // not a terminal: no progress line
}

TEST_CASE("domain_stream: each host has its own order", "[domain_stream]") {
    std::ostringstream out;
    std::ostringstream err;
    StreamStyle style;
    style.output.command = "enable";
    style.output.format = OutputFormat::json_lines;
    DomainStream stream(out, err, style);
    stream.done("test:///b", 0, 1, outcome("db-1", Action::changed));
    stream.done("test:///a", 1, 2, outcome("web-2", Action::changed));
    stream.done("test:///a", 0, 2, outcome("web-1", Action::changed));
    std::istringstream lines(out.str());
    std::vector<std::pair<std::string, std::string>> seen;
    for (std::string line; std::getline(lines, line);) {
        auto record = nlohmann::json::parse(line);
        REQUIRE(record["record"] == "domain");
        REQUIRE(record["command"] == "enable");
        REQUIRE(record["state"] == "shut-off");
        seen.emplace_back(record["uri"], record["name"]);
    }
    REQUIRE(seen == std::vector<std::pair<std::string, std::string>>{
                        {"test:///b", "db-1"}, {"test:///a", "web-1"}, {"test:///a", "web-2"}});
}

TEST_CASE("domain_stream: -q prints only skipped and failed domains", "[domain_stream]") {
    std::ostringstream out;
    std::ostringstream err;
    StreamStyle style = text_style();
    style.report.quiet = true;
    DomainStream stream(out, err, style);
    stream.done("h", 0, 3, outcome("web-1", Action::changed));
    stream.done("h", 1, 3, outcome("web-2", Action::failed, "boom"));
    stream.done("h", 2, 3, outcome("web-3", Action::skipped, "transient domain"));
    REQUIRE(out.str() == "web-2: failed: boom\nweb-3: skipped: transient domain\n");
}

TEST_CASE("domain_stream: failures are mirrored to stderr", "[domain_stream]") {
    std::ostringstream out;
    std::ostringstream err;
    SECTION("text on stdout, the failure on stderr as well") {
        DomainStream stream(out, err, text_style());
        stream.done("h", 0, 2, outcome("web-1", Action::failed, "cannot define: boom"));
        stream.done("h", 1, 2, outcome("web-2", Action::changed));
        REQUIRE(err.str() == "virt-nest: web-1: failed: cannot define: boom\n");
    }
    SECTION("several hosts: the failure names its host") {
        StreamStyle style;
        style.output.command = "enable";
        style.name_hosts = true;
        DomainStream stream(out, err, style); // several hosts' text is printed by the runner
        stream.done("test:///a", 0, 1, outcome("web-1", Action::changed));
        stream.done("test:///b", 0, 1, outcome("db-1", Action::failed, "boom"));
        REQUIRE(out.str().empty());
        REQUIRE(err.str() == "virt-nest: test:///b: db-1: failed: boom\n");
    }
}

TEST_CASE("domain_stream: the progress line is redrawn and erased", "[domain_stream]") {
    std::ostringstream out;
    std::ostringstream err;
    StreamStyle style = text_style();
    style.progress = true;
    DomainStream stream(out, err, style);
    stream.done("h", 0, 2, outcome("web-1", Action::changed));
    REQUIRE(err.str() == "\r\033[K[1/2] enable web-1");
    stream.done("h", 1, 2, outcome("web-2", Action::changed));
    REQUIRE(err.str() == "\r\033[K[1/2] enable web-1\r\033[K\r\033[K[2/2] enable web-2");
    stream.finish();
    REQUIRE_THAT(err.str(), Catch::Matchers::EndsWith("[2/2] enable web-2\r\033[K"));
    REQUIRE(out.str() == "web-1: changed\nweb-2: changed\n");
}
