// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/util/work_window.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

using virtnest::run_windowed;

TEST_CASE("work_window: every item runs exactly once", "[work_window]") {
    for (std::size_t window : {1U, 3U, 8U}) {
        for (std::size_t count : {0U, 1U, 7U, 100U}) {
            std::vector<std::atomic<int>> runs(count);
            run_windowed(count, window, [&](std::size_t i) { ++runs[i]; });
            for (std::size_t i = 0; i < count; ++i) {
                INFO("window " << window << ", count " << count << ", item " << i);
                REQUIRE(runs[i].load() == 1);
            }
        }
    }
}

TEST_CASE("work_window: items start in order, at most `window` at once", "[work_window]") {
    std::mutex mutex;
    std::vector<std::size_t> started;
    std::atomic<int> in_flight{0};
    std::atomic<int> peak{0};
    run_windowed(40, 4, [&](std::size_t i) {
        {
            const std::lock_guard<std::mutex> hold(mutex);
            started.push_back(i);
        }
        const int now = ++in_flight;
        int seen = peak.load();
        while (now > seen && !peak.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        --in_flight;
    });
    REQUIRE(started.size() == 40);
    REQUIRE(peak.load() <= 4);
    REQUIRE(peak.load() > 1); // several were in flight: the window is used
    // Each thread takes the next index, so starts are nearly ordered: an item starts at most
    // window-1 places after a later one.
    for (std::size_t pos = 0; pos < started.size(); ++pos) {
        REQUIRE(started[pos] + 4 > pos);
        REQUIRE(pos + 4 > started[pos]);
    }
}

TEST_CASE("work_window: the first error comes back once all threads stopped", "[work_window]") {
    std::atomic<int> done{0};
    std::atomic<bool> thrown{false};
    REQUIRE_THROWS_WITH(
        run_windowed(1000, 4,
                     [&](std::size_t i) {
                         if (i == 5) {
                             thrown = true;
                             throw std::runtime_error("item 5 failed");
                         }
                         // Later items wait for the failure (at most 5 s), so
                         // the other threads cannot race through the rest
                         // before item 5's thread runs at all.
                         const auto limit =
                             std::chrono::steady_clock::now() + std::chrono::seconds(5);
                         while (i > 5 && !thrown && std::chrono::steady_clock::now() < limit) {
                             std::this_thread::yield();
                         }
                         if (i > 5) {
                             // Time for item 5's thread to record the failure.
                             std::this_thread::sleep_for(std::chrono::milliseconds(20));
                         }
                         ++done;
                     }),
        "item 5 failed");
    // Items 0-4 and those already in flight (at most 3 more) finish; no new one starts.
    REQUIRE(done.load() <= 8);
}

TEST_CASE("work_window: the window widens with the round trip, within bounds", "[work_window]") {
    using std::chrono::microseconds;
    using virtnest::k_live_window;
    using virtnest::k_max_live_window;
    using virtnest::window_for_round_trip;
    SECTION("a local socket keeps the default window") {
        REQUIRE(window_for_round_trip(microseconds{0}) == k_live_window);
        REQUIRE(window_for_round_trip(microseconds{150}) == k_live_window);
        REQUIRE(window_for_round_trip(microseconds{1999}) == k_live_window);
    }
    SECTION("a slow link gets k_live_window per millisecond") {
        REQUIRE(window_for_round_trip(microseconds{2000}) == 2 * k_live_window);
        REQUIRE(window_for_round_trip(microseconds{3500}) == 3 * k_live_window);
    }
    SECTION("never beyond the bound, nor below the default") {
        REQUIRE(window_for_round_trip(microseconds{5500}) == k_max_live_window);
        REQUIRE(window_for_round_trip(microseconds{2'000'000}) == k_max_live_window);
        REQUIRE(window_for_round_trip(microseconds{-5}) == k_live_window);
    }
}
