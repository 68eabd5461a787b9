// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Confidential guests (AMD SEV, SEV-ES, SEV-SNP, Intel TDX, IBM Secure Execution) cannot
// nest: the hardware does not offer virtualization extensions inside an encrypted guest.

#include <optional>
#include <string>
#include <string_view>

namespace virtnest {

// Return why a guest with <launchSecurity type=TYPE> cannot nest, naming the technology
// ("it is a confidential guest (<launchSecurity type='sev'>, AMD SEV): ..."); nullopt when
// `launch_security_type` is empty (no <launchSecurity>). Unknown types are refused too.
std::optional<std::string> confidential_refusal(std::string_view launch_security_type);

} // namespace virtnest
