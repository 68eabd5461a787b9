// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/xml/xml_document.hpp"

#include "virtnest/util/error.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <optional>
#include <set>
#include <vector>

namespace virtnest {
namespace {

std::string lowercase_first(std::string text) {
    if (!text.empty()) {
        text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
    }
    return text;
}

std::string where(std::string_view text, std::ptrdiff_t offset) {
    std::size_t at = offset < 0 ? 0 : static_cast<std::size_t>(offset);
    TextPosition pos = position_of(text, at);
    return "line " + std::to_string(pos.line) + ", column " + std::to_string(pos.column);
}

// pugixml's offsets point past the markup that opens a node; report the markup's start.
std::ptrdiff_t start_of(const pugi::xml_node& node) {
    std::ptrdiff_t offset = node.offset_debug();
    switch (node.type()) {
    case pugi::node_element: return offset - 1;
    case pugi::node_comment: return offset - 4;
    default: return offset;
    }
}

// Check the reference starting with '&' at `pos`; return the offset after it. Errors never
// quote an attribute value's bytes (a password), and in text only a plain entity name.
std::size_t check_reference(std::string_view text, std::size_t pos, std::string_view source,
                            bool in_attribute) {
    std::size_t semicolon = text.find(';', pos);
    std::string_view name = semicolon == std::string_view::npos
                                ? text.substr(pos + 1, 0)
                                : text.substr(pos + 1, semicolon - pos - 1);
    bool known = name == "amp" || name == "lt" || name == "gt" || name == "apos" ||
                 name == "quot" || (name.starts_with('#') && name.size() > 1);
    if (known) {
        return semicolon + 1;
    }
    const bool plain_name =
        !name.empty() && name.size() <= 32 && std::all_of(name.begin(), name.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' ||
                   c == '.';
        });
    std::string what = in_attribute ? "an unknown entity reference in an attribute value"
                       : plain_name ? "unknown entity \"&" + std::string(name) + ";\""
                                    : "an unknown or unterminated entity reference";
    throw Error("cannot parse " + std::string(source) + ": " +
                where(text, static_cast<std::ptrdiff_t>(pos)) + ": " + what +
                " (only &amp; &lt; &gt; &apos; &quot; and character references are allowed)");
}

// pugixml keeps an unknown entity reference such as `&foo;` as literal text, which would
// then be printed as `&amp;foo;`; libxml2 refuses it. Scan the raw text (outside comments,
// CDATA, processing instructions and the doctype) for references XML does not predefine.
void check_entities(std::string_view text, std::string_view source) {
    constexpr std::array<std::pair<std::string_view, std::string_view>, 4> k_skipped{
        {{"<!--", "-->"}, {"<![CDATA[", "]]>"}, {"<?", "?>"}, {"<!DOCTYPE", ">"}}};
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t next = text.find_first_of("<&", pos);
        if (next == std::string_view::npos) {
            return;
        }
        pos = next;
        if (text[pos] == '&') {
            pos = check_reference(text, pos, source, false);
            continue;
        }
        bool skipped = false;
        for (const auto& [open, close] : k_skipped) {
            if (text.substr(pos).starts_with(open)) {
                std::size_t end = text.find(close, pos + open.size());
                pos = end == std::string_view::npos ? text.size() : end + close.size();
                skipped = true;
                break;
            }
        }
        if (skipped) {
            continue;
        }
        // A tag: up to its '>' outside quotes, checking references in attribute values.
        char quote = 0;
        for (++pos; pos < text.size(); ++pos) {
            const char c = text[pos];
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else if (c == '&') {
                    pos = check_reference(text, pos, source, true) - 1;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '>') {
                break;
            }
        }
        ++pos;
    }
}

// libxml2 (and so libvirt) refuses elements nested deeper than this.
constexpr int k_max_depth = 256;

