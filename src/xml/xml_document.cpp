#include "virtnest/xml/xml_document.hpp"

#include "virtnest/util/error.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

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
        if (text[pos] == '<') {
            std::size_t stop = pos + 1;
            for (const auto& [open, close] : k_skipped) {
                if (text.substr(pos).starts_with(open)) {
                    std::size_t end = text.find(close, pos + open.size());
                    stop = end == std::string_view::npos ? text.size() : end + close.size();
                    break;
                }
            }
            pos = stop;
            continue;
        }
        std::size_t semicolon = text.find(';', pos);
        std::string_view name = semicolon == std::string_view::npos
                                    ? text.substr(pos + 1, 0)
                                    : text.substr(pos + 1, semicolon - pos - 1);
        bool known = name == "amp" || name == "lt" || name == "gt" || name == "apos" ||
                     name == "quot" || (name.starts_with('#') && name.size() > 1);
        if (!known) {
            std::size_t shown = std::min<std::size_t>(name.size(), 32);
            throw Error("cannot parse " + std::string(source) + ": " +
                        where(text, static_cast<std::ptrdiff_t>(pos)) + ": unknown entity \"&" +
                        std::string(name.substr(0, shown)) +
                        ";\" (only &amp; &lt; &gt; &apos; "
                        "&quot; and character references are allowed)");
        }
        pos = semicolon + 1;
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
        if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
            throw Error("cannot parse " + std::string(source) + ": " +
                        where(text, start_of(child)) + ": text outside the root element");
        }
    }
    for (pugi::xml_node node = doc.first_child(); node;) {
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
            continue;
        }
        while (node && !node.next_sibling()) {
            node = node.parent();
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

void write_node(std::string& out, const pugi::xml_node& node, int depth, bool indent, Style style);

void write_children(std::string& out, const pugi::xml_node& node, int depth, bool indent,
                    Style style) {
    for (pugi::xml_node child : node.children()) {
        write_node(out, child, depth, indent, style);
    }
}

void write_element(std::string& out, const pugi::xml_node& node, int depth, bool indent,
                   Style style) {
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
        return;
    }
    bool only_text = true;
    bool any_text = false;
    for (pugi::xml_node child : node.children()) {
        only_text = only_text && is_text(child);
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
    if (only_text || any_text || !indent) {
        write_children(out, node, depth + 1, false, inner);
    } else {
        out += '\n';
        write_children(out, node, depth + 1, true, inner);
        out.append(static_cast<std::size_t>(depth) * 2, ' ');
    }
    out += "</";
    out += node.name();
    out += '>';
}

void write_node(std::string& out, const pugi::xml_node& node, int depth, bool indent, Style style) {
    if (indent) {
        out.append(static_cast<std::size_t>(depth) * 2, ' ');
    }
    switch (node.type()) {
    case pugi::node_element: write_element(out, node, depth, indent, style); break;
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
        write_children(out, node, 0, true, Style::libvirt);
    } else {
        write_node(out, node, 0, true, Style::libvirt);
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
