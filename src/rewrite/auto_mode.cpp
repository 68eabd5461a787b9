// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/rewrite/auto_mode.hpp"

#include "virtnest/util/text.hpp"

namespace virtnest {
namespace {

AutoModeChoice passthrough(const AutoModeFacts& facts, const std::string& why) {
    AutoModeChoice choice;
    choice.mode = CpuMode::host_passthrough;
    choice.migratable = facts.passthrough_migratable_offered;
    choice.loses_migration =
        facts.mode != CpuMode::host_passthrough && facts.mode != CpuMode::maximum;
    choice.note = "host-passthrough (" + why +
                  "): live migration now needs hosts with identical CPUs, microcode and "
                  "kernel; for a cluster use 'virt-nest baseline' and custom mode";
    return choice;
}

} // namespace

AutoModeChoice choose_auto_mode(const AutoModeFacts& facts) {
    AutoModeChoice choice;
    if (facts.mode == CpuMode::custom && !facts.model.empty()) {
        if (facts.model_usable) {
            choice.mode = CpuMode::custom;
            choice.model = facts.model;
            choice.require_paging = true;
            choice.note = "kept CPU model " + in_quotes(facts.model) +
                          " and required the nesting feature: live migration keeps working "
                          "between hosts that run this model";
            return choice;
        }
        if (facts.host_passthrough_supported) {
            return passthrough(facts, "CPU model " + in_quotes(facts.model) +
                                          " cannot run on this host with nesting");
        }
    }
    if (facts.mode == CpuMode::host_model && facts.host_model_offers_feature.value_or(true)) {
        choice.mode = CpuMode::host_model;
        choice.note = facts.host_model_offers_feature
                          ? "stays host-model: this host's host-model CPU carries the nesting "
                            "feature"
                          : "stays host-model: this host's host-model CPU could not be checked";
        return choice;
    }
    if (facts.host_passthrough_supported) {
        std::string why = facts.mode == CpuMode::host_model
                              ? "this host's host-model CPU lacks the nesting feature"
                              : "the domain names no CPU model to keep";
        return passthrough(facts, why);
    }
    choice.mode = CpuMode::custom;
    choice.require_paging = true;
    std::string model = facts.model.empty() ? facts.host_model_name : facts.model;
    if (!model.empty()) {
        choice.model = model;
    }
    choice.note = "custom: this hypervisor offers no host-passthrough";
    return choice;
}

void apply_auto_choice(const AutoModeChoice& choice, RewriteRequest& request) {
    request.mode = choice.mode;
    if (choice.model) {
        request.model = choice.model;
    }
    request.require_paging = choice.require_paging;
    request.migratable = choice.migratable;
}

std::optional<std::string> migration_summary(std::size_t count) {
    if (count == 0) {
        return std::nullopt;
    }
    std::string domains = count == 1 ? "1 domain" : std::to_string(count) + " domains";
    return domains + " became host-passthrough and lost live migration between hosts that are "
                     "not identical; see docs/choosing-a-mode.md";
}

} // namespace virtnest
