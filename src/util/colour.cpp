// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/util/colour.hpp"

namespace virtnest {
namespace {

const char* escape(Colour colour) noexcept {
    switch (colour) {
    case Colour::green: return "\033[32m";
    case Colour::yellow: return "\033[33m";
    case Colour::red: return "\033[31m";
    case Colour::cyan: return "\033[36m";
    }
    return "";
}

} // namespace

std::optional<ColourWhen> parse_colour_when(std::string_view text) noexcept {
    if (text == "auto") {
        return ColourWhen::automatic;
    }
    if (text == "always") {
        return ColourWhen::always;
    }
    if (text == "never") {
        return ColourWhen::never;
    }
    return std::nullopt;
}

bool use_colour(ColourWhen when, const char* no_color, bool terminal) noexcept {
    switch (when) {
    case ColourWhen::always: return true;
    case ColourWhen::never: return false;
    case ColourWhen::automatic: break;
    }
    const bool no_color_set = no_color != nullptr && no_color[0] != '\0';
    return terminal && !no_color_set;
}

std::string paint(std::string_view text, Colour colour, bool on) {
    if (!on || text.empty()) {
        return std::string(text);
    }
    return escape(colour) + std::string(text) + "\033[0m";
}

std::string paint_diff(std::string_view diff, bool on) {
    if (!on) {
        return std::string(diff);
    }
    std::string out;
    out.reserve(diff.size() + diff.size() / 8);
    while (!diff.empty()) {
        const std::size_t end = diff.find('\n');
        const std::string_view line = diff.substr(0, end);
        const bool header = line.rfind("+++", 0) == 0 || line.rfind("---", 0) == 0;
        if (!header && line.rfind('+', 0) == 0) {
            out += paint(line, Colour::green, true);
        } else if (!header && line.rfind('-', 0) == 0) {
            out += paint(line, Colour::red, true);
        } else if (line.rfind("@@", 0) == 0) {
            out += paint(line, Colour::cyan, true);
        } else {
            out += line;
        }
        if (end == std::string_view::npos) {
            break;
        }
        out += '\n';
        diff.remove_prefix(end + 1);
    }
    return out;
}

} // namespace virtnest