// Return the offset of the first byte that is not part of well-formed UTF-8 (no overlong
// forms, surrogates or code points past U+10FFFF); nullopt when all of it is.
std::optional<std::size_t> first_invalid_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto byte = [&](std::size_t at) { return static_cast<unsigned char>(text[at]); };
        const unsigned char lead = byte(i);
        std::size_t length = 0;
        unsigned char low = 0x80;
        unsigned char high = 0xBF;
        if (lead < 0x80) {
            ++i;
            continue;
        }
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            low = lead == 0xE0 ? 0xA0 : 0x80;
            high = lead == 0xED ? 0x9F : 0xBF;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            low = lead == 0xF0 ? 0x90 : 0x80;
            high = lead == 0xF4 ? 0x8F : 0xBF;
        } else {
            return i;
        }
        if (i + length > text.size() || byte(i + 1) < low || byte(i + 1) > high) {
            return i;
        }
        for (std::size_t k = 2; k < length; ++k) {
            if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) {
                return i;
            }
        }
        i += length;
    }
    return std::nullopt;
}

// Refuse bytes libvirt refuses: input that is not UTF-8, and a declared encoding other than
// UTF-8 (virt-nest prints UTF-8 and would drop the declaration).
void check_encoding(std::string_view text, std::string_view source) {
    if (auto bad = first_invalid_utf8(text)) {
        std::array<char, 8> hex{};
        std::snprintf(hex.data(), hex.size(), "0x%02X", static_cast<unsigned char>(text[*bad]));
        throw Error("cannot parse " + std::string(source) + ": " +
                    where(text, static_cast<std::ptrdiff_t>(*bad)) + ": byte " + hex.data() +
                    " is not UTF-8");
    }
    std::string_view head = text.substr(text.starts_with("\xEF\xBB\xBF") ? 3 : 0);
    // A declaration is "<?xml" and white space; "<?xml-stylesheet" is a processing
    // instruction whose "encoding" means nothing.
    if (!head.starts_with("<?xml") || head.size() < 6 ||
        std::string_view(" \t\r\n").find(head[5]) == std::string_view::npos) {
        return;
    }
    std::string_view decl = head.substr(0, head.find("?>"));
    std::size_t at = decl.find("encoding");
    if (at == std::string_view::npos) {
        return;
    }
    std::size_t open = decl.find_first_of("'\"", at);
    std::size_t close = open == std::string_view::npos ? open : decl.find(decl[open], open + 1);
    if (close == std::string_view::npos) {
        return; // malformed: pugixml reports it
    }
    std::string name(decl.substr(open + 1, close - open - 1));
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower != "utf-8" && lower != "utf8") {
        const auto offset = static_cast<std::ptrdiff_t>(text.size() - head.size() + at);
        throw Error("cannot parse " + std::string(source) + ": " + where(text, offset) +
                    ": encoding \"" + name.substr(0, 32) +
                    "\" is not supported; convert the document to UTF-8");
    }
}

// Text before or after the root element is not XML, and libvirt refuses it; pugixml drops
// it without a word unless it parses a fragment, so a second, minimal parse looks for it.
void check_document_level_text(std::string_view text, std::string_view source) {
    pugi::xml_document fragment;
    if (!fragment.load_buffer(text.data(), text.size(), pugi::parse_fragment | pugi::parse_cdata,
                              pugi::encoding_utf8)) {
        return; // the full parse has reported what is wrong
    }
    for (pugi::xml_node child : fragment.children()) {
        if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
            // Point at the first character that is not white space (the value is raw: no
            // end-of-line or escape processing in this parse).
            std::string_view value = child.value();
            std::size_t skip = child.type() == pugi::node_pcdata
                                   ? std::min(value.find_first_not_of(" \t\r\n"), value.size())
                                   : 0;
            throw Error("cannot parse " + std::string(source) + ": " +
                        where(text, start_of(child) + static_cast<std::ptrdiff_t>(skip)) +
                        ": text outside the root element");
        }
    }
}

