// SPDX-License-Identifier: GPL-2.0-or-later
// SIGINT and SIGTERM during a mutating run: the guard turns the first into a stop request.
#include "cli/interrupt.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

using namespace virtnest;

TEST_CASE("interrupt: the first signal asks the run to stop", "[interrupt]") {
    InterruptGuard guard;
    REQUIRE(guard.stop_requested().empty());
    REQUIRE(virtnest::to_int(guard.exit_code_or(static_cast<virtnest::ExitCode>(3))) == 3);
    SECTION("SIGINT: exit 130") {
        REQUIRE(::raise(SIGINT) == 0);
        REQUIRE(guard.stop_requested() == "interrupted by SIGINT");
        REQUIRE(virtnest::to_int(guard.exit_code_or(static_cast<virtnest::ExitCode>(1))) == 130);
    }
    SECTION("SIGTERM: exit 143") {
        REQUIRE(::raise(SIGTERM) == 0);
        REQUIRE(guard.stop_requested() == "interrupted by SIGTERM");
        REQUIRE(virtnest::to_int(guard.exit_code_or(static_cast<virtnest::ExitCode>(1))) == 143);
    }
}

TEST_CASE("interrupt: a new guard starts clean and the old handlers come back", "[interrupt]") {
    struct sigaction before {};
    REQUIRE(::sigaction(SIGINT, nullptr, &before) == 0);
    {
        InterruptGuard guard;
        REQUIRE(guard.stop_requested().empty());
        struct sigaction during {};
        REQUIRE(::sigaction(SIGINT, nullptr, &during) == 0);
        REQUIRE(during.sa_handler != before.sa_handler);
    }
    struct sigaction after {};
    REQUIRE(::sigaction(SIGINT, nullptr, &after) == 0);
    REQUIRE(after.sa_handler == before.sa_handler);
}
