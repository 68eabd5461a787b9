// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Hide secrets (graphics passwords, auth secrets, ...) before XML is shown to anyone.

#include <string>
#include <string_view>

namespace virtnest {

// Return `domain_xml` with every secret attribute value replaced by `***`, byte for byte
// otherwise (so a diff of two masked documents lines up with the real one).
std::string mask_secrets(std::string_view domain_xml);

} // namespace virtnest
