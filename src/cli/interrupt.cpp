// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/interrupt.hpp"

#include "virtnest/util/exit_code.hpp"

#include <csignal>

namespace virtnest {
namespace {

// Written by the handler, read by the run: the only state a handler may touch.
volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_signal(int signo) {
    if (g_signal != 0) {
        // The second signal: die of it at once, as if virt-nest had not caught it.
        ::signal(signo, SIG_DFL);
        ::raise(signo);
        return;
    }
    g_signal = signo;
}

} // namespace

InterruptGuard::InterruptGuard() {
    g_signal = 0;
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART; // libvirt's calls in flight carry on
    ::sigaction(SIGINT, &action, &m_old_int);
    ::sigaction(SIGTERM, &action, &m_old_term);
}

InterruptGuard::~InterruptGuard() {
    ::sigaction(SIGINT, &m_old_int, nullptr);
    ::sigaction(SIGTERM, &m_old_term, nullptr);
}

std::string InterruptGuard::stop_requested() {
    const int signo = g_signal;
    if (signo == SIGINT) {
        return "interrupted by SIGINT";
    }
    if (signo == SIGTERM) {
        return "interrupted by SIGTERM";
    }
    return {};
}

ExitCode InterruptGuard::exit_code_or(ExitCode code) const noexcept {
    const int signo = g_signal;
    if (signo == SIGINT) {
        return ExitCode::interrupted;
    }
    if (signo == SIGTERM) {
        return ExitCode::terminated;
    }
    return code;
}

} // namespace virtnest
