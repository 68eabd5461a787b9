// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/xml/xml_diff.hpp"

#include "virtnest/util/text.hpp"

#include <dtl/dtl.hpp>

#include <algorithm>
#include <vector>

namespace virtnest {
namespace {

struct Lines {
    std::vector<std::string> lines;
    bool final_newline = true;
};

Lines lines_of(std::string_view text) {
    return {split_lines(text), text.empty() || text.back() == '\n'};
}

// One line of the edit script with its 0-based positions in both texts.
struct Edit {
    char mark; // ' ', '-' or '+'
    const std::string* line;
    std::size_t before; // lines of `before` consumed ahead of this one
    std::size_t after;
    bool last_before; // the line is the last of `before` (for "\ No newline")
    bool last_after;
};

std::string range(std::size_t first, std::size_t count) {
    // GNU diff: a one-line range omits the count, an empty one names the line before it.
    if (count == 1) {
        return std::to_string(first + 1);
    }
    return std::to_string(count == 0 ? first : first + 1) + "," + std::to_string(count);
}

// Return the edit script of `a` into `b`, one Edit per line of either text.
std::vector<Edit> edit_script(const Lines& a, const Lines& b) {
    dtl::Diff<std::string, std::vector<std::string>> diff(a.lines, b.lines);
    diff.compose();
    std::vector<Edit> edits;
    std::size_t i = 0;
    std::size_t j = 0;
    for (const auto& [line, info] : diff.getSes().getSequence()) {
        Edit edit{' ', nullptr, i, j, false, false};
        if (info.type == dtl::SES_DELETE) {
            edit.mark = '-';
            edit.line = &a.lines[i];
            edit.last_before = ++i == a.lines.size();
        } else if (info.type == dtl::SES_ADD) {
            edit.mark = '+';
            edit.line = &b.lines[j];
            edit.last_after = ++j == b.lines.size();
        } else {
            edit.line = &a.lines[i];
            edit.last_before = ++i == a.lines.size();
            edit.last_after = ++j == b.lines.size();
        }
        edits.push_back(edit);
    }
    // Texts that differ only in the final newline still need a hunk for their last line.
    if (a.final_newline != b.final_newline && !edits.empty() && edits.back().mark == ' ') {
        Edit last = edits.back();
        edits.pop_back();
        edits.push_back({'-', last.line, last.before, last.after, true, false});
        edits.push_back({'+', last.line, last.before + 1, last.after, false, true});
    }
    return edits;
}

// dtl may interleave additions and deletions within one change; diff(1) prints the
// deletions first, which also reads best. Positions are recounted afterwards.
void deletions_first(std::vector<Edit>& edits) {
    for (auto run = edits.begin(); run != edits.end();) {
        auto stop = std::find_if(run, edits.end(), [](const Edit& e) { return e.mark == ' '; });
        std::stable_partition(run, stop, [](const Edit& e) { return e.mark == '-'; });
        run = stop == edits.end() ? stop : stop + 1;
    }
    std::size_t seen_a = 0;
    std::size_t seen_b = 0;
    for (Edit& e : edits) {
        e.before = seen_a;
        e.after = seen_b;
        seen_a += e.mark != '+' ? std::size_t{1} : std::size_t{0};
        seen_b += e.mark != '-' ? std::size_t{1} : std::size_t{0};
    }
}

// Return the end (exclusive) of the hunk whose first change is at `first_change`: it grows
// while the next change is within 2*context unchanged lines, then takes `context` more.
std::size_t hunk_end(const std::vector<Edit>& edits, std::size_t first_change, std::size_t ctx) {
    std::size_t end = first_change;
    std::size_t common_run = 0;
    for (std::size_t n = first_change; n < edits.size(); ++n) {
        if (edits[n].mark != ' ') {
            end = n + 1;
            common_run = 0;
        } else if (++common_run > 2 * ctx) {
            break;
        }
    }
    return std::min(edits.size(), end + ctx);
}

// Append the hunk edits[start, end) with its "@@" header to `out`.
void append_hunk(std::string& out, const std::vector<Edit>& edits, std::size_t start,
                 std::size_t end, const Lines& a, const Lines& b) {
    std::size_t count_a = 0;
    std::size_t count_b = 0;
    for (std::size_t n = start; n < end; ++n) {
        count_a += edits[n].mark != '+' ? std::size_t{1} : std::size_t{0};
        count_b += edits[n].mark != '-' ? std::size_t{1} : std::size_t{0};
    }
    out += "@@ -" + range(edits[start].before, count_a) + " +" +
           range(edits[start].after, count_b) + " @@\n";
    for (std::size_t n = start; n < end; ++n) {
        const Edit& e = edits[n];
        out += e.mark;
        out += *e.line;
        out += '\n';
        bool no_newline = (e.mark != '+' && e.last_before && !a.final_newline) ||
                          (e.mark != '-' && e.last_after && !b.final_newline);
        if (no_newline) {
            out += "\\ No newline at end of file\n";
        }
    }
}

} // namespace

std::string unified_diff(std::string_view before, std::string_view after,
                         std::string_view before_label, std::string_view after_label, int context) {
    if (before == after) {
        return {};
    }
    Lines a = lines_of(before);
    Lines b = lines_of(after);
    std::vector<Edit> edits = edit_script(a, b);
    deletions_first(edits);

    std::string out =
        "--- " + std::string(before_label) + "\n+++ " + std::string(after_label) + "\n";
    std::size_t ctx = static_cast<std::size_t>(std::max(context, 0));
    std::size_t k = 0;
    while (k < edits.size()) {
        auto change = std::find_if(edits.begin() + static_cast<std::ptrdiff_t>(k), edits.end(),
                                   [](const Edit& e) { return e.mark != ' '; });
        if (change == edits.end()) {
            break;
        }
        std::size_t first_change = static_cast<std::size_t>(change - edits.begin());
        std::size_t start = first_change > k + ctx ? first_change - ctx : k;
        std::size_t end = hunk_end(edits, first_change, ctx);
        append_hunk(out, edits, start, end, a, b);
        k = end;
    }
    return out;
}

} // namespace virtnest
