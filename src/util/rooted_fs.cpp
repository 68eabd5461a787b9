// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/util/rooted_fs.hpp"

#include "virtnest/util/error.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <deque>
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace virtnest {
namespace {

constexpr int k_max_links = 40; // as the kernel's MAXSYMLINKS

std::deque<std::string> components(std::string_view path) {
    std::deque<std::string> parts;
    std::size_t start = 0;
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string_view::npos) {
            end = path.size();
        }
        if (end > start) {
            parts.emplace_back(path.substr(start, end - start));
        }
        start = end + 1;
    }
    return parts;
}

std::string relative(std::string_view path) {
    while (!path.empty() && path.front() == '/') {
        path.remove_prefix(1);
    }
    return path.empty() ? std::string(".") : std::string(path);
}

std::string human_size(std::size_t bytes) {
    constexpr std::size_t k_mib = std::size_t{1024} * 1024;
    if (bytes % k_mib == 0) {
        return std::to_string(bytes / k_mib) + " MiB";
    }
    if (bytes % 1024 == 0) {
        return std::to_string(bytes / 1024) + " KiB";
    }
    return std::to_string(bytes) + " bytes";
}

} // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
        m_fd = other.release();
    }
    return *this;
}

UniqueFd::~UniqueFd() {
    if (m_fd >= 0) {
        ::close(m_fd);
    }
}

int UniqueFd::release() {
    int fd = m_fd;
    m_fd = -1;
    return fd;
}

int open_in_root(int root_fd, std::string_view path, int flags) {
    const std::string rel = relative(path);
    open_how how{};
    how.flags = static_cast<__u64>(static_cast<unsigned int>(flags | O_CLOEXEC));
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    for (int attempt = 0; attempt < 16; ++attempt) {
        long fd = ::syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof how);
        if (fd >= 0) {
            return static_cast<int>(fd);
        }
        if (errno == ENOSYS) {
            return open_in_root_walk(root_fd, path, flags);
        }
        // EAGAIN: a concurrent rename moved a ".." the kernel was resolving; try again.
        if (errno != EAGAIN) {
            return -errno;
        }
    }
    return -EAGAIN;
}

int open_in_root_walk(int root_fd, std::string_view path, int flags) {
    std::vector<UniqueFd> stack; // directories below the root; the current one is last
    std::deque<std::string> todo = components(path);
    int links = 0;
    auto current = [&] { return stack.empty() ? root_fd : stack.back().get(); };
    while (!todo.empty()) {
        std::string part = std::move(todo.front());
        todo.pop_front();
        if (part == ".") {
            continue;
        }
        if (part == "..") {
            if (!stack.empty()) {
                stack.pop_back();
            }
            continue;
        }
        UniqueFd fd(::openat(current(), part.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
        if (!fd) {
            return -errno;
        }
        struct stat st {};
        if (::fstat(fd.get(), &st) != 0) {
            return -errno;
        }
        const bool last = todo.empty();
        if (S_ISLNK(st.st_mode)) {
            if ((last && (flags & O_NOFOLLOW) != 0) || ++links > k_max_links) {
                return -ELOOP;
            }
            std::array<char, PATH_MAX> target{};
            ssize_t n = ::readlinkat(fd.get(), "", target.data(), target.size());
            if (n < 0) {
                return -errno;
            }
            if (static_cast<std::size_t>(n) == target.size()) {
                return -ENAMETOOLONG;
            }
            std::string_view link(target.data(), static_cast<std::size_t>(n));
            if (link.starts_with('/')) {
                stack.clear(); // an absolute link starts again at the root, not at "/"
            }
            std::deque<std::string> inner = components(link);
            todo.insert(todo.begin(), inner.begin(), inner.end());
            continue;
        }
        if (last) {
            // O_NOFOLLOW: a swap to a symlink since the check fails instead of escaping.
            int opened = ::openat(current(), part.c_str(), flags | O_NOFOLLOW | O_CLOEXEC);
            return opened < 0 ? -errno : opened;
        }
        if (!S_ISDIR(st.st_mode)) {
            return -ENOTDIR;
        }
        stack.push_back(std::move(fd));
    }
    int opened = ::openat(current(), ".", flags | O_CLOEXEC);
    return opened < 0 ? -errno : opened;
}

ReadResult read_regular_fd(int fd, std::size_t max_bytes) {
    ReadResult result;
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        result.problem.reason = std::strerror(errno);
        return result;
    }
    if (!S_ISREG(st.st_mode)) {
        result.problem.reason = S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file";
        return result;
    }
    // /proc and /sys report sizes of 0 or 4096 whatever they hold: read to the end, capped.
    std::string content;
    std::array<char, 16384> buf{};
    while (true) {
        ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            result.problem.reason = std::strerror(errno);
            return result;
        }
        if (n == 0) {
            break;
        }
        if (content.size() + static_cast<std::size_t>(n) > max_bytes) {
            result.problem.reason = "larger than " + human_size(max_bytes);
            return result;
        }
        content.append(buf.data(), static_cast<std::size_t>(n));
    }
    result.content = std::move(content);
    return result;
}

