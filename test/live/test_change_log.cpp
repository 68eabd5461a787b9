// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/live/change_log.hpp"

#include <catch2/catch.hpp>

using virtnest::change_log_message;
using virtnest::ChangeRecord;

namespace {

ChangeRecord web1() {
    ChangeRecord change;
    change.command = "enable";
    change.host = "qemu:///system";
    change.domain = "web-1";
    change.uuid = "11111111-2222-3333-4444-555555555555";
    change.old_mode = "custom";
    change.new_mode = "host-model";
    change.backup =
        "/var/lib/virt-nest/backups/qemu_system/1111/20261130T190000.000000Z-enable-web-1.xml";
    return change;
}

} // namespace

TEST_CASE("change_log: one line names the host, domain, UUID, modes and backup", "[change_log]") {
    REQUIRE(change_log_message(web1()) ==
            "enable: changed domain \"web-1\" uuid=\"11111111-2222-3333-4444-555555555555\" "
            "host=\"qemu:///system\" cpu_mode=\"custom\"->\"host-model\" "
            "backup=\"/var/lib/virt-nest/backups/qemu_system/1111/"
            "20261130T190000.000000Z-enable-web-1.xml\"");
}

TEST_CASE("change_log: a name cannot forge a second entry or break the quoting", "[change_log]") {
    ChangeRecord change = web1();
    change.command = "revert";
    change.domain = "evil\"\nvirt-nest: changed\\ \x1b[31m";
    const std::string message = change_log_message(change);
    REQUIRE(message.find('\n') == std::string::npos);
    REQUIRE(message.find('\x1b') == std::string::npos);
    REQUIRE_THAT(message, Catch::Matchers::StartsWith(
                              "revert: changed domain \"evil\\\"\\x0avirt-nest: changed\\\\ "
                              "\\x1b[31m\" uuid="));
}
