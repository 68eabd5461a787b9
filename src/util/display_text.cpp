// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/util/display_text.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <string_view>

namespace virtnest {
namespace {

// One decoded character: its code point and length in bytes; length 0 for an invalid byte.
struct Decoded {
    char32_t code = 0;
    std::size_t length = 0;
};

Decoded decode(std::string_view text, std::size_t at) {
    const auto lead = static_cast<unsigned char>(text[at]);
    if (lead < 0x80) {
        return {lead, 1};
    }
    std::size_t length = lead >= 0xF0 && lead <= 0xF4 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
    if (length == 0 || lead > 0xF4 || at + length > text.size()) {
        return {};
    }
    char32_t code = lead & (0x7FU >> length);
    for (std::size_t i = 1; i < length; ++i) {
        const auto next = static_cast<unsigned char>(text[at + i]);
        if ((next & 0xC0U) != 0x80U) {
            return {};
        }
        code = (code << 6U) | (next & 0x3FU);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    static constexpr std::array<char32_t, 5> k_min{0, 0, 0x80, 0x800, 0x10000};
    if (code < k_min[length] || (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF) {
        return {};
    }
    return {code, length};
}

std::string hex_byte(unsigned value) {
    static constexpr std::string_view k_digits = "0123456789abcdef";
    return std::string("\\x") + k_digits[(value >> 4U) & 0xFU] + k_digits[value & 0xFU];
}

struct Range {
    char32_t first;
    char32_t last;
};

template <std::size_t N> bool in(const std::array<Range, N>& ranges, char32_t code) {
    return std::any_of(ranges.begin(), ranges.end(),
                       [code](const Range& r) { return code >= r.first && code <= r.last; });
}

constexpr std::array<Range, 15> k_zero_width{{{0x0300, 0x036F},
                                              {0x0483, 0x0489},
                                              {0x0591, 0x05BD},
                                              {0x0610, 0x061A},
                                              {0x064B, 0x065F},
                                              {0x1AB0, 0x1AFF},
                                              {0x1DC0, 0x1DFF},
                                              {0x200B, 0x200F},
                                              {0x202A, 0x202E},
                                              {0x2060, 0x2064},
                                              {0x20D0, 0x20FF},
                                              {0xFE00, 0xFE0F},
                                              {0xFE20, 0xFE2F},
                                              {0xFEFF, 0xFEFF},
                                              {0xE0100, 0xE01EF}}};

constexpr std::array<Range, 15> k_wide{{{0x1100, 0x115F},
                                        {0x231A, 0x231B},
                                        {0x2E80, 0x303E},
                                        {0x3041, 0x33FF},
                                        {0x3400, 0x4DBF},
                                        {0x4E00, 0x9FFF},
                                        {0xA000, 0xA4CF},
                                        {0xAC00, 0xD7A3},
                                        {0xF900, 0xFAFF},
                                        {0xFE30, 0xFE4F},
                                        {0xFF00, 0xFF60},
                                        {0xFFE0, 0xFFE6},
                                        {0x1F300, 0x1F64F},
                                        {0x1F900, 0x1F9FF},
                                        {0x20000, 0x3FFFD}}};

} // namespace

std::string escape_control(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t at = 0; at < text.size();) {
        const Decoded d = decode(text, at);
        if (d.length == 0) {
            out += hex_byte(static_cast<unsigned char>(text[at]));
            ++at;
            continue;
        }
        const char32_t c = d.code;
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c == 0x1B) {
            out += "\\e";
        } else if (c < 0x20 || c == 0x7F) {
            out += hex_byte(static_cast<unsigned>(c));
        } else if (c >= 0x80 && c <= 0x9F) {
            out += "\\u00" + hex_byte(static_cast<unsigned>(c)).substr(2);
        } else {
            out.append(text.substr(at, d.length));
        }
        at += d.length;
    }
    return out;
}

std::size_t display_width(std::string_view text) {
    std::size_t width = 0;
    for (std::size_t at = 0; at < text.size();) {
        const Decoded d = decode(text, at);
        if (d.length == 0) {
            ++width;
            ++at;
            continue;
        }
        if (in(k_wide, d.code)) {
            width += 2;
        } else if (!in(k_zero_width, d.code)) {
            ++width;
        }
        at += d.length;
    }
    return width;
}

} // namespace virtnest
