// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/util/shell_quote.hpp"

#include <catch2/catch.hpp>

TEST_CASE("shell_quote: item 19: names become one shell word", "[shell_quote]") {
    using virtnest::shell_quote;
    CHECK(shell_quote("web-1") == "web-1");
    CHECK(shell_quote("web $(id);x") == "'web $(id);x'");
    CHECK(shell_quote("it's") == "'it'\\''s'");
    CHECK(shell_quote("") == "''");
    CHECK(shell_quote("a\nb") == "'a\nb'");
}

TEST_CASE("shell_quote: 11.19 with_connection adds -c URI only when given", "[shell_quote]") {
    CHECK(virtnest::with_connection("virsh", "") == "virsh");
    CHECK(virtnest::with_connection("virsh", "qemu:///system") == "virsh -c qemu:///system");
    CHECK(virtnest::with_connection("virt-nest", "qemu+ssh://root@h/system?x=a b") ==
          "virt-nest -c 'qemu+ssh://root@h/system?x=a b'");
}
