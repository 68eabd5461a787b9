// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Hide secrets (graphics passwords, auth secrets, ...) before XML is shown to anyone.

#include <string>
#include <string_view>

namespace virtnest {

// Return `domain_xml` with every secret attribute value replaced by `***`, byte for byte
// otherwise (so a diff of two masked documents lines up with the real one).
std::string mask_secrets(std::string_view domain_xml);

// Two masked documents for a diff.
struct MaskedPair {
    std::string before;
    std::string after;
};

// Return both documents masked, where a secret of `after` that differs from the secret in
// the same place of `before` (the n-th secret of each, in document order) reads
// `***(changed)` instead of `***`, so that a changed password never looks unchanged.
MaskedPair mask_secrets_pair(std::string_view before, std::string_view after);

} // namespace virtnest
