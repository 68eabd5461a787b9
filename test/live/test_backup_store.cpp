// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/live/backup_store.hpp"
#include "virtnest/util/error.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace virtnest;
namespace fs = std::filesystem;

namespace {

// A fresh directory under the build tree's temp area, removed at the end of the test.
struct TempDir {
    fs::path path;
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "virtnest-backup-XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

const std::string k_uuid = "6695eb01-f6a4-8304-79aa-97f2502e193f";

std::chrono::system_clock::time_point at(long long seconds) {
    return std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
}

} // namespace

TEST_CASE("backup_store: default directory", "[backup_store]") {
    REQUIRE(default_backup_dir(true, "/x", "/home/a") == "/var/lib/virt-nest/backups");
    REQUIRE(default_backup_dir(false, "/state", "/home/a") == "/state/virt-nest/backups");
    REQUIRE(default_backup_dir(false, nullptr, "/home/a") ==
            "/home/a/.local/state/virt-nest/backups");
    SECTION("a relative XDG_STATE_HOME is ignored, as the spec says") {
        REQUIRE(default_backup_dir(false, "rel", "/home/a") ==
                "/home/a/.local/state/virt-nest/backups");
    }
    REQUIRE_THROWS_WITH(default_backup_dir(false, nullptr, nullptr),
                        "cannot choose a backup directory: HOME is not set; use --backup-dir");
}

TEST_CASE("backup_store: connection keys are safe and distinct", "[backup_store]") {
    REQUIRE(connection_key("qemu:///system") == "qemu____system");
    REQUIRE(connection_key("") == "default");
    REQUIRE(connection_key("../..") == "_.._..");
    std::string long_a = "test:///" + std::string(200, 'a') + "/one.xml";
    std::string long_b = "test:///" + std::string(200, 'a') + "/two.xml";
    REQUIRE(connection_key(long_a).size() <= 96);
    REQUIRE(connection_key(long_a) != connection_key(long_b));
}

TEST_CASE("backup_store: save writes private files that latest finds", "[backup_store]") {
    TempDir tmp;
    BackupStore store(tmp.path / "backups", "qemu:///system");

    fs::path first = store.save(k_uuid, "web-1", "<domain>1</domain>", BackupKind::enable, at(100));
    fs::path second =
        store.save(k_uuid, "web-1", "<domain>2</domain>", BackupKind::disable, at(200));
    REQUIRE(first.parent_path() == tmp.path / "backups" / "qemu____system" / k_uuid);
    REQUIRE(first.filename() == "19700101T000140.000000Z-enable-web-1.xml");
    REQUIRE(read_backup(first) == "<domain>1</domain>");

    struct stat st {};
    REQUIRE(::stat(first.c_str(), &st) == 0);
    REQUIRE((st.st_mode & 0777) == 0600);
    REQUIRE(::stat(first.parent_path().c_str(), &st) == 0);
    REQUIRE((st.st_mode & 0777) == 0700);

    SECTION("latest is the newest enable/disable backup") {
        REQUIRE(store.latest(k_uuid)->path == second);
        REQUIRE(store.latest(k_uuid)->kind == BackupKind::disable);
    }
    SECTION("a revert backup is never the latest") {
        fs::path undo =
            store.save(k_uuid, "web-1", "<domain>3</domain>", BackupKind::revert, at(300));
        REQUIRE(store.list(k_uuid).size() == 3);
        REQUIRE(store.list(k_uuid).back().path == undo);
        REQUIRE(store.latest(k_uuid)->path == second);
    }
    SECTION("the same instant never overwrites") {
        fs::path again =
            store.save(k_uuid, "web-1", "<domain>4</domain>", BackupKind::disable, at(200));
        REQUIRE(again != second);
        REQUIRE(read_backup(second) == "<domain>2</domain>");
        REQUIRE(store.latest(k_uuid)->path == again);
    }
    SECTION("other domains are separate; the domain UUID finds its backups in any store") {
        BackupStore other(tmp.path / "backups", "qemu+ssh://h/system");
        REQUIRE(other.latest(k_uuid)->path == second);
        REQUIRE(other.domain_dir(k_uuid) != store.domain_dir(k_uuid));
        REQUIRE_FALSE(store.latest("00000000-0000-0000-0000-000000000000").has_value());
    }
}

TEST_CASE("backup_store: item 10: the host's identity keys the store, old stores are read",
          "[backup_store]") {
    TempDir tmp;
    const fs::path root = tmp.path / "backups";
    const std::string host = "4c4c4544-0000-4000-8000-000000000042";
    // What an earlier version wrote: keyed by the URI's spelling.
    BackupStore old(root, "qemu:///system");
    const fs::path before =
        old.save(k_uuid, "web-1", "<domain>old</domain>", BackupKind::enable, at(100));
    BackupStore system(root, "qemu:///system", host);
    BackupStore unix_socket(root, "qemu+unix:///system", host);

    SECTION("new backups go to the host's store, whatever the URI") {
        const fs::path after =
            unix_socket.save(k_uuid, "web-1", "<domain>new</domain>", BackupKind::enable, at(200));
        REQUIRE(after.parent_path() == root / ("host-" + host) / k_uuid);
        REQUIRE(system.latest(k_uuid)->path == after);
        REQUIRE(unix_socket.latest(k_uuid)->path == after);
    }
    SECTION("the URI-keyed store of the same spelling is still read, in time order") {
        REQUIRE(system.latest(k_uuid)->path == before);
        const fs::path after =
            system.save(k_uuid, "web-1", "<domain>new</domain>", BackupKind::disable, at(50));
        const std::vector<BackupEntry> entries = system.list(k_uuid);
        REQUIRE(entries.size() == 2);
        REQUIRE(entries.front().path == after); // stamped earlier
        REQUIRE(entries.back().path == before);
    }
    SECTION("the domain's UUID finds them under another host UUID too") {
        // libvirtd without SMBIOS draws a new host UUID at every start.
        BackupStore restarted(root, "qemu:///system", "4c4c4544-0000-4000-8000-000000000043");
        const fs::path after =
            system.save(k_uuid, "web-1", "<domain>new</domain>", BackupKind::enable, at(300));
        REQUIRE(restarted.latest(k_uuid)->path == after);
        REQUIRE(restarted.list(k_uuid).size() == 2);
        REQUIRE_FALSE(restarted.latest("00000000-0000-0000-0000-000000000000").has_value());
    }
    SECTION("a driver without a host UUID keeps the URI key") {
        BackupStore keyless(root, "qemu:///system", "");
        REQUIRE(keyless.domain_dir(k_uuid) == old.domain_dir(k_uuid));
        REQUIRE(keyless.list(k_uuid).size() == 1);
    }
}

TEST_CASE("backup_store: unreadable backups are named", "[backup_store]") {
    REQUIRE_THROWS_WITH(read_backup("/nonexistent/b.xml"),
                        "cannot read backup \"/nonexistent/b.xml\": No such file or directory");
}

TEST_CASE("backup_store: batched durability writes the same private files", "[backup_store]") {
    TempDir tmp;
    BackupStore store(tmp.path / "backups", "qemu:///system");
    fs::path path = store.save(k_uuid, "web-1", "<domain>5</domain>", BackupKind::enable, at(500),
                               Durability::at_sync);
    REQUIRE(read_backup(path) == "<domain>5</domain>");
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    REQUIRE((st.st_mode & 0777) == 0600);
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(store.domain_dir(k_uuid))) {
        ++entries;
    }
    REQUIRE(entries == 1); // no temporary file left behind
    REQUIRE_NOTHROW(store.sync());
    BackupStore missing(tmp.path / "nowhere", "qemu:///system");
    REQUIRE_THROWS_WITH(missing.sync(),
                        Catch::Matchers::StartsWith("cannot flush backups in \"" +
                                                    (tmp.path / "nowhere").string()));
}

