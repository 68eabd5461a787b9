// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// What `revert` puts back by default: only the parts of a domain definition that enable and
// disable change (the <cpu> element and the Hyper-V enlightenments that serve nesting),
// taken from a backup and set onto the current definition, so that edits made since the
// backup (memory, devices, passwords) survive. Pure.

#include <string>
#include <string_view>
#include <vector>

namespace virtnest {

// The current definition with the nesting parts of the backup, and what was put back.
struct NestRestore {
    std::string xml;                  // the definition to define; equal to the current
                                      // one (byte for byte) when nothing differs
    std::vector<std::string> changes; // one line per part put back, e.g. "restored <cpu ...>"
};

// Return `current_xml` with its <cpu> replaced by the one of `backup_xml` (removed when the
// backup has none) and its <features><hyperv> children <evmcs> and <vapic> set as in the
// backup; everything else as `current_xml` has it. Throws Error when either document is not
// a domain definition, or when they are not the same domain (UUID).
NestRestore restore_nest_parts(std::string_view current_xml, std::string_view backup_xml);

} // namespace virtnest
