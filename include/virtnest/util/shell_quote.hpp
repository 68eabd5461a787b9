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

// Return `program` followed by ` -c URI` (quoted) when `uri` is not empty, for remedies
// that must act on the connection the run was given: `virsh -c 'qemu+ssh://h/system'`.
std::string with_connection(std::string_view program, std::string_view uri);

} // namespace virtnest