TEST_CASE("backup_store: item 7: directories and files other users can write are refused",
          "[backup]") {
    TempDir tmp;
    BackupStore store(tmp.path / "backups", "qemu:///system");
    fs::path first = store.save(k_uuid, "web-1", "<domain>1</domain>", BackupKind::enable, at(100));
    const fs::path dir = store.domain_dir(k_uuid);
    SECTION("a group-writable domain directory") {
        fs::permissions(dir, fs::perms::group_write, fs::perm_options::add);
        REQUIRE_THROWS_WITH(store.latest(k_uuid),
                            "refusing backup directory \"" + dir.string() +
                                "\": it is writable by group or others (another user could "
                                "plant a backup there); use a private --backup-dir");
    }
    SECTION("a world-writable backup root") {
        fs::permissions(tmp.path / "backups", fs::perms::others_write, fs::perm_options::add);
        REQUIRE_THROWS_WITH(store.list(k_uuid),
                            Catch::Contains("it is writable by group or others"));
    }
    SECTION("a directory owned by another user") {
        REQUIRE(::chown(dir.c_str(), 12345, 12345) == 0);
        REQUIRE_THROWS_WITH(store.latest(k_uuid),
                            Catch::Contains("it is owned by uid 12345, not by this user or root"));
    }
    SECTION("a backup file owned by another user, or writable by others") {
        REQUIRE(::chown(first.c_str(), 12345, 12345) == 0);
        REQUIRE_THROWS_WITH(read_backup(first), "refusing backup \"" + first.string() +
                                                    "\": it is owned by uid 12345, not by this "
                                                    "user or root");
        REQUIRE(::chown(first.c_str(), 0, 0) == 0);
        fs::permissions(first, fs::perms::others_write, fs::perm_options::add);
        REQUIRE_THROWS_WITH(read_backup(first), Catch::Contains("writable by group or others"));
    }
    SECTION("a future-dated backup never stays the latest") {
        const auto now = std::chrono::system_clock::now();
        store.save(k_uuid, "web-1", "<domain>planted</domain>", BackupKind::enable,
                   now + std::chrono::hours(24 * 365));
        REQUIRE(store.latest(k_uuid, now)->path == first);
        // Once its time has come it is an ordinary backup.
        REQUIRE(store.latest(k_uuid, now + std::chrono::hours(24 * 366))->path != first);
    }
}

