// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Parsing XML with errors that say where (line and column), and printing it back the way
// libvirt prints its own XML: 2-space indentation, single-quoted attributes, `<x/>` for
// empty elements, no declaration. Pure: strings in, strings or DOMs out.

#include <pugixml.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace virtnest {

// A 1-based position in a text.
struct TextPosition {
    std::size_t line = 1;
    std::size_t column = 1;
};

// Return the line and column of byte `offset` in `text` (columns count bytes).
TextPosition position_of(std::string_view text, std::size_t offset) noexcept;

// Parse `text`, keeping comments, processing instructions and the doctype. `source` names
// the document in errors, e.g. `file "vm.xml"` or `domain XML`. Throws Error such as
// `cannot parse file "vm.xml": line 3, column 7: start-end tags mismatch`.
pugi::xml_document parse_xml(std::string_view text, std::string_view source);

// Parse `text` as parse_xml does and require its root element to be <domain>. Throws
// Error such as `cannot use file "vm.xml": root element is <network>, expected <domain>`.
pugi::xml_document parse_domain_xml(std::string_view text, std::string_view source);

// Return `node` (a document or an element) printed as libvirt prints XML. Whitespace-only
// text between elements is replaced by the indentation; other text is kept as is.
std::string format_xml(const pugi::xml_node& node);

// Return `text` parsed and printed by format_xml, so that two documents which differ only in
// layout or quoting come out equal. Throws Error as parse_xml.
std::string canonical_xml(std::string_view text, std::string_view source);

// Return the text of the <name> of a <domain> document; empty when it has none.
std::string domain_name(const pugi::xml_document& doc);

} // namespace virtnest
