// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/live/define_conflict.hpp"

#include <vector>

namespace virtnest {
namespace {

std::string events(int count, const char* kind) {
    return std::to_string(count) + " " + kind + (count == 1 ? " event" : " events");
}

// "a", "a and b", "a, b and c".
std::string joined(const std::vector<std::string>& parts) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) {
            out += i + 1 == parts.size() ? " and " : ", ";
        }
        out += parts[i];
    }
    return out;
}

std::string stored_phrase(StoredNow stored) {
    switch (stored) {
    case StoredNow::own:
        return "virt-nest's definition is the one stored now, so what the other client wrote "
               "is lost";
    case StoredNow::other:
        return "a definition that is not virt-nest's is stored now (the other client wrote "
               "after virt-nest)";
    case StoredNow::none: return "the domain is not defined now";
    }
    return {};
}

} // namespace

std::optional<std::string> outside_write_conflict(const DefinitionEvents& before,
                                                  const DefinitionEvents& after, StoredNow stored,
                                                  const std::string& backup) {
    // One DEFINED event is virt-nest's own define.
    const int defined = after.defined - before.defined - 1;
    const int undefined = after.undefined - before.undefined;
    const int metadata = after.metadata - before.metadata;
    std::vector<std::string> whats;
    std::vector<std::string> counted;
    if (undefined > 0) {
        whats.emplace_back("undefined");
        counted.push_back(events(undefined, "UNDEFINED"));
    }
    if (defined > 0) {
        whats.emplace_back("defined");
        counted.push_back(events(defined, "DEFINED"));
    }
    if (metadata > 0) {
        whats.emplace_back("changed the title, description or metadata of");
        counted.push_back(events(metadata, "METADATA_CHANGE"));
    }
    if (whats.empty()) {
        return std::nullopt;
    }
    const std::string what = joined(whats);
    const std::string stored_now = defined <= 0 && undefined > 0 && stored == StoredNow::own
                                       ? "virt-nest's define created the domain again, so the "
                                         "undefine is undone"
                                       : stored_phrase(stored);
    return "conflict: another client " + what + " the domain while virt-nest redefined it (" +
           joined(counted) + " besides virt-nest's own define); " + stored_now +
           "; the definition virt-nest read and replaced is in the backup: " + backup;
}

} // namespace virtnest