TEST_CASE("backup_store: item 8: FIFOs and devices are refused without hanging", "[backup]") {
    TempDir tmp;
    BackupStore store(tmp.path / "backups", "qemu:///system");
    fs::path first = store.save(k_uuid, "web-1", "<domain>1</domain>", BackupKind::enable, at(100));
    const fs::path fifo = store.domain_dir(k_uuid) / "19700101T000500.000000Z-enable-web-1.xml";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    ::alarm(20); // a hang ends the run as a failure instead of blocking it
    REQUIRE(store.latest(k_uuid)->path == first); // the newer FIFO is skipped
    REQUIRE_THROWS_WITH(read_backup(fifo),
                        "cannot read backup \"" + fifo.string() + "\": not a regular file");
    REQUIRE_THROWS_WITH(read_backup("/dev/zero"),
                        "cannot read backup \"/dev/zero\": not a regular file");
    ::alarm(0);
    const fs::path big = tmp.path / "big.xml";
    {
        std::ofstream out(big);
        out << std::string((std::size_t{16} << 20) + 1, ' ');
    }
    fs::permissions(big, fs::perms::owner_read | fs::perms::owner_write);
    REQUIRE_THROWS_WITH(read_backup(big),
                        "cannot read backup \"" + big.string() + "\": larger than 16 MiB");
}

TEST_CASE("backup_store: item 11: names of any length fit a file name", "[backup]") {
    TempDir tmp;
    BackupStore store(tmp.path / "backups", "qemu:///system");
    const std::string long_a = std::string(300, 'a') + "-one";
    const std::string long_b = std::string(300, 'a') + "-two";
    fs::path a = store.save(k_uuid, long_a, "<domain>a</domain>", BackupKind::enable, at(100));
    fs::path b = store.save(k_uuid, long_b, "<domain>b</domain>", BackupKind::enable, at(200));
    REQUIRE(a.filename().string().size() < 128);
    REQUIRE(a.filename() != b.filename());
    REQUIRE(read_backup(a) == "<domain>a</domain>");
    REQUIRE(store.latest(k_uuid)->path == b);
}

TEST_CASE("backup_store: item 27: a dangling --backup-dir symlink gets a clear message",
          "[backup_store]") {
    TempDir tmp;
    fs::create_symlink(tmp.path / "gone", tmp.path / "backups");
    BackupStore store(tmp.path / "backups", "qemu:///system");
    REQUIRE_THROWS_WITH(store.save(k_uuid, "web-1", "<domain/>", BackupKind::enable, at(100)),
                        "cannot create backup directory \"" + (tmp.path / "backups").string() +
                            "\": it is a symlink to \"" + (tmp.path / "gone").string() +
                            "\", which does not exist");
}
