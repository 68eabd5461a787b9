// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/util/work_window.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace virtnest {

std::size_t window_for_round_trip(std::chrono::microseconds round_trip) {
    const auto per_ms = static_cast<std::size_t>(
        std::max<std::chrono::microseconds::rep>(0, round_trip.count() / 1000));
    return std::clamp(k_live_window * per_ms, k_live_window, k_max_live_window);
}

void run_windowed(std::size_t count, std::size_t window,
                  const std::function<void(std::size_t)>& work) {
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::exception_ptr first_error;
    std::mutex error_mutex;
    auto worker = [&] {
        for (;;) {
            const std::size_t index = next.fetch_add(1);
            if (index >= count || failed.load()) {
                return;
            }
            try {
                work(index);
            } catch (...) {
                const std::lock_guard<std::mutex> hold(error_mutex);
                if (!first_error) {
                    first_error = std::current_exception();
                }
                failed = true;
            }
        }
    };
    const std::size_t threads = std::max<std::size_t>(1, std::min(window, count));
    std::vector<std::thread> helpers;
    helpers.reserve(threads - 1);
    try {
        for (std::size_t i = 1; i < threads; ++i) {
            helpers.emplace_back(worker);
        }
    } catch (const std::system_error&) {
        // Fewer threads than asked (the system refused one): the window is just narrower.
    }
    worker();
    for (std::thread& helper : helpers) {
        helper.join();
    }
    if (first_error) {
        std::rethrow_exception(first_error);
    }
}

} // namespace virtnest
