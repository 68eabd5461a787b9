// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace virtnest {

// Run the virt-nest command line and return the process exit status. Every Error is
// caught here, printed as `virt-nest: error: <message>` on `err`, and mapped to its code.
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// Run the command line from main()'s arguments on std::cout/std::cerr.
int run_cli(int argc, const char* const* argv);

} // namespace virtnest
