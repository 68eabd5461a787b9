// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/util/shell_quote.hpp"

#include <algorithm>

namespace virtnest {

std::string shell_quote(std::string_view word) {
    const bool safe = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               std::string_view("@%+=:,./_-").find(c) != std::string_view::npos;
    });
    if (safe) {
        return std::string(word);
    }
    std::string quoted = "'";
    for (char c : word) {
        if (c == '\'') {
            quoted += "'\\''";
        } else {
            quoted += c;
        }
    }
    quoted += "'";
    return quoted;
}

std::string with_connection(std::string_view program, std::string_view uri) {
    std::string out(program);
    if (!uri.empty()) {
        out += " -c " + shell_quote(uri);
    }
    return out;
}

} // namespace virtnest
