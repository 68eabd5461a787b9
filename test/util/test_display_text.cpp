// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/util/display_text.hpp"

#include <catch2/catch.hpp>

using virtnest::display_width;
using virtnest::escape_control;

TEST_CASE("display_text: 11.21 control characters are escaped", "[display_text]") {
    CHECK(escape_control("web-1") == "web-1");
    CHECK(escape_control("evil\rweb-1") == "evil\\rweb-1");
    CHECK(escape_control("a\nb\tc\x1b[31md") == "a\\nb\\tc\\e[31md");
    CHECK(escape_control(std::string("x\0y", 3)) == "x\\x00y");
    CHECK(escape_control("del\x7f") == "del\\x7f");
    CHECK(escape_control("c1\xc2\x85") == "c1\\u0085");
    CHECK(escape_control("bad\xff\xc3") == "bad\\xff\\xc3");
    CHECK(escape_control("caf\xc3\xa9 \xe6\x97\xa5") == "caf\xc3\xa9 \xe6\x97\xa5");
    CHECK(escape_control("back\\slash") == "back\\slash");
}

TEST_CASE("display_text: 11.21 widths are display columns, not bytes", "[display_text]") {
    CHECK(display_width("web-1") == 5);
    CHECK(display_width("caf\xc3\xa9") == 4);              // é: 2 bytes, 1 column
    CHECK(display_width("e\xcc\x81") == 1);                // e + combining acute
    CHECK(display_width("\xe6\x97\xa5\xe6\x9c\xac") == 4); // 日本: wide
    CHECK(display_width("\xf0\x9f\x98\x80") == 2);         // an emoji
    CHECK(display_width("\xff") == 1);
}
