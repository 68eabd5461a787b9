// SPDX-License-Identifier: GPL-2.0-or-later
// One writer per host: the lock file, its exclusion and its message.
#include "live_fixture.hpp"
#include "virtnest/live/host_lock.hpp"
#include "virtnest/live/live_commands.hpp"

#include "virtnest/util/error.hpp"

#include <catch2/catch.hpp>

using namespace virtnest;
using std::chrono::milliseconds;

TEST_CASE("host_lock: one holder per host identity", "[host_lock]") {
    live_test::TempDir dir;
    const std::string uuid = "5553bd6c-3584-4865-b18c-a6a5d6eab9b0";
    std::optional<HostLock> first(std::in_place, dir.path, uuid, milliseconds(0));
    REQUIRE(first->path() == dir.path / ("host-" + uuid + ".lock"));
    const std::string held = "another virt-nest run is changing host \"" + uuid +
                             "\" (it holds \"" + (dir.path / ("host-" + uuid + ".lock")).string() +
                             "\"); waited 0 s: run again when it is done, or pass --wait SECONDS";
    REQUIRE_THROWS_WITH(HostLock(dir.path, uuid, milliseconds(0)), held);
    SECTION("another host is not held up") {
        HostLock other(dir.path, "qemu+ssh://h2/system", milliseconds(0));
        REQUIRE(other.path() == dir.path / "host-qemu_ssh___h2_system.lock");
    }
    SECTION("a waiting run gets the lock once the first is done") {
        first.reset();
        HostLock second(dir.path, uuid, milliseconds(200));
        REQUIRE(second.path() == dir.path / ("host-" + uuid + ".lock"));
    }
}

TEST_CASE("host_lock: a real run waits for the host, a dry run does not", "[host_lock]") {
    live_test::TempDir locks;
    live_test::TempDir backups;
    Connection conn = Connection::open(live_test::fleet_uri());
    // The test driver has no host UUID: its URI names the host.
    HostLock held(locks.path, conn.uri(), milliseconds(0));
    EnableOptions options;
    options.selection.all = true;
    options.backup_dir = backups.path;
    options.lock_dir = locks.path;
    options.wait = milliseconds(100);
    const auto before = live_test::snapshot_fleet(conn);
    REQUIRE_THROWS_WITH(enable_on(conn, options),
                        Catch::Matchers::StartsWith("another virt-nest run is changing host \"" +
                                                    conn.uri() + "\""));
    RevertOptions revert;
    revert.selection.all = true;
    revert.backup_dir = backups.path;
    revert.lock_dir = locks.path;
    revert.wait = milliseconds(0);
    REQUIRE_THROWS_AS(revert_on(conn, revert), Error);
    REQUIRE(live_test::snapshot_fleet(conn) == before);
    options.dry_run = true;
    REQUIRE(enable_on(conn, options).summary["would_change"] == 4);
}
