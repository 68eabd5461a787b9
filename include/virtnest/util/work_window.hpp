// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// A bounded window of work items in flight: several threads take the next item in order, so
// a run over one libvirt connection keeps a few calls outstanding instead of one.

#include <chrono>
#include <cstddef>
#include <functional>

namespace virtnest {

// How many items a live run keeps in flight on one connection. libvirtd serves up to
// max_client_requests (5 by default) calls of one client at once and queues the rest; a few
// more threads than that keep the daemon busy while others parse, plan and write backups.
inline constexpr std::size_t k_live_window = 8;

// The widest window a live run opens, when each call is slow because of the link, not the
// daemon: a bound on the client's threads and on the documents held in memory at once.
inline constexpr std::size_t k_max_live_window = 32;

// Return the window for a connection whose cheapest call takes `round_trip`: k_live_window
// up to 1 ms; beyond, k_live_window per millisecond, so that as many calls reach the daemon
// per millisecond as on a fast link, at most k_max_live_window.
std::size_t window_for_round_trip(std::chrono::microseconds round_trip);

// Call work(i) for every i in [0, count), on up to `window` threads (the calling thread is
// one of them); items are started in increasing order, each exactly once, and this returns
// when all are done. The first exception a work item throws is rethrown here, after every
// thread has finished; items not started by then are not started.
void run_windowed(std::size_t count, std::size_t window,
                  const std::function<void(std::size_t)>& work);

} // namespace virtnest
