// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// IBM Z cannot back a guest with huge pages while KVM offers nesting (kvm nested=1 and
// hpage=1 exclude each other): such a domain does not start on a host with nesting on.
// Pure.

#include <string_view>

namespace virtnest {

// Return true when the domain XML asks for huge-page backing
// (<memoryBacking><hugepages/>). Unparsable XML counts as no.
bool uses_hugepages(std::string_view domain_xml);

// Return true when a domain of architecture `arch` ("s390x"; "" when the XML names none)
// that uses huge pages cannot start on a host whose kvm offers nesting (`host_nested`).
bool hugepages_blocked(std::string_view arch, bool uses_hugepages, bool host_nested);

// The note `list` and `check -c` show for such a domain.
inline constexpr std::string_view k_hugepage_note =
    "uses <hugepages/>: will not start while the host's kvm has nested=1 (IBM Z cannot "
    "combine them)";

} // namespace virtnest
