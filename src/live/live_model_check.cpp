// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/live/live_model_check.hpp"

#include "virtnest/libvirt/domain_caps.hpp"
#include "virtnest/util/error.hpp"
#include "virtnest/util/name_suggest.hpp"

#include <algorithm>
#include <string_view>

namespace virtnest {

std::optional<std::string> unknown_model_reason(const std::string& model, const std::string& arch,
                                                const std::string& uri,
                                                const std::vector<std::string>& known) {
    if (std::find(known.begin(), known.end(), model) != known.end()) {
        return std::nullopt;
    }
    std::vector<std::string_view> candidates(known.begin(), known.end());
    std::string host =
        uri.empty() ? std::string("libvirt's default connection") : "\"" + uri + "\"";
    return "unknown CPU model \"" + model + "\": libvirt on " + host + " knows no such " + arch +
           " model" + did_you_mean(model, candidates);
}

void require_known_model(const Connection& conn, const std::string& model) {
    const std::string arch = host_arch_from_capabilities(conn.capabilities());
    if (arch.empty()) {
        return;
    }
    std::optional<std::vector<std::string>> known = conn.cpu_model_names(arch);
    if (!known || known->empty()) {
        return;
    }
    if (auto reason = unknown_model_reason(model, arch, conn.uri(), *known)) {
        throw Error(*reason, ExitCode::usage);
    }
}

} // namespace virtnest
