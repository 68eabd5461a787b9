// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Quote words for the command lines virt-nest prints as remedies, so a pasted line acts on
// the named object whatever characters its name holds.

#include <string>
#include <string_view>

namespace virtnest {

// Return `word` as one POSIX shell word: unchanged when it holds only safe characters
// (letters, digits and @%+=:,./_-), otherwise in single quotes with each ' as '\''.
std::string shell_quote(std::string_view word);

} // namespace virtnest
