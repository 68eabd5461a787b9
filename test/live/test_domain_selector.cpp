// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/live/domain_selector.hpp"
#include "virtnest/util/error.hpp"

#include <catch2/catch.hpp>

using namespace virtnest;

namespace {

const std::vector<DomainBrief> k_fleet = {
    {"web-2", DomainState::shut_off}, {"web-1", DomainState::running},
    {"db-1", DomainState::paused},    {"build", DomainState::blocked},
    {"old", DomainState::crashed},
};

std::vector<std::string> names_of(const std::vector<std::size_t>& indices) {
    std::vector<std::string> names;
    for (std::size_t i : indices) {
        names.push_back(k_fleet[i].name);
    }
    return names;
}

} // namespace

TEST_CASE("domain_selector: names, globs and --all", "[domain_selector]") {
    SECTION("exact names, sorted, each once") {
        Selection sel{{"web-2", "db-1", "web-2"}, false, std::nullopt, false};
        REQUIRE(names_of(select_domains(k_fleet, sel)) ==
                std::vector<std::string>{"db-1", "web-2"});
    }
    SECTION("a glob matches by shell rules") {
        Selection sel{{"web-*"}, false, std::nullopt, false};
        REQUIRE(names_of(select_domains(k_fleet, sel)) ==
                std::vector<std::string>{"web-1", "web-2"});
        Selection brackets{{"*-[2]"}, false, std::nullopt, false};
        REQUIRE(names_of(select_domains(k_fleet, brackets)) == std::vector<std::string>{"web-2"});
    }
    SECTION("--all takes everything") {
        Selection sel{{}, true, std::nullopt, false};
        REQUIRE(select_domains(k_fleet, sel).size() == k_fleet.size());
    }
    SECTION("list without arguments takes everything") {
        Selection sel{{}, false, std::nullopt, true};
        REQUIRE(select_domains(k_fleet, sel).size() == k_fleet.size());
    }
}

TEST_CASE("domain_selector: --state filters the selection", "[domain_selector]") {
    SECTION("running includes idle") {
        Selection sel{{}, true, StateFilter::running, false};
        REQUIRE(names_of(select_domains(k_fleet, sel)) ==
                std::vector<std::string>{"build", "web-1"});
    }
    SECTION("shut-off includes crashed, and combines with a glob") {
        Selection sel{{"*"}, false, StateFilter::shut_off, false};
        REQUIRE(names_of(select_domains(k_fleet, sel)) == std::vector<std::string>{"old", "web-2"});
    }
    SECTION("--state alone selects all domains in that state") {
        Selection sel{{}, false, StateFilter::paused, false};
        REQUIRE(names_of(select_domains(k_fleet, sel)) == std::vector<std::string>{"db-1"});
    }
    SECTION("spellings") {
        REQUIRE(parse_state_filter("shut-off") == StateFilter::shut_off);
        REQUIRE(parse_state_filter("shutoff") == StateFilter::shut_off);
        REQUIRE(parse_state_filter("paused") == StateFilter::paused);
        REQUIRE_FALSE(parse_state_filter("sleeping").has_value());
    }
}

TEST_CASE("domain_selector: selectors that match nothing are errors", "[domain_selector]") {
    SECTION("a close name gets a did-you-mean") {
        Selection sel{{"web1"}, false, std::nullopt, false};
        REQUIRE_THROWS_WITH(select_domains(k_fleet, sel),
                            "no domain named \"web1\": did you mean \"web-1\"?");
    }
    SECTION("a far name gets none") {
        Selection sel{{"mailserver"}, false, std::nullopt, false};
        REQUIRE_THROWS_WITH(select_domains(k_fleet, sel), "no domain named \"mailserver\"");
    }
    SECTION("a glob that matches nothing is named") {
        Selection sel{{"web-1", "wbe-*"}, false, std::nullopt, false};
        REQUIRE_THROWS_WITH(select_domains(k_fleet, sel), "no domain matches \"wbe-*\"");
    }
    SECTION("nothing asked for is a usage error") {
        Selection sel;
        try {
            (void)select_domains(k_fleet, sel);
            FAIL("expected an error");
        } catch (const Error& e) {
            REQUIRE(e.code() == ExitCode::usage);
            REQUIRE(std::string(e.what()) ==
                    "no domain selected: name domains, give shell globs, or use --all");
        }
    }
}

TEST_CASE("domain_selector: ties in the hint go to the first name", "[domain_selector]") {
    const std::vector<DomainBrief> fleet = {{"web-2", DomainState::running},
                                            {"web-1", DomainState::running}};
    Selection sel{{"web-3"}, false, std::nullopt, false};
    REQUIRE_THROWS_WITH(select_domains(fleet, sel),
                        "no domain named \"web-3\": did you mean \"web-1\"?");
}

TEST_CASE("domain_selector: item 18: a domain's exact name wins over a glob reading",
          "[selector]") {
    const std::vector<DomainBrief> fleet = {{"web-1", DomainState::running},
                                            {"web-[1]", DomainState::shut_off},
                                            {"web-?", DomainState::shut_off}};
    auto select = [&](const std::string& pattern) {
        std::vector<std::string> names;
        for (std::size_t i : select_domains(fleet, {{pattern}, false, std::nullopt, false})) {
            names.push_back(fleet[i].name);
        }
        return names;
    };
    REQUIRE(select("web-[1]") == std::vector<std::string>{"web-[1]"});
    REQUIRE(select("web-?") == std::vector<std::string>{"web-?"});
    REQUIRE(select("web-[0-9]") == std::vector<std::string>{"web-1"}); // no such name: a glob
    REQUIRE(select("web-*").size() == 3);
}
