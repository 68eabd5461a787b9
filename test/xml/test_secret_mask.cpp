// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/xml/secret_mask.hpp"

#include <catch2/catch.hpp>

using virtnest::mask_secrets;

TEST_CASE("secret_mask: graphics passwords are masked on every graphics type", "[secret_mask]") {
    SECTION("vnc, single quotes") {
        REQUIRE(mask_secrets("<graphics type='vnc' passwd='s3cret' port='-1'/>") ==
                "<graphics type='vnc' passwd='***' port='-1'/>");
    }
    SECTION("spice, double quotes, with children") {
        REQUIRE(mask_secrets("<graphics type=\"spice\" passwd=\"a'b\"><listen/></graphics>") ==
                "<graphics type=\"spice\" passwd=\"***\"><listen/></graphics>");
    }
    SECTION("rdp and spaces around =") {
        REQUIRE(mask_secrets("<graphics type='rdp' passwd = 'x'/>") ==
                "<graphics type='rdp' passwd = '***'/>");
    }
    SECTION("passwdValidTo and passwd elsewhere are not secrets") {
        std::string text = "<graphics passwdValidTo='2030-01-01'/><user passwd='keep'/>";
        REQUIRE(mask_secrets(text) == text);
    }
}

TEST_CASE("secret_mask: network disk cookies are masked", "[secret_mask]") {
    std::string in = "<source>\n  <cookies>\n    <cookie name='s'>v4lue</cookie>\n"
                     "    <cookie name='t'><![CDATA[raw]]></cookie>\n  </cookies>\n</source>";
    REQUIRE(mask_secrets(in) == "<source>\n  <cookies>\n    <cookie name='s'>***</cookie>\n"
                                "    <cookie name='t'>***</cookie>\n  </cookies>\n</source>");
}

TEST_CASE("secret_mask: everything else is kept byte for byte", "[secret_mask]") {
    SECTION("a document without secrets") {
        std::string text =
            "<?xml version='1.0'?>\n<!-- c -->\n<domain type=\"kvm\">\n\t<name>a&amp;b</name>\n"
            "  <cpu mode='host-model'/>\n</domain>\n";
        REQUIRE(mask_secrets(text) == text);
    }
    SECTION("secret-looking text inside comments is not parsed as markup") {
        std::string text = "<d><!-- <graphics passwd='x'/> --></d>";
        REQUIRE(mask_secrets(text) == text);
    }
    SECTION("malformed input does not crash and keeps what it cannot read") {
        REQUIRE(mask_secrets("<graphics passwd='unterminated") == "<graphics passwd='***");
        REQUIRE(mask_secrets("<<a b=>") == "<<a b=>");
        REQUIRE(mask_secrets("") == "");
    }
}

TEST_CASE("secret_mask: item 13: a changed secret never reads as unchanged in a diff",
          "[secret_mask]") {
    const std::string before = "<domain><devices>"
                               "<graphics type='vnc' passwd='old-one'/>"
                               "<graphics type='spice' passwd='same'/>"
                               "</devices></domain>";
    SECTION("one secret changed, one kept") {
        std::string after = before;
        after.replace(after.find("old-one"), 7, "new-one");
        const virtnest::MaskedPair masked = virtnest::mask_secrets_pair(before, after);
        REQUIRE(masked.before == virtnest::mask_secrets(before));
        REQUIRE(masked.after == "<domain><devices>"
                                "<graphics type='vnc' passwd='***(changed)'/>"
                                "<graphics type='spice' passwd='***'/>"
                                "</devices></domain>");
    }
    SECTION("nothing changed: both sides mask the same") {
        const virtnest::MaskedPair masked = virtnest::mask_secrets_pair(before, before);
        REQUIRE(masked.after == masked.before);
        REQUIRE(masked.after.find("changed") == std::string::npos);
    }
    SECTION("a secret only the new side has is changed") {
        const std::string after =
            "<domain><devices><graphics type='vnc' passwd='old-one'/>"
            "<graphics type='spice' passwd='same'/><graphics type='rdp' passwd='x'/>"
            "</devices></domain>";
        const virtnest::MaskedPair masked = virtnest::mask_secrets_pair(before, after);
        REQUIRE(masked.after.find("passwd='***(changed)'/></devices>") != std::string::npos);
        REQUIRE(masked.after.find("old-one") == std::string::npos);
    }
    SECTION("cookies too") {
        const std::string a = "<domain><cookies><cookie name='s'>one</cookie></cookies></domain>";
        const std::string b = "<domain><cookies><cookie name='s'>two</cookie></cookies></domain>";
        REQUIRE(virtnest::mask_secrets_pair(a, b).after ==
                "<domain><cookies><cookie name='s'>***(changed)</cookie></cookies></domain>");
    }
}
