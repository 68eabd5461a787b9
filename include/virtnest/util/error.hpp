// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include "virtnest/util/exit_code.hpp"

#include <stdexcept>
#include <string>

namespace virtnest {

// The one error type of virt-nest: caught once in run_cli, printed as
// `virt-nest: error: <message>`, and turned into its exit code.
class Error : public std::runtime_error {
  public:
    explicit Error(const std::string& message, ExitCode code = ExitCode::error)
        : std::runtime_error(message), m_code(code) {}

    // Return the exit code this failure maps to.
    ExitCode code() const noexcept { return m_code; }

  private:
    ExitCode m_code;
};

// What kind of libvirt failure an error came from, for callers that must react to it
// (a vanished domain is skipped, a lost connection stops a bulk run).
enum class LibvirtFailure {
    other,
    no_domain,        // the domain does not exist (any more)
    no_support,       // the driver does not implement the call
    connection_lost,  // the daemon went away or the connection broke
    read_only,        // the connection is read-only
    invalid_argument, // libvirt rejected the XML or an argument
};

// An Error raised by a libvirt call, carrying libvirt's classification.
class LibvirtError : public Error {
  public:
    LibvirtError(const std::string& message, LibvirtFailure failure)
        : Error(message, ExitCode::error), m_failure(failure) {}

    // Return the kind of failure libvirt reported.
    LibvirtFailure failure() const noexcept { return m_failure; }

  private:
    LibvirtFailure m_failure;
};

} // namespace virtnest
