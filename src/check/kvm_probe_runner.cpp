// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/check/kvm_probe_runner.hpp"

#include <array>
#include <kvm_probe.h> // tools/kvm_probe, linked as a library

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace virtnest {
namespace {

using Clock = std::chrono::steady_clock;

ProbeResult from_c(const kvm_probe_result& r) {
    ProbeResult probe;
    switch (r.status) {
    case KVM_PROBE_RAN: probe.status = ProbeStatus::ran; break;
    case KVM_PROBE_NONE: probe.status = ProbeStatus::none; break;
    case KVM_PROBE_HUNG: probe.status = ProbeStatus::hung; break;
    case KVM_PROBE_WRONG: probe.status = ProbeStatus::wrong; break;
    }
    probe.api_version = r.api_version;
    if (r.steps & KVM_PROBE_STEP_IO) {
        probe.steps.emplace_back("io");
    }
    if (r.steps & KVM_PROBE_STEP_LOOP) {
        probe.steps.emplace_back("loop");
    }
    if (r.steps & KVM_PROBE_STEP_PAGING) {
        probe.steps.emplace_back("paging");
    }
    probe.value = r.value;
    probe.exits = r.exits;
    probe.reason.assign(r.reason, ::strnlen(r.reason, sizeof r.reason));
    std::array<char, 256> line{};
    kvm_probe_format(&r, line.data(), line.size());
    probe.line = line.data();
    return probe;
}

// The child: run the probe and hand its result back raw (same binary on both ends).
[[noreturn]] void probe_child(int fd, const std::string& device, unsigned timeout_ms,
                              ProbeChildBody body) {
    kvm_probe_result result{};
    body(device.c_str(), timeout_ms, &result);
    const auto* bytes = reinterpret_cast<const char*>(&result);
    std::size_t done = 0;
    while (done < sizeof result) {
        ssize_t n = ::write(fd, bytes + done, sizeof result - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            ::_exit(1);
        }
        done += static_cast<std::size_t>(n);
    }
    ::_exit(0);
}

// Read the child's result until `deadline`; return the bytes read (a short count means the
// child died or did not answer in time).
std::size_t read_result(int fd, kvm_probe_result& result, Clock::time_point deadline) {
    auto* bytes = reinterpret_cast<char*>(&result);
    std::size_t done = 0;
    while (done < sizeof result) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) {
            break;
        }
        pollfd pfd{fd, POLLIN, 0};
        int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) {
            continue;
        }
        if (ready <= 0) {
            break;
        }
        ssize_t n = ::read(fd, bytes + done, sizeof result - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    return done;
}

// Reap the child, waiting at most two seconds (a task stuck in the kernel may outlive
// SIGKILL for a while; it is then left to init rather than hanging virt-nest).
std::optional<int> reap(pid_t pid) {
    for (int i = 0; i < 200; i++) {
        int status = 0;
        pid_t got = ::waitpid(pid, &status, WNOHANG);
        if (got == pid) {
            return status;
        }
        if (got < 0 && errno != EINTR) {
            return std::nullopt;
        }
        ::usleep(10000);
    }
    return std::nullopt;
}

ProbeResult failed(ProbeStatus status, std::string reason) {
    ProbeResult probe;
    probe.status = status;
    probe.reason = std::move(reason);
    probe.line = "l2=" + std::string(status == ProbeStatus::hung ? "hung" : "none") + " reason=\"" +
                 probe.reason + "\"";
    return probe;
}

} // namespace

ProbeResult run_kvm_probe(const std::string& device, std::chrono::milliseconds step_timeout) {
    return run_kvm_probe_with(device, step_timeout,
                              [](const char* dev, unsigned timeout_ms, kvm_probe_result* out) {
                                  kvm_probe_run(dev, timeout_ms, out);
                              });
}

ProbeResult run_kvm_probe_with(const std::string& device, std::chrono::milliseconds step_timeout,
                               ProbeChildBody body) {
    std::array<int, 2> fds{};
    if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
        return failed(ProbeStatus::crashed,
                      std::string("cannot start the probe: pipe: ") + std::strerror(errno));
    }
    const auto limit = 3 * step_timeout + std::chrono::seconds(1);
    pid_t pid = ::fork();
    if (pid < 0) {
        int err = errno;
        ::close(fds[0]);
        ::close(fds[1]);
        return failed(ProbeStatus::crashed,
                      std::string("cannot start the probe: fork: ") + std::strerror(err));
    }
    if (pid == 0) {
        ::close(fds[0]);
        probe_child(fds[1], device, static_cast<unsigned>(step_timeout.count()), body);
    }
    ::close(fds[1]);
    kvm_probe_result result{};
    std::size_t got = read_result(fds[0], result, Clock::now() + limit);
    ::close(fds[0]);
    if (got == sizeof result) {
        reap(pid);
        return from_c(result);
    }
    ::kill(pid, SIGKILL);
    std::optional<int> status = reap(pid);
    if (status && WIFSIGNALED(*status) && WTERMSIG(*status) != SIGKILL) {
        return failed(ProbeStatus::crashed, "the probe process was killed by signal " +
                                                std::to_string(WTERMSIG(*status)));
    }
    if (status && WIFEXITED(*status)) {
        return failed(ProbeStatus::crashed, "the probe process exited with status " +
                                                std::to_string(WEXITSTATUS(*status)) +
                                                " without an answer");
    }
    return failed(ProbeStatus::hung, "the probe process did not answer within " +
                                         std::to_string(limit.count()) + " ms and was killed");
}

} // namespace virtnest
