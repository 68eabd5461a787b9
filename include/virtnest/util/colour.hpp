// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Terminal colour: when to use it (--color auto|always|never, NO_COLOR) and how to paint
// text with it. Pure: the caller passes the environment and whether stdout is a terminal.

#include <optional>
#include <string>
#include <string_view>

namespace virtnest {

// When to colour, as --color spells it.
enum class ColourWhen { automatic, always, never };

// Return the ColourWhen of "auto", "always" or "never"; nullopt for anything else.
std::optional<ColourWhen> parse_colour_when(std::string_view text) noexcept;

// Return whether to colour: `always` and `never` decide alone; `automatic` colours a terminal
// unless NO_COLOR (`no_color`, null when unset) is set to a non-empty value (no-color.org).
bool use_colour(ColourWhen when, const char* no_color, bool terminal) noexcept;

// The colours virt-nest uses.
enum class Colour { green, yellow, red, cyan };

// Return `text` wrapped in the colour's ANSI escape and a reset when `colour` is true; `text`
// as is otherwise.
std::string paint(std::string_view text, Colour colour, bool on);

// Return a unified diff with its added lines green, removed lines red and hunk headers cyan
// when `on`; the diff as is otherwise.
std::string paint_diff(std::string_view diff, bool on);

} // namespace virtnest
