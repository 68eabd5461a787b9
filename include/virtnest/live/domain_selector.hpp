// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Which domains a command works on: names, shell globs, --all and --state. Pure.

#include "virtnest/libvirt/domain_types.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virtnest {

// The --state filter: a coarse grouping of libvirt's run states.
enum class StateFilter { running, shut_off, paused };

// Return the filter for "running", "shut-off" (or "shutoff", "shut off"), "paused"; nullopt
// for anything else.
std::optional<StateFilter> parse_state_filter(std::string_view text) noexcept;

// Return true when `state` belongs to `filter` (running includes idle and in-shutdown;
// shut-off includes crashed; paused includes pmsuspended).
bool state_matches(DomainState state, StateFilter filter) noexcept;

// What the operator asked for on the command line.
struct Selection {
    std::vector<std::string> patterns; // names or shell globs ('web-*', 'db-[0-9]')
    bool all = false;                  // --all
    std::optional<StateFilter> state;  // --state
    bool empty_means_all = false;      // `list` without arguments lists everything
};

// One domain as the listing saw it.
struct DomainBrief {
    std::string name;
    DomainState state = DomainState::no_state;
};

// Throw Error (exit 2) when the selection asks for nothing; commands call it before they
// connect, so a usage mistake is reported as one.
void require_selection(const Selection& selection);

// Return the indices into `domains` of the selected ones, sorted by name, each once.
// Throws Error (exit 2) when nothing was asked for, and Error naming the first pattern that
// matches no domain, with a "did you mean" when a name is close.
std::vector<std::size_t> select_domains(const std::vector<DomainBrief>& domains,
                                        const Selection& selection);

// Return true when `pattern` contains shell glob characters (*, ?, [).
bool is_glob(std::string_view pattern) noexcept;

} // namespace virtnest
