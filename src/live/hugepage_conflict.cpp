// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/live/hugepage_conflict.hpp"

#include "virtnest/util/error.hpp"
#include "virtnest/xml/xml_document.hpp"

namespace virtnest {

bool uses_hugepages(std::string_view domain_xml) {
    try {
        const pugi::xml_document doc = parse_xml(domain_xml, "domain XML");
        return static_cast<bool>(doc.child("domain").child("memoryBacking").child("hugepages"));
    } catch (const Error&) {
        return false;
    }
}

bool hugepages_blocked(std::string_view arch, bool uses_hugepages, bool host_nested) {
    return arch == "s390x" && uses_hugepages && host_nested;
}

} // namespace virtnest
