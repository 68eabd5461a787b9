// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Conflicts with writers that are not virt-nest (virsh, virt-manager, another tool): libvirt
// has no compare-and-swap define, so virt-nest counts the domain's DEFINED and UNDEFINED
// lifecycle events from just before its re-read until its own define's event has arrived.
// Any event besides its own define's is another client's write in the window. Pure.

#include "virtnest/libvirt/domain_types.hpp"

#include <optional>
#include <string>

namespace virtnest {

// What a read of the domain finds once the events are in.
enum class StoredNow {
    own,   // the definition virt-nest defined (and read back)
    other, // another definition
    none,  // no definition: the domain is undefined
};

// Return the conflict reason of a define, or nullopt when the events between `before` (taken
// before the re-read) and `after` (once virt-nest's own DEFINED event arrived) hold nothing
// but virt-nest's own define. Names what happened, which definition is stored now and the
// backup of the definition virt-nest replaced.
std::optional<std::string> outside_write_conflict(const DefinitionEvents& before,
                                                  const DefinitionEvents& after, StoredNow stored,
                                                  const std::string& backup);

} // namespace virtnest
