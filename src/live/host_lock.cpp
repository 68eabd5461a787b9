// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/live/host_lock.hpp"

#include "virtnest/util/error.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace virtnest {
namespace {

// Return `identity` with everything but letters, digits and '-' replaced, for a file name.
std::string file_safe(const std::string& identity) {
    std::string safe = identity;
    for (char& c : safe) {
        const bool keep =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
        if (!keep) {
            c = '_';
        }
    }
    return safe;
}

} // namespace

std::filesystem::path default_lock_dir(const std::filesystem::path& fallback) {
    if (::geteuid() == 0) {
        return "/run/virt-nest";
    }
    const char* runtime = std::getenv("XDG_RUNTIME_DIR");
    if (runtime != nullptr && *runtime == '/') {
        return std::filesystem::path(runtime) / "virt-nest";
    }
    return fallback;
}

HostLock::HostLock(const std::filesystem::path& dir, const std::string& identity,
                   std::chrono::milliseconds wait)
    : m_path(dir / ("host-" + file_safe(identity) + ".lock")) {
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        throw Error("cannot create lock directory \"" + dir.string() +
                    "\": " + std::strerror(errno));
    }
    m_fd = ::open(m_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (m_fd < 0) {
        throw Error("cannot open lock file \"" + m_path.string() + "\": " + std::strerror(errno));
    }
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            const int saved = errno;
            ::close(m_fd);
            throw Error("cannot lock \"" + m_path.string() + "\": " + std::strerror(saved));
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            ::close(m_fd);
            throw Error("another virt-nest run is changing host \"" + identity + "\" (it holds \"" +
                        m_path.string() + "\"); waited " + std::to_string(wait.count() / 1000) +
                        " s: run again when it is done, or pass --wait SECONDS");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

HostLock::HostLock(HostLock&& other) noexcept : m_path(std::move(other.m_path)), m_fd(other.m_fd) {
    other.m_fd = -1;
}

HostLock::~HostLock() {
    if (m_fd >= 0) {
        ::close(m_fd); // releases the flock
    }
}

} // namespace virtnest
