// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/util/error.hpp"
#include "virtnest/xml/xml_document.hpp"

#include <catch2/catch.hpp>

using namespace virtnest;

TEST_CASE("xml_document: positions count lines and columns from 1", "[xml_document]") {
    SECTION("start of text") {
        TextPosition pos = position_of("abc", 0);
        REQUIRE(pos.line == 1);
        REQUIRE(pos.column == 1);
    }
    SECTION("after newlines") {
        TextPosition pos = position_of("ab\ncd\nef", 7);
        REQUIRE(pos.line == 3);
        REQUIRE(pos.column == 2);
    }
    SECTION("offset past the end stops at the end") {
        TextPosition pos = position_of("a\n", 99);
        REQUIRE(pos.line == 2);
        REQUIRE(pos.column == 1);
    }
}

TEST_CASE("xml_document: parse errors name the source, line and column", "[xml_document]") {
    SECTION("mismatched tags") {
        REQUIRE_THROWS_WITH(
            parse_xml("<a>\n  <b></c>\n</a>", "file \"x.xml\""),
            "cannot parse file \"x.xml\": line 2, column 8: start-end tags mismatch");
    }
    SECTION("empty input") {
        REQUIRE_THROWS_WITH(
            parse_xml("", "standard input"),
            "cannot parse standard input: line 1, column 1: no document element found");
    }
    SECTION("two root elements") {
        REQUIRE_THROWS_WITH(
            parse_xml("<a/>\n<b/>", "domain XML"),
            "cannot parse domain XML: line 2, column 1: more than one root element");
    }
    SECTION("text before, between or after the top-level nodes") {
        REQUIRE_THROWS_WITH(parse_xml("1?<domain/>", "domain XML"),
                            "cannot parse domain XML: line 1, column 1: text outside the root "
                            "element");
        REQUIRE_THROWS_WITH(parse_xml("<?pi x?>\njunk<a/>", "domain XML"),
                            "cannot parse domain XML: line 2, column 1: text outside the root "
                            "element");
        REQUIRE_THROWS_WITH(parse_xml("<a/>\n<!-- c -->tail>", "domain XML"),
                            "cannot parse domain XML: line 2, column 11: text outside the root "
                            "element");
        REQUIRE_NOTHROW(parse_xml("\n <?pi x?>\n<!-- c -->\n<a>t</a>\n<!-- d -->\n", "x"));
    }
    SECTION("a processing instruction named xml-something is no declaration") {
        REQUIRE_NOTHROW(parse_xml("<?xml-stylesheet encoding='latin1'?><a/>", "x"));
        REQUIRE_THROWS_WITH(parse_xml("<?xml version='1.0' encoding='latin1'?><a/>", "x"),
                            "cannot parse x: line 1, column 21: encoding \"latin1\" is not "
                            "supported; convert the document to UTF-8");
    }
    SECTION("duplicate attribute") {
        REQUIRE_THROWS_WITH(parse_xml("<a>\n <cpu mode='x' mode='y'/></a>", "domain XML"),
                            "cannot parse domain XML: line 2, column 2: element <cpu> has "
                            "attribute \"mode\" twice");
    }
    SECTION("double hyphen in a comment") {
        REQUIRE_THROWS_WITH(parse_xml("<a><!-- a -- b --></a>", "domain XML"),
                            "cannot parse domain XML: line 1, column 4: \"--\" is not allowed "
                            "inside a comment");
    }
    SECTION("unknown entity references") {
        REQUIRE_THROWS_WITH(parse_xml("<a>\n<b>x&foo;y</b></a>", "domain XML"),
                            "cannot parse domain XML: line 2, column 5: unknown entity \"&foo;\" "
                            "(only &amp; &lt; &gt; &apos; &quot; and character references are "
                            "allowed)");
        REQUIRE_NOTHROW(
            parse_xml("<a b='&amp;&#38;&#x26;'><!-- &x; --><![CDATA[&y;]]>&lt;</a>", "domain XML"));
    }
    SECTION("a root that is not <domain>") {
        REQUIRE_THROWS_WITH(
            parse_domain_xml("<network/>", "file \"n.xml\""),
            "cannot use file \"n.xml\": root element is <network>, expected <domain>");
    }
}

