// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/check/kvm_probe_runner.hpp"

#include <catch2/catch.hpp>
#include <kvm_probe.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using virtnest::ProbeResult;
using virtnest::ProbeStatus;

TEST_CASE("kvm_probe_runner: a missing device gives none with the reason", "[kvm_probe_runner]") {
    ProbeResult probe =
        virtnest::run_kvm_probe("/nonexistent/kvm", std::chrono::milliseconds(1000));
    CHECK(probe.status == ProbeStatus::none);
    CHECK(probe.steps.empty());
    CHECK(probe.api_version == -1);
    CHECK(probe.reason == "open /nonexistent/kvm: No such file or directory");
    CHECK(probe.line == "l2=none value=0x00 exits=0 steps=- api=-1 reason=\"open "
                        "/nonexistent/kvm: No such file or directory\"");
}

TEST_CASE("kvm_probe_runner: a device that is not KVM gives none", "[kvm_probe_runner]") {
    ProbeResult probe = virtnest::run_kvm_probe("/dev/null", std::chrono::milliseconds(1000));
    CHECK(probe.status == ProbeStatus::none);
    CHECK_THAT(probe.reason, Catch::Contains("KVM_GET_API_VERSION"));
}

// Where this machine has a /dev/kvm (of any kind), the child must run every step there.
TEST_CASE("kvm_probe_runner: this machine's /dev/kvm runs the guest", "[kvm_probe_runner]") {
    struct stat st {};
    if (::stat("/dev/kvm", &st) != 0 || !S_ISCHR(st.st_mode)) {
        WARN("no /dev/kvm here: only the failure paths are tested");
        CHECK(::stat("/dev/kvm", &st) != 0);
        return;
    }
    ProbeResult probe = virtnest::run_kvm_probe("/dev/kvm", std::chrono::milliseconds(5000));
    INFO(probe.line);
    CHECK(probe.status == ProbeStatus::ran);
    CHECK(probe.steps == std::vector<std::string>{"io", "loop", "paging"});
    CHECK(probe.value == 0x2a);
    CHECK(probe.exits == 2005);
    CHECK(probe.api_version == 12);
    CHECK(probe.line == "l2=ran value=0x2a exits=2005 steps=io,loop,paging api=12");
}

namespace {

// Where the hanging child reports its pid: a pipe the test opens before each run.
int g_pid_fd = -1;

// A child body that never answers: it tells its pid, blocks every signal it can and
// sleeps, as a task stuck in KVM_RUN would.
void hang_forever(const char* /*device*/, unsigned /*timeout_ms*/, kvm_probe_result* /*out*/) {
    const pid_t self = ::getpid();
    (void)!::write(g_pid_fd, &self, sizeof self);
    sigset_t all;
    ::sigfillset(&all);
    ::sigprocmask(SIG_BLOCK, &all, nullptr);
    for (;;) {
        ::pause();
    }
}

// A child body that answers at once, as a guest that ran.
void answer_ran(const char* /*device*/, unsigned /*timeout_ms*/, kvm_probe_result* out) {
    out->status = KVM_PROBE_RAN;
    out->api_version = 12;
    out->steps = KVM_PROBE_STEP_IO;
    out->value = 0x2a;
    out->exits = 2;
}

bool process_exists(pid_t pid) {
    struct stat st {};
    return ::stat(("/proc/" + std::to_string(pid)).c_str(), &st) == 0;
}

} // namespace

TEST_CASE("kvm_probe_runner: a hung child is killed within the bound and reaped",
          "[kvm_probe_runner]") {
    std::array<int, 2> fds{};
    REQUIRE(::pipe2(fds.data(), O_CLOEXEC) == 0);
    g_pid_fd = fds[1];
    const auto step = std::chrono::milliseconds(100);
    const auto started = std::chrono::steady_clock::now();
    ProbeResult probe = virtnest::run_kvm_probe_with("/dev/kvm", step, hang_forever);
    const auto took = std::chrono::steady_clock::now() - started;
    ::close(fds[1]);
    pid_t child = 0;
    REQUIRE(::read(fds[0], &child, sizeof child) == static_cast<ssize_t>(sizeof child));
    ::close(fds[0]);
    REQUIRE(child > 0);

    CHECK(probe.status == ProbeStatus::hung);
    CHECK(probe.reason == "the probe process did not answer within 1300 ms and was killed");
    // The bound: three step timeouts and a second, plus the reaping (at most two seconds).
    CHECK(took >= std::chrono::milliseconds(1300));
    CHECK(took < std::chrono::milliseconds(1300 + 2000));
    // Reaped, not a zombie: waitpid knows no such child and /proc has no such process.
    int status = 0;
    CHECK(::waitpid(child, &status, WNOHANG) == -1);
    CHECK(errno == ECHILD);
    CHECK_FALSE(process_exists(child));
    // check --probe turns it into a FAIL that says the guest did not finish in time.
    virtnest::Check check = virtnest::probe_check(probe, "kvm_amd", true);
    CHECK(check.status == virtnest::CheckStatus::fail);
    CHECK_THAT(check.message,
               Catch::Contains("the tiny guest did not finish in time through /dev/kvm (KVM from "
                               "kvm_amd): the probe process did not answer within 1300 ms"));
}

TEST_CASE("kvm_probe_runner: a child that answers is read and reaped", "[kvm_probe_runner]") {
    ProbeResult probe =
        virtnest::run_kvm_probe_with("/dev/kvm", std::chrono::milliseconds(100), answer_ran);
    CHECK(probe.status == ProbeStatus::ran);
    CHECK(probe.steps == std::vector<std::string>{"io"});
    CHECK(probe.value == 0x2a);
    int status = 0;
    CHECK(::waitpid(-1, &status, WNOHANG) == -1); // no child left behind
    CHECK(errno == ECHILD);
}
