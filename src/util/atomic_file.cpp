#include "virtnest/util/atomic_file.hpp"

#include "virtnest/util/error.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace virtnest {
namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path, int err) {
    throw Error("cannot " + what + " \"" + path.string() + "\": " + std::strerror(err));
}

// Closes the descriptor on every path out of write_file_atomic.
class FdOwner {
  public:
    explicit FdOwner(int fd) : m_fd(fd) {}
    FdOwner(const FdOwner&) = delete;
    FdOwner& operator=(const FdOwner&) = delete;
    ~FdOwner() {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }
    int get() const { return m_fd; }
    int release() {
        int fd = m_fd;
        m_fd = -1;
        return fd;
    }

  private:
    int m_fd;
};

} // namespace

void write_file_atomic(const std::filesystem::path& path, std::string_view content,
                       std::filesystem::perms mode, std::filesystem::perms dir_mode) {
    std::filesystem::path dir = path.parent_path();
    if (dir.empty()) {
        dir = ".";
    }
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) {
        std::filesystem::create_directories(dir, ec);
        if (ec) {
            fail("create directory", dir, ec.value());
        }
        std::filesystem::permissions(dir, dir_mode, ec);
    }

    std::string tmpl = (dir / ("." + path.filename().string() + ".XXXXXX")).string();
    int raw_fd = ::mkstemp(tmpl.data());
    if (raw_fd < 0) {
        fail("create temporary file in", dir, errno);
    }
    FdOwner fd(raw_fd);
    const std::filesystem::path tmp_path(tmpl);
    auto cleanup_and_fail = [&](const std::string& what, int err) {
        ::unlink(tmp_path.c_str());
        fail(what, path, err);
    };

    if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) {
        cleanup_and_fail("set permissions of", errno);
    }
    const char* data = content.data();
    std::size_t left = content.size();
    while (left > 0) {
        ssize_t written = ::write(fd.get(), data, left);
        if (written < 0) {
            if (errno == EINTR) {
                continue;
            }
            cleanup_and_fail("write", errno);
        }
        data += written;
        left -= static_cast<std::size_t>(written);
    }
    if (::fsync(fd.get()) != 0) {
        cleanup_and_fail("flush", errno);
    }
    if (::close(fd.release()) != 0) {
        cleanup_and_fail("close", errno);
    }
    if (::rename(tmp_path.c_str(), path.c_str()) != 0) {
        cleanup_and_fail("replace", errno);
    }
    // Make the rename itself durable.
    int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (dir_fd >= 0) {
        ::fsync(dir_fd);
        ::close(dir_fd);
    }
}

} // namespace virtnest
