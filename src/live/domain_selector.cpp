// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/live/domain_selector.hpp"

#include "virtnest/util/error.hpp"
#include "virtnest/util/name_suggest.hpp"

#include <algorithm>
#include <fnmatch.h>

namespace virtnest {

std::optional<StateFilter> parse_state_filter(std::string_view text) noexcept {
    if (text == "running") {
        return StateFilter::running;
    }
    if (text == "shut-off" || text == "shutoff" || text == "shut off") {
        return StateFilter::shut_off;
    }
    if (text == "paused") {
        return StateFilter::paused;
    }
    return std::nullopt;
}

bool state_matches(DomainState state, StateFilter filter) noexcept {
    switch (filter) {
    case StateFilter::running:
        return state == DomainState::running || state == DomainState::blocked ||
               state == DomainState::shutdown;
    case StateFilter::shut_off:
        return state == DomainState::shut_off || state == DomainState::crashed;
    case StateFilter::paused:
        return state == DomainState::paused || state == DomainState::pmsuspended;
    }
    return false;
}

bool is_glob(std::string_view pattern) noexcept {
    return pattern.find_first_of("*?[") != std::string_view::npos;
}

void require_selection(const Selection& selection) {
    if (!selection.all && selection.patterns.empty() && !selection.empty_means_all &&
        !selection.state) {
        throw Error("no domain selected: name domains, give shell globs, or use --all",
                    ExitCode::usage);
    }
}

std::vector<std::size_t> select_domains(const std::vector<DomainBrief>& domains,
                                        const Selection& selection) {
    require_selection(selection);
    const bool everything = selection.all || selection.patterns.empty();

    std::vector<bool> chosen(domains.size(), false);
    if (everything) {
        std::fill(chosen.begin(), chosen.end(), true);
    }
    for (const std::string& pattern : selection.patterns) {
        // A domain's exact name wins over reading it as a glob: "web-[1]" names that domain
        // alone when one is called so, never web-1 too.
        const bool exact = std::any_of(domains.begin(), domains.end(),
                                       [&](const DomainBrief& d) { return d.name == pattern; });
        const bool glob = !exact && is_glob(pattern);
        bool matched = false;
        for (std::size_t i = 0; i < domains.size(); ++i) {
            const std::string& name = domains[i].name;
            bool hit = glob ? ::fnmatch(pattern.c_str(), name.c_str(), 0) == 0 : pattern == name;
            if (hit) {
                chosen[i] = true;
                matched = true;
            }
        }
        if (matched) {
            continue;
        }
        if (is_glob(pattern)) {
            throw Error("no domain matches \"" + pattern + "\"");
        }
        // Sorted, so a tie goes to the alphabetically first name whatever libvirt's order.
        std::vector<std::string_view> names;
        names.reserve(domains.size());
        for (const DomainBrief& domain : domains) {
            names.push_back(domain.name);
        }
        std::sort(names.begin(), names.end());
        std::string message = "no domain named \"" + pattern + "\"";
        if (auto near = closest_name(pattern, names)) {
            message += ": did you mean \"" + *near + "\"?";
        }
        throw Error(message);
    }

    std::vector<std::size_t> selected;
    for (std::size_t i = 0; i < domains.size(); ++i) {
        if (chosen[i] && (!selection.state || state_matches(domains[i].state, *selection.state))) {
            selected.push_back(i);
        }
    }
    std::sort(selected.begin(), selected.end(),
              [&](std::size_t a, std::size_t b) { return domains[a].name < domains[b].name; });
    return selected;
}

} // namespace virtnest