// pugixml is lenient where libvirt's libxml2 is not; refuse what libvirt would refuse so
// that an error surfaces here, with a position, rather than later at define time.
void check_strictness(const pugi::xml_document& doc, std::string_view text,
                      std::string_view source) {
    int roots = 0;
    for (pugi::xml_node child : doc.children()) {
        if (child.type() == pugi::node_element && ++roots > 1) {
            throw Error("cannot parse " + std::string(source) + ": " +
                        where(text, start_of(child)) + ": more than one root element");
        }
    }
    check_document_level_text(text, source);
    int depth = 1;
    for (pugi::xml_node node = doc.first_child(); node;) {
        if (node.type() == pugi::node_element && depth > k_max_depth) {
            throw Error("cannot parse " + std::string(source) + ": " + where(text, start_of(node)) +
                        ": elements nested deeper than " + std::to_string(k_max_depth) + " levels");
        }
        if (node.type() == pugi::node_comment) {
            std::string_view body = node.value();
            if (body.find("--") != std::string_view::npos || body.ends_with("-")) {
                throw Error("cannot parse " + std::string(source) + ": " +
                            where(text, start_of(node)) +
                            ": \"--\" is not allowed inside a comment");
            }
        }
        std::set<std::string_view> names;
        for (pugi::xml_attribute attr : node.attributes()) {
            if (!names.insert(attr.name()).second) {
                throw Error("cannot parse " + std::string(source) + ": " +
                            where(text, start_of(node)) + ": element <" + node.name() +
                            "> has attribute \"" + attr.name() + "\" twice");
            }
        }
        // Depth-first walk without recursion, so deep documents cannot exhaust the stack.
        if (pugi::xml_node child = node.first_child(); child) {
            node = child;
            ++depth;
            continue;
        }
        while (node && !node.next_sibling()) {
            node = node.parent();
            --depth;
        }
        if (!node) {
            break;
        }
        node = node.next_sibling();
    }
}

// libvirt formats its own elements with virBuffer (single quotes, quotes escaped in text
// too) but copies <metadata> children out through libxml2, which prints double quotes and
// leaves quotes in text alone. Printing both the same way keeps diffs against libvirt clean.
enum class Style { libvirt, libxml2 };

void escape_into(std::string& out, std::string_view text, bool attribute,
                 Style style = Style::libvirt) {
    bool libvirt = style == Style::libvirt;
    for (char c : text) {
        switch (c) {
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '&': out += "&amp;"; break;
        case '\'': out += libvirt ? "&apos;" : "'"; break;
        case '"': out += (libvirt || attribute) ? "&quot;" : "\""; break;
        case '\n': out += attribute ? "&#10;" : "\n"; break;
        case '\r': out += "&#13;"; break;
        case '\t': out += attribute ? "&#9;" : "\t"; break;
        default: out += c; break;
        }
    }
}

bool is_text(const pugi::xml_node& node) {
    return node.type() == pugi::node_pcdata || node.type() == pugi::node_cdata;
}

// An element whose children are being written.
struct OpenElement {
    pugi::xml_node element; // null for the top of write_children: no closing tag
    pugi::xml_node next;    // the next child to write
    int depth = 0;          // the element's own depth
    bool indent = false;    // the element itself is on a line of its own
    bool child_indent = false;
    Style child_style = Style::libvirt;
};

// Write `node`'s opening (all of it when it has no children); push it when children follow.
void open_node(std::string& out, std::vector<OpenElement>& stack, const pugi::xml_node& node,
               int depth, bool indent, Style style) {
    if (indent) {
        out.append(static_cast<std::size_t>(depth) * 2, ' ');
    }
    switch (node.type()) {
    case pugi::node_element: {
        out += '<';
        out += node.name();
        char quote = style == Style::libvirt ? '\'' : '"';
        for (pugi::xml_attribute attr : node.attributes()) {
            out += ' ';
            out += attr.name();
            out += '=';
            out += quote;
            escape_into(out, attr.value(), true, style);
            out += quote;
        }
        if (!node.first_child()) {
            out += "/>";
            break;
        }
        bool any_text = false;
        for (pugi::xml_node child : node.children()) {
            any_text = any_text || is_text(child);
        }
        out += '>';
        Style inner = style;
        if (std::string_view(node.name()) == "metadata" && node.parent() &&
            std::string_view(node.parent().name()) == "domain") {
            inner = Style::libxml2;
        }
        // Text inside an element that also has child elements is kept as it stands, so the
        // layout is not changed there (indenting would change the text).
        const bool child_indent = indent && !any_text;
        if (child_indent) {
            out += '\n';
        }
        stack.push_back({node, node.first_child(), depth, indent, child_indent, inner});
        return; // the closing tag and its newline come after the children
    }
    case pugi::node_pcdata: escape_into(out, node.value(), false, style); break;
    case pugi::node_cdata:
        out += "<![CDATA[";
        out += node.value();
        out += "]]>";
        break;
    case pugi::node_comment:
        out += "<!--";
        out += node.value();
        out += "-->";
        break;
    case pugi::node_pi:
        out += "<?";
        out += node.name();
        if (*node.value() != '\0') {
            out += ' ';
            out += node.value();
        }
        out += "?>";
        break;
    case pugi::node_doctype:
        out += "<!DOCTYPE ";
        out += node.value();
        out += '>';
        break;
    default: break;
    }
    if (indent) {
        out += '\n';
    }
}

