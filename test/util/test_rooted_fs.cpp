// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/util/rooted_fs.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
using virtnest::RootedFs;
using virtnest::UniqueFd;

namespace {

// A root tree and, beside it, a directory standing for the machine's own files.
struct Trees {
    fs::path base = fs::temp_directory_path() / ("virtnest-rooted-" + std::to_string(::getpid()) +
                                                 "-" + std::to_string(s_count++));
    fs::path root = base / "root";
    fs::path outside = base / "outside";
    Trees() {
        fs::remove_all(base);
        fs::create_directories(root / "etc");
        fs::create_directories(outside);
        std::ofstream(outside / "secret") << "host secret\n";
        std::ofstream(root / "etc/secret") << "image file\n";
    }
    Trees(const Trees&) = delete;
    Trees& operator=(const Trees&) = delete;
    ~Trees() {
        std::error_code ec;
        fs::remove_all(base, ec);
    }
    static inline int s_count = 0;
};

std::string read_fd(int fd) {
    virtnest::ReadResult r = virtnest::read_regular_fd(fd, 1024);
    return r.content.value_or("<" + r.problem.reason + ">");
}

} // namespace

TEST_CASE("rooted_fs: item 1-3: symlinks resolve inside the root, by openat2 and by the walk",
          "[rooted_fs]") {
    Trees t;
    // An absolute link to the secret, a relative one climbing out, a link to a directory.
    fs::create_symlink(t.outside / "secret", t.root / "abs");
    fs::create_symlink("../../outside/secret", t.root / "etc/rel");
    fs::create_symlink("/etc", t.root / "etcdir");
    fs::create_symlink("/etc/secret", t.root / "inside");
    fs::create_symlink("loop", t.root / "loop");
    UniqueFd root(::open(t.root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(root);
    for (auto open : {&virtnest::open_in_root, &virtnest::open_in_root_walk}) {
        INFO((open == &virtnest::open_in_root ? "openat2" : "walk"));
        // The absolute link names <root>/<outside>/secret, which does not exist.
        CHECK(open(root.get(), "/abs", O_RDONLY) == -ENOENT);
        // ".." stops at the root: etc/rel names <root>/outside/secret.
        CHECK(open(root.get(), "etc/rel", O_RDONLY) == -ENOENT);
        CHECK(open(root.get(), "/../../../outside/secret", O_RDONLY) == -ENOENT);
        CHECK(open(root.get(), "/loop", O_RDONLY) == -ELOOP);
        UniqueFd via_dir(open(root.get(), "/etcdir/secret", O_RDONLY));
        REQUIRE(via_dir);
        CHECK(read_fd(via_dir.get()) == "image file\n");
        UniqueFd inside(open(root.get(), "/inside", O_RDONLY));
        REQUIRE(inside);
        CHECK(read_fd(inside.get()) == "image file\n");
        UniqueFd dot(open(root.get(), "/etc/../etc/./secret", O_RDONLY));
        REQUIRE(dot);
        CHECK(read_fd(dot.get()) == "image file\n");
    }
}

TEST_CASE("rooted_fs: item 4: only regular files are read, without blocking, with a cap",
          "[rooted_fs]") {
    Trees t;
    REQUIRE(::mkfifo((t.root / "fifo").c_str(), 0600) == 0);
    fs::create_symlink("/dev/zero", t.root / "zero");
    std::ofstream(t.root / "big") << std::string(5000, 'x');
    RootedFs rooted(t.root);
    CHECK_FALSE(rooted.is_live());
    CHECK(rooted.read("/fifo", 1024).problem.reason == "not a regular file");
    CHECK(rooted.read("/zero", 1024).problem.reason == "No such file or directory");
    CHECK(rooted.read("/big", 4096).problem.reason == "larger than 4 KiB");
    CHECK(rooted.read("/big", 5000).content == std::string(5000, 'x'));
    CHECK(rooted.read("/etc", 1024).problem.reason == "is a directory");
    CHECK(RootedFs("/").is_live());
    CHECK(RootedFs("/").read("/dev/zero", 1024).problem.reason == "not a regular file");
    CHECK(virtnest::read_regular_file(t.root / "fifo", 1024).problem.reason ==
          "not a regular file");
    CHECK(virtnest::read_regular_file("/dev/zero", 1024).problem.reason == "not a regular file");
}

TEST_CASE("rooted_fs: item 2: directories are made inside the root, whatever links say",
          "[rooted_fs]") {
    Trees t;
    fs::remove_all(t.root / "etc");
    SECTION("an absolute link") { fs::create_symlink(t.outside, t.root / "etc"); }
    SECTION("a relative link climbing out") { fs::create_symlink("../outside", t.root / "etc"); }
    RootedFs rooted(t.root);
    // The link's target missing inside the root: refused, nothing made outside.
    CHECK_THROWS_WITH(rooted.make_dirs("/etc/modprobe.d", 0755),
                      Catch::Contains("\"/etc\" is a symlink to a missing directory"));
    fs::create_directories(t.root / t.outside.relative_path());
    fs::create_directories(t.root / "outside");
    const mode_t old_mask = ::umask(0);
    UniqueFd dir = rooted.make_dirs("/etc/modprobe.d", 0755);
    ::umask(old_mask);
    REQUIRE(dir);
    CHECK_FALSE(fs::exists(t.outside / "modprobe.d"));
    struct stat made {};
    REQUIRE(::fstat(dir.get(), &made) == 0);
    CHECK((made.st_mode & 07777) == 0755); // not 0777 under umask 0
    bool inside = false;
    for (const auto& entry : fs::recursive_directory_iterator(t.root)) {
        struct stat st {};
        if (::stat(entry.path().c_str(), &st) == 0 && st.st_ino == made.st_ino &&
            st.st_dev == made.st_dev) {
            inside = true;
        }
    }
    CHECK(inside);
}
