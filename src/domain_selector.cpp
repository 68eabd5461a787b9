#include "virtnest/domain_selector.hpp"

#include "virtnest/error.hpp"

#include <algorithm>
#include <fnmatch.h>
#include <numeric>

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

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    std::iota(row.begin(), row.end(), std::size_t{0});
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t above = row[j];
            std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::optional<std::string> closest_name(std::string_view name,
                                        const std::vector<std::string>& candidates) {
    const std::size_t limit = std::clamp<std::size_t>(name.size() / 3, 1, 3);
    std::optional<std::string> best;
    std::size_t best_distance = limit + 1;
    for (const std::string& candidate : candidates) {
        std::size_t distance = edit_distance(name, candidate);
        // Ties go to the alphabetically first name, so the hint does not depend on listing order.
        if (distance < best_distance || (distance == best_distance && best && candidate < *best)) {
            best_distance = distance;
            best = candidate;
        }
    }
    return best;
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
        bool matched = false;
        for (std::size_t i = 0; i < domains.size(); ++i) {
            const std::string& name = domains[i].name;
            bool hit = is_glob(pattern) ? ::fnmatch(pattern.c_str(), name.c_str(), 0) == 0
                                        : pattern == name;
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
        std::vector<std::string> names;
        names.reserve(domains.size());
        for (const DomainBrief& domain : domains) {
            names.push_back(domain.name);
        }
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
    std::sort(selected.begin(), selected.end(), [&](std::size_t a, std::size_t b) {
        return domains[a].name < domains[b].name;
    });
    return selected;
}

} // namespace virtnest
