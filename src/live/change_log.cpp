// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/live/change_log.hpp"

#include <array>
#include <cstdio>
#include <mutex>

#include <syslog.h>

namespace virtnest {
namespace {

// Return `value` in double quotes, with quotes, backslashes and control characters escaped.
std::string quoted(const std::string& value) {
    std::string out = "\"";
    for (const char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20 || byte == 0x7f) {
            std::array<char, 5> escaped{};
            std::snprintf(escaped.data(), escaped.size(), "\\x%02x",
                          static_cast<unsigned int>(byte));
            out += escaped.data();
        } else {
            out += c;
        }
    }
    return out + "\"";
}

} // namespace

std::string change_log_message(const ChangeRecord& change) {
    return change.command + ": changed domain " + quoted(change.domain) +
           " uuid=" + quoted(change.uuid) + " host=" + quoted(change.host) +
           " cpu_mode=" + quoted(change.old_mode) + "->" + quoted(change.new_mode) +
           " backup=" + quoted(change.backup);
}

void log_change(const ChangeRecord& change) {
    static std::once_flag opened;
    std::call_once(opened, [] { ::openlog("virt-nest", LOG_PID, LOG_USER); });
    const std::string message = change_log_message(change);
    ::syslog(LOG_USER | LOG_NOTICE, "%s", message.c_str());
}

} // namespace virtnest