ReadResult read_regular_file(const std::filesystem::path& path, std::size_t max_bytes) {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; the type check refuses it.
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    if (!fd) {
        ReadResult result;
        result.problem.reason = std::strerror(errno);
        return result;
    }
    return read_regular_fd(fd.get(), max_bytes);
}

RootedFs::RootedFs(const std::filesystem::path& root)
    : m_root(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)), m_root_path(root) {
    struct stat mine {};
    struct stat live {};
    m_live = m_root && ::fstat(m_root.get(), &mine) == 0 && ::stat("/", &live) == 0 &&
             mine.st_dev == live.st_dev && mine.st_ino == live.st_ino;
}

int RootedFs::open(std::string_view path, int flags) const {
    if (!m_root) {
        return -ENOENT;
    }
    return open_in_root(m_root.get(), path, flags);
}

ReadResult RootedFs::read(std::string_view path, std::size_t max_bytes) const {
    ReadResult result;
    // Look before opening: opening a device (a watchdog) can act, and a FIFO can block.
    std::optional<struct stat> st = status(path);
    if (st && !S_ISREG(st->st_mode)) {
        result.problem.reason = S_ISDIR(st->st_mode) ? "is a directory" : "not a regular file";
        return result;
    }
    UniqueFd fd(open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY));
    if (!fd) {
        result.problem.reason = std::strerror(-fd.release());
        return result;
    }
    return read_regular_fd(fd.get(), max_bytes);
}

std::vector<std::string> RootedFs::list(std::string_view dir) const {
    std::vector<std::string> names;
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        return names;
    }
    DIR* stream = ::fdopendir(fd);
    if (stream == nullptr) {
        ::close(fd);
        return names;
    }
    while (const dirent* entry = ::readdir(stream)) {
        std::string_view name = entry->d_name;
        if (name != "." && name != "..") {
            names.emplace_back(name);
        }
    }
    ::closedir(stream);
    std::sort(names.begin(), names.end());
    return names;
}

std::optional<struct stat> RootedFs::status(std::string_view path) const {
    UniqueFd fd(open(path, O_PATH));
    struct stat st {};
    if (!fd || ::fstat(fd.get(), &st) != 0) {
        return std::nullopt;
    }
    return st;
}

UniqueFd RootedFs::make_dirs(std::string_view dir, mode_t mode) const {
    auto fail_with = [&](const std::string& reason) -> UniqueFd {
        throw Error("cannot create directory \"" + std::string(dir) + "\" under root \"" +
                    m_root_path.string() + "\": " + reason);
    };
    auto fail = [&](int err) { return fail_with(std::strerror(err)); };
    if (!m_root) {
        return fail(ENOENT);
    }
    UniqueFd current(open("/", O_RDONLY | O_DIRECTORY));
    std::string prefix;
    for (const std::string& part : components(dir)) {
        prefix += "/" + part;
        UniqueFd next(open(prefix, O_RDONLY | O_DIRECTORY));
        if (next.get() == -ENOENT) {
            const bool made = ::mkdirat(current.get(), part.c_str(), mode) == 0;
            if (!made && errno != EEXIST) {
                return fail(errno);
            }
            next = UniqueFd(open(prefix, O_RDONLY | O_DIRECTORY));
            if (!made && next.get() == -ENOENT) {
                return fail_with("\"" + prefix + "\" is a symlink to a missing directory");
            }
            // mkdir applies the umask; a directory made here gets exactly `mode`.
            if (made && next && ::fchmod(next.get(), mode) != 0) {
                return fail(errno);
            }
        }
        if (!next) {
            return fail(-next.release());
        }
        current = std::move(next);
    }
    return current;
}

} // namespace virtnest
