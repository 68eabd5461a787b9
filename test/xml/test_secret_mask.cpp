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