TEST_CASE("xml_document: prints like libvirt", "[xml_document]") {
    SECTION("two-space indent, single quotes, empty elements closed with />") {
        std::string in =
            "<domain type=\"kvm\"><name>a</name><features><acpi /></features></domain>";
        REQUIRE(canonical_xml(in, "t") == "<domain type='kvm'>\n"
                                          "  <name>a</name>\n"
                                          "  <features>\n"
                                          "    <acpi/>\n"
                                          "  </features>\n"
                                          "</domain>\n");
    }
    SECTION("escapes as libvirt's virBufferEscapeString does") {
        std::string in = "<d a=\"x&apos;y&quot;z&lt;\"><t>a&amp;b&lt;c&gt;'\"</t></d>";
        REQUIRE(canonical_xml(in, "t") ==
                "<d a='x&apos;y&quot;z&lt;'>\n  <t>a&amp;b&lt;c&gt;&apos;&quot;</t>\n</d>\n");
    }
    SECTION("<metadata> children print as libxml2 prints them, as libvirt copies them") {
        std::string in = "<domain><metadata><app:x xmlns:app='urn:a' v='1&quot;'>it's</app:x>"
                         "</metadata><name>it's</name></domain>";
        REQUIRE(canonical_xml(in, "t") ==
                "<domain>\n  <metadata>\n"
                "    <app:x xmlns:app=\"urn:a\" v=\"1&quot;\">it's</app:x>\n"
                "  </metadata>\n  <name>it&apos;s</name>\n</domain>\n");
    }
    SECTION("comments, processing instructions and CDATA are kept") {
        std::string in = "<?args --x?><d><!-- note --><t><![CDATA[<raw>]]></t></d>";
        REQUIRE(canonical_xml(in, "t") ==
                "<?args --x?>\n<d>\n  <!-- note -->\n  <t><![CDATA[<raw>]]></t>\n</d>\n");
    }
    SECTION("mixed content is kept as it stands") {
        std::string in = "<d><p>one <b>two</b> three</p></d>";
        REQUIRE(canonical_xml(in, "t") == "<d>\n  <p>one <b>two</b> three</p>\n</d>\n");
    }
    SECTION("whitespace-only text as the sole child is kept") {
        REQUIRE(canonical_xml("<d><t>  </t></d>", "t") == "<d>\n  <t>  </t>\n</d>\n");
    }
    SECTION("printing is a fixed point") {
        std::string once = canonical_xml("<d x='1'>\n\t<e/>\n<f>t</f></d>", "t");
        REQUIRE(canonical_xml(once, "t") == once);
    }
}

TEST_CASE("xml_document: domain_name reads <name>", "[xml_document]") {
    REQUIRE(domain_name(parse_domain_xml("<domain><name>web-1</name></domain>", "t")) == "web-1");
    REQUIRE(domain_name(parse_domain_xml("<domain/>", "t")).empty());
}

TEST_CASE("xml_document: item 14: nesting deeper than 256 is refused, printing is iterative",
          "[xml]") {
    auto nested = [](int depth) {
        std::string text;
        for (int i = 0; i < depth; ++i) {
            text += "<a>";
        }
        for (int i = 0; i < depth; ++i) {
            text += "</a>";
        }
        return text;
    };
    REQUIRE_NOTHROW(parse_xml(nested(256), "domain XML"));
    REQUIRE_THROWS_WITH(parse_xml("<x>\n" + nested(256) + "</x>", "file \"deep.xml\""),
                        "cannot parse file \"deep.xml\": line 2, column 766: elements nested "
                        "deeper than 256 levels");
    REQUIRE_THROWS_WITH(parse_xml(nested(25000), "domain XML"),
                        Catch::Contains("elements nested deeper than 256 levels"));
    // The printer itself holds no recursion: a tree far deeper than any stack would allow
    // prints (text in the root turns indentation off, so the output stays linear).
    pugi::xml_document doc;
    pugi::xml_node root = doc.append_child("r");
    root.append_child(pugi::node_pcdata).set_value("t");
    pugi::xml_node node = root;
    for (int i = 0; i < 300000; ++i) {
        node = node.append_child("a");
    }
    std::string printed = virtnest::format_xml(doc);
    REQUIRE(printed.size() == 3 + 1 + 299999 * 7 + 4 + 4 + 1); // <r>t<a>...<a/>...</a></r>
    REQUIRE(virtnest::format_xml(parse_xml("<a><b>t</b><c/></a>", "x")) ==
            "<a>\n  <b>t</b>\n  <c/>\n</a>\n");
}

TEST_CASE("xml_document: item 15: non-UTF-8 input and other encodings are refused", "[xml]") {
    REQUIRE_THROWS_WITH(parse_xml("<a>\n  <name>caf\xe9</name></a>", "file \"l1.xml\""),
                        "cannot parse file \"l1.xml\": line 2, column 12: byte 0xE9 is not UTF-8");
    REQUIRE_THROWS_WITH(parse_xml("<a b='\xc0\xaf'/>", "domain XML"),
                        Catch::Contains("byte 0xC0 is not UTF-8")); // overlong '/'
    REQUIRE_THROWS_WITH(parse_xml("<a>\xed\xa0\x80</a>", "domain XML"),
                        Catch::Contains("byte 0xED is not UTF-8")); // a surrogate
    REQUIRE_THROWS_WITH(
        parse_xml("<?xml version='1.0' encoding='ISO-8859-1'?>\n<a/>", "domain XML"),
        "cannot parse domain XML: line 1, column 21: encoding \"ISO-8859-1\" is not supported; "
        "convert the document to UTF-8");
    REQUIRE_NOTHROW(parse_xml("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a>caf\xc3\xa9 "
                              "\xf0\x9f\x90\xa7</a>",
                              "domain XML"));
}

TEST_CASE("xml_document: item 17: errors never quote an attribute value", "[xml]") {
    try {
        parse_xml("<domain>\n  <graphics type='vnc' passwd='Pa&ssw0rd'/>\n</domain>", "domain XML");
        FAIL("no error");
    } catch (const virtnest::Error& e) {
        const std::string message = e.what();
        CHECK(message == "cannot parse domain XML: line 2, column 34: an unknown entity reference "
                         "in an attribute value (only &amp; &lt; &gt; &apos; &quot; and character "
                         "references are allowed)");
        CHECK(message.find("ssw0rd") == std::string::npos);
    }
    REQUIRE_THROWS_WITH(parse_xml("<a>x&secret part</a>", "domain XML"),
                        Catch::Contains("an unknown or unterminated entity reference"));
}