// Write `node` (or only its children) with an explicit stack: no recursion, so the depth
// of a document cannot exhaust the call stack.
void write_tree(std::string& out, const pugi::xml_node& node, bool children_only) {
    std::vector<OpenElement> stack;
    if (children_only) {
        stack.push_back({pugi::xml_node(), node.first_child(), -1, false, true, Style::libvirt});
    } else {
        open_node(out, stack, node, 0, true, Style::libvirt);
    }
    while (!stack.empty()) {
        OpenElement& top = stack.back();
        if (top.next) {
            pugi::xml_node child = top.next;
            top.next = child.next_sibling();
            const int depth = top.depth + 1;
            const bool indent = top.child_indent;
            const Style style = top.child_style;
            open_node(out, stack, child, depth, indent, style);
            continue;
        }
        const OpenElement done = top;
        stack.pop_back();
        if (!done.element) {
            continue;
        }
        if (done.child_indent) {
            out.append(static_cast<std::size_t>(done.depth) * 2, ' ');
        }
        out += "</";
        out += done.element.name();
        out += '>';
        if (done.indent) {
            out += '\n';
        }
    }
}

} // namespace

TextPosition position_of(std::string_view text, std::size_t offset) noexcept {
    TextPosition pos;
    std::size_t end = offset < text.size() ? offset : text.size();
    for (std::size_t i = 0; i < end; ++i) {
        if (text[i] == '\n') {
            ++pos.line;
            pos.column = 1;
        } else {
            ++pos.column;
        }
    }
    return pos;
}

pugi::xml_document parse_xml(std::string_view text, std::string_view source) {
    check_encoding(text, source);
    pugi::xml_document doc;
    constexpr unsigned k_options = pugi::parse_default | pugi::parse_comments | pugi::parse_pi |
                                   pugi::parse_doctype | pugi::parse_ws_pcdata_single;
    pugi::xml_parse_result result =
        doc.load_buffer(text.data(), text.size(), k_options, pugi::encoding_utf8);
    if (!result) {
        throw Error("cannot parse " + std::string(source) + ": " + where(text, result.offset) +
                    ": " + lowercase_first(result.description()));
    }
    check_strictness(doc, text, source);
    check_entities(text, source);
    return doc;
}

pugi::xml_document parse_domain_xml(std::string_view text, std::string_view source) {
    pugi::xml_document doc = parse_xml(text, source);
    std::string_view root = doc.document_element().name();
    if (root != "domain") {
        throw Error("cannot use " + std::string(source) + ": root element is <" +
                    std::string(root) + ">, expected <domain>");
    }
    return doc;
}

std::string format_xml(const pugi::xml_node& node) {
    std::string out;
    if (node.type() == pugi::node_document) {
        write_tree(out, node, true);
    } else {
        write_tree(out, node, false);
    }
    return out;
}

std::string canonical_xml(std::string_view text, std::string_view source) {
    return format_xml(parse_xml(text, source));
}

std::string domain_name(const pugi::xml_document& doc) {
    return doc.child("domain").child("name").text().as_string();
}

} // namespace virtnest
