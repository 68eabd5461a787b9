// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// The system log of changes: one syslog entry (facility LOG_USER, identity "virt-nest") per
// domain a run redefined, so journald (or any syslog) keeps who changed what, and where the
// previous definition is.

#include <string>

namespace virtnest {

// One redefinition, as the log records it.
struct ChangeRecord {
    std::string command;  // "enable", "disable", "revert"
    std::string host;     // the connection's URI
    std::string domain;   // the domain's name
    std::string uuid;     // the domain's UUID
    std::string old_mode; // CPU mode before ("none" without a <cpu> mode)
    std::string new_mode; // CPU mode now stored
    std::string backup;   // path of the backup of the previous definition
};

// Return the log message of one change, on one line:
// `enable: changed domain "web-1" uuid=... host="qemu:///system" cpu_mode=custom->host-model
// backup="/var/lib/..."`. Values are quoted; a quote, a backslash or a control character in
// them is escaped, so a domain name cannot forge a second entry. Pure.
std::string change_log_message(const ChangeRecord& change);

// Write change_log_message(change) to syslog (LOG_USER | LOG_NOTICE, identity "virt-nest",
// opened once per process). Never fails: a host without a syslog drops the entry.
void log_change(const ChangeRecord& change);

} // namespace virtnest
