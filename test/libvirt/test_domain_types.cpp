// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/libvirt/domain_types.hpp"

#include <catch2/catch.hpp>

using virtnest::connect_permission_hint;

TEST_CASE("domain_types: 11.27 a non-root user refused by qemu:///system gets a hint",
          "[domain_types]") {
    const std::string bus = "cannot connect to \"qemu:///system\": Unable to get system bus "
                            "connection: Could not connect: Permission denied";
    CHECK(connect_permission_hint("qemu:///system", false, bus) ==
          "as a non-root user, qemu:///system needs membership of the libvirt group (`usermod "
          "-aG libvirt USER`, then log in again) or polkit's permission; or run as root");
    CHECK_FALSE(connect_permission_hint("qemu+unix:///system", false,
                                        "authentication unavailable: no polkit agent")
                    .empty());
    SECTION("no hint for root, a session URI, a remote host or another failure") {
        CHECK(connect_permission_hint("qemu:///system", true, bus).empty());
        CHECK(connect_permission_hint("qemu:///session", false, bus).empty());
        CHECK(connect_permission_hint("qemu+ssh://h/system", false, bus).empty());
        CHECK(connect_permission_hint("qemu:///system", false,
                                      "Failed to connect socket: No such file or directory")
                  .empty());
    }
}
