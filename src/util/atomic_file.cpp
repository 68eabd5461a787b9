// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/util/atomic_file.hpp"

#include "virtnest/util/error.hpp"
#include "virtnest/util/rooted_fs.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <random>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

namespace virtnest {
namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path, int err) {
    throw Error("cannot " + what + " \"" + path.string() + "\": " + std::strerror(err));
}

// Write all of `content` to `fd`; return 0 or the errno of the failed write.
int write_all(int fd, std::string_view content) {
    const char* data = content.data();
    std::size_t left = content.size();
    while (left > 0) {
        ssize_t written = ::write(fd, data, left);
        if (written < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno;
        }
        data += written;
        left -= static_cast<std::size_t>(written);
    }
    return 0;
}

// Create a fresh temporary file beside `name` in `dir_fd`; return its descriptor and name.
UniqueFd make_temporary(int dir_fd, const std::string& name, std::string& tmp_name) {
    // Keep the temporary name within NAME_MAX whatever the target's length.
    const std::string stem = "." + name.substr(0, 200) + ".";
    constexpr std::string_view k_chars =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::random_device random;
    for (int attempt = 0; attempt < 100; ++attempt) {
        tmp_name = stem;
        for (int i = 0; i < 8; ++i) {
            tmp_name.push_back(k_chars[random() % k_chars.size()]);
        }
        int fd = ::openat(dir_fd, tmp_name.c_str(),
                          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, S_IRUSR | S_IWUSR);
        if (fd >= 0 || errno != EEXIST) {
            return UniqueFd(fd < 0 ? -errno : fd);
        }
    }
    return UniqueFd(-EEXIST);
}

// Return true when `path` is, or links through, /proc (/dev/stdout -> /proc/self/fd/1): such
// a name stands for an open descriptor, which must be written, not replaced.
bool reaches_proc(std::filesystem::path path) {
    std::error_code ec;
    for (int depth = 0; depth < 40; ++depth) {
        if (std::filesystem::absolute(path, ec).string().starts_with("/proc/")) {
            return true;
        }
        if (!std::filesystem::is_symlink(path, ec)) {
            return false;
        }
        std::filesystem::path target = std::filesystem::read_symlink(path, ec);
        if (ec) {
            return false;
        }
        path = target.is_absolute() ? target : path.parent_path() / target;
    }
    return false;
}

} // namespace

void write_file_atomic_at(int dir_fd, const std::string& name, std::string_view content,
                          std::filesystem::perms mode, Durability durability,
                          const std::filesystem::path& shown) {
    std::string tmp_name;
    UniqueFd fd = make_temporary(dir_fd, name, tmp_name);
    if (!fd) {
        fail("create a temporary file for", shown, -fd.release());
    }
    auto cleanup_and_fail = [&](const std::string& what, int err) {
        ::unlinkat(dir_fd, tmp_name.c_str(), 0);
        fail(what, shown, err);
    };
    if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) {
        cleanup_and_fail("set permissions of", errno);
    }
    if (int err = write_all(fd.get(), content); err != 0) {
        cleanup_and_fail("write", err);
    }
    if (durability == Durability::now && ::fsync(fd.get()) != 0) {
        cleanup_and_fail("flush", errno);
    }
    if (::close(fd.release()) != 0) {
        cleanup_and_fail("close", errno);
    }
    if (::renameat(dir_fd, tmp_name.c_str(), dir_fd, name.c_str()) != 0) {
        cleanup_and_fail("replace", errno);
    }
    if (durability == Durability::now) {
        ::fsync(dir_fd); // makes the rename itself durable
    }
}

void write_file_atomic(const std::filesystem::path& path, std::string_view content,
                       std::filesystem::perms mode, std::filesystem::perms dir_mode,
                       Durability durability) {
    std::filesystem::path dir = path.parent_path();
    if (dir.empty()) {
        dir = ".";
    }
    UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir_fd && errno == ENOENT) {
        // Parents are made one by one so each gets `dir_mode` whatever the umask.
        std::filesystem::path made;
        for (const auto& part : dir) {
            made /= part;
            if (::mkdir(made.c_str(), static_cast<mode_t>(dir_mode)) == 0) {
                ::chmod(made.c_str(), static_cast<mode_t>(dir_mode));
            } else if (errno != EEXIST) {
                fail("create directory", made, errno);
            }
        }
        dir_fd = UniqueFd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    }
    if (!dir_fd) {
        fail("open directory", dir, errno);
    }
    write_file_atomic_at(dir_fd.get(), path.filename().string(), content, mode, durability, path);
}

void write_output_file(const std::filesystem::path& path, std::string_view content) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        struct stat link {};
        if (errno == ENOENT && ::lstat(path.c_str(), &link) == 0) {
            throw Error("cannot write \"" + path.string() +
                        "\": it is a symlink to a missing file");
        }
        if (errno != ENOENT) {
            fail("write", path, errno);
        }
        write_file_atomic(path, content);
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        throw Error("cannot write \"" + path.string() + "\": it is a directory");
    }
    std::error_code ec;
    std::filesystem::path target = std::filesystem::canonical(path, ec);
    if (S_ISREG(st.st_mode) && !ec && !reaches_proc(path)) {
        // Replace the file a symlink names, not the link.
        write_file_atomic(target, content);
        return;
    }
    // A device, FIFO or an open descriptor (/dev/stdout): write to it in place; a regular
    // file behind a descriptor is appended to, as the shell's `>` or `>>` left it.
    // O_NONBLOCK: a FIFO without a reader fails at once instead of hanging.
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC |
                                         (S_ISREG(st.st_mode) ? O_APPEND : 0)));
    if (!fd) {
        fail("write", path, errno);
    }
    ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
    if (int err = write_all(fd.get(), content); err != 0) {
        fail("write", path, err);
    }
    if (::close(fd.release()) != 0) {
        fail("write", path, errno);
    }
}

} // namespace virtnest
