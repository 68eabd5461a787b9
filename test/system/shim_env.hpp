// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// What the test-only LD_PRELOAD shims of the system tests share: their settings come from
// the environment, and what they did goes to a log file the test reads.

#include <cstdio>
#include <cstdlib>
#include <string>

namespace vnsys_shim {

// Return the environment variable `name`, or `fallback` when it is not set.
inline std::string env_or(const char* name, const char* fallback) {
    const char* value = std::getenv(name);
    return value != nullptr ? value : fallback;
}

// Append `line` to the file VNSYS_SHIM_LOG names; nothing when it is not set.
inline void log_line(const std::string& line) {
    const std::string path = env_or("VNSYS_SHIM_LOG", "");
    if (path.empty()) {
        return;
    }
    if (std::FILE* f = std::fopen(path.c_str(), "a")) {
        std::fprintf(f, "%s\n", line.c_str());
        std::fclose(f);
    }
}

} // namespace vnsys_shim
