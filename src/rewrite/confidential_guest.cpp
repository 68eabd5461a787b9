// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/rewrite/confidential_guest.hpp"

namespace virtnest {
namespace {

std::string_view technology(std::string_view type) {
    if (type == "sev") {
        return "AMD SEV";
    }
    if (type == "sev-snp") {
        return "AMD SEV-SNP";
    }
    if (type == "tdx") {
        return "Intel TDX";
    }
    if (type == "s390-pv") {
        return "IBM Secure Execution";
    }
    return "memory encryption";
}

} // namespace

std::optional<std::string> confidential_refusal(std::string_view launch_security_type) {
    if (launch_security_type.empty()) {
        return std::nullopt;
    }
    return "it is a confidential guest (<launchSecurity type='" +
           std::string(launch_security_type) + "'>, " +
           std::string(technology(launch_security_type)) +
           "): the hardware does not offer nested virtualization to such guests, so no option "
           "changes this";
}

} // namespace virtnest
