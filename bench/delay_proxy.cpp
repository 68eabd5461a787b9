// SPDX-License-Identifier: GPL-2.0-or-later
// A unix-socket proxy that delays every chunk by a fixed one-way time in each direction, so
// that bench/run can measure libvirt clients over a link with a round-trip time (2.5 ms each
// way = 5 ms) on a kernel without sch_netem. It does not serialise: each direction has a
// reader that stamps every chunk with arrival + delay and a writer that delivers the chunks
// in order at their stamps, so calls in flight stay in flight. Not part of the virt-nest
// library.
//
// usage: delay_proxy LISTEN_SOCKET TARGET_SOCKET ONE_WAY_MICROSECONDS
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Chunk {
    Clock::time_point due;
    std::vector<char> bytes; // empty: the sender closed its side
};

// One direction of one connection: chunks read from `from`, written to `to` when due.
class Direction {
  public:
    Direction(int from, int to, std::chrono::microseconds delay)
        : m_from(from), m_to(to), m_delay(delay) {}

    void read_loop() {
        std::vector<char> buffer(1 << 16);
        for (;;) {
            const ssize_t n = ::read(m_from, buffer.data(), buffer.size());
            if (n < 0 && errno == EINTR) {
                continue;
            }
            const auto due = Clock::now() + m_delay;
            std::vector<char> bytes;
            if (n > 0) {
                bytes.assign(buffer.begin(), buffer.begin() + n);
            }
            push(Chunk{due, std::move(bytes)});
            if (n <= 0) {
                return;
            }
        }
    }

    void write_loop() {
        for (;;) {
            Chunk chunk = pop();
            std::this_thread::sleep_until(chunk.due);
            if (chunk.bytes.empty() || !write_all(chunk.bytes)) {
                ::shutdown(m_to, SHUT_WR);
                return;
            }
        }
    }

  private:
    void push(Chunk chunk) {
        {
            std::lock_guard lock(m_mutex);
            m_queue.push_back(std::move(chunk));
        }
        m_ready.notify_one();
    }

    Chunk pop() {
        std::unique_lock lock(m_mutex);
        m_ready.wait(lock, [this] { return !m_queue.empty(); });
        Chunk chunk = std::move(m_queue.front());
        m_queue.pop_front();
        return chunk;
    }

    bool write_all(const std::vector<char>& bytes) const {
        std::size_t done = 0;
        while (done < bytes.size()) {
            const ssize_t n = ::send(m_to, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                return false;
            }
            done += static_cast<std::size_t>(n);
        }
        return true;
    }

    int m_from;
    int m_to;
    std::chrono::microseconds m_delay;
    std::mutex m_mutex;
    std::condition_variable m_ready;
    std::deque<Chunk> m_queue;
};

sockaddr_un unix_address(const std::string& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof(address.sun_path)) {
        std::fprintf(stderr, "delay_proxy: socket path \"%s\" is too long\n", path.c_str());
        std::exit(2);
    }
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    return address;
}

int connect_to(const std::string& path) {
    const sockaddr_un address = unix_address(path);
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 ||
        ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
        std::fprintf(stderr, "delay_proxy: cannot connect to \"%s\": %s\n", path.c_str(),
                     std::strerror(errno));
        if (fd >= 0) {
            ::close(fd);
        }
        return -1;
    }
    return fd;
}

// Relay one client connection until both directions are closed.
void relay(int client, const std::string& target, std::chrono::microseconds delay) {
    const int server = connect_to(target);
    if (server < 0) {
        ::close(client);
        return;
    }
    Direction up(client, server, delay);
    Direction down(server, client, delay);
    std::thread up_reader([&] { up.read_loop(); });
    std::thread up_writer([&] { up.write_loop(); });
    std::thread down_reader([&] { down.read_loop(); });
    down.write_loop();
    up_reader.join();
    up_writer.join();
    down_reader.join();
    ::close(client);
    ::close(server);
}

int listen_on(const std::string& path) {
    const sockaddr_un address = unix_address(path);
    ::unlink(path.c_str());
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0 ||
        ::listen(fd, 64) != 0) {
        std::fprintf(stderr, "delay_proxy: cannot listen on \"%s\": %s\n", path.c_str(),
                     std::strerror(errno));
        std::exit(1);
    }
    return fd;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr,
                     "usage: delay_proxy LISTEN_SOCKET TARGET_SOCKET ONE_WAY_MICROSECONDS\n");
        return 2;
    }
    const std::string listen_path = argv[1];
    const std::string target = argv[2];
    char* end = nullptr;
    const long micros = std::strtol(argv[3], &end, 10);
    if (*argv[3] == '\0' || *end != '\0' || micros < 0 || micros > 10'000'000) {
        std::fprintf(stderr, "delay_proxy: invalid one-way delay \"%s\" (microseconds)\n", argv[3]);
        return 2;
    }
    std::signal(SIGPIPE, SIG_IGN);
    const int listener = listen_on(listen_path);
    const std::chrono::microseconds delay{micros};
    for (;;) {
        const int client = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) {
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            }
            std::fprintf(stderr, "delay_proxy: accept failed: %s\n", std::strerror(errno));
            return 1;
        }
        std::thread(relay, client, target, delay).detach();
    }
}
