#include "virtnest/live/nest_planner.hpp"

#include "virtnest/rewrite/cpu_vendor.hpp"
#include "virtnest/util/shell_quote.hpp"

#include <algorithm>

namespace virtnest {
namespace {

std::string quoted(const std::string& text) { return "\"" + text + "\""; }

Plan skip(std::string reason) {
    Plan plan;
    plan.action = PlanAction::skip;
    plan.reason = std::move(reason);
    return plan;
}

} // namespace

std::optional<NestFeature> feature_in_play(const DomainFacts& facts, const NestTarget& target,
                                           const NestOptions& options) {
    if (options.feature) {
        return options.feature;
    }
    if (auto feature = target.feature()) {
        return feature;
    }
    const std::string& model = options.model ? *options.model : facts.cpu.model;
    if (auto vendor = vendor_of_model(model)) {
        return feature_for(*vendor);
    }
    if (auto vendor = parse_vendor(facts.cpu.vendor)) {
        return feature_for(*vendor);
    }
    if (facts.cpu.vmx && !facts.cpu.svm) {
        return NestFeature::vmx;
    }
    if (facts.cpu.svm && !facts.cpu.vmx) {
        return NestFeature::svm;
    }
    return std::nullopt;
}

std::optional<std::string> safety_refusal(const DomainFacts& facts) {
    const std::string& name = facts.cpu.name;
    if (!facts.persistent) {
        // --security-info: without it the dumped XML loses VNC/SPICE passwords.
        const std::string file = shell_quote(name + ".xml");
        return "transient domain: defining it would make it persistent; make it persistent "
               "yourself first (virsh dumpxml --security-info " +
               shell_quote(name) + " > " + file + " && virsh define " + file + ") or pass --force";
    }
    if (facts.managed_save) {
        return "managed-save image present: restoring it would bring back the old CPU; "
               "discard it with `virsh managedsave-remove " +
               shell_quote(name) +
               "` (the saved guest state is lost) or start and shut down the domain, or pass "
               "--force";
    }
    return std::nullopt;
}

bool is_active(DomainState state) noexcept {
    return state != DomainState::shut_off && state != DomainState::crashed &&
           state != DomainState::no_state;
}

std::string custom_cpu_xml(const std::string& model, NestFeature feature) {
    return "<cpu mode='custom' match='exact'><model fallback='forbid'>" + model +
           "</model><feature policy='require' name='" + std::string(to_string(feature)) +
           "'/></cpu>";
}

Plan plan_domain(const DomainFacts& facts, const NestTarget& target, const NestOptions& options) {
    const bool enable = options.nesting == Nesting::enable;
    const std::optional<NestFeature> feature = feature_in_play(facts, target, options);
    const std::string feature_name = feature ? std::string(to_string(*feature)) : "vmx/svm";

    Plan plan;
    plan.feature = feature;
    plan.request.nesting = options.nesting;
    plan.request.feature = feature; // unknown: the engine unblocks (or blocks) both
    plan.request.vendor = target.vendor;
    if (enable && !target.verified && !target.note.empty()) {
        plan.warnings.push_back(target.note); // disabling needs nothing from the host
    }

    if (enable) {
        if (target.verified && !target.offers_nesting) {
            std::string refusal =
                "this host offers no nesting for virt type " +
                quoted(facts.cpu.caps_key.virt_type) + ": libvirt's host-model CPU has no " +
                feature_name + "; run 'virt-nest check' on the host (and 'virt-nest host enable')";
            if (!options.force) {
                return skip(refusal);
            }
            plan.warnings.push_back("forced: " + refusal);
        }
        if (!options.mode) {
            // auto: leave a domain that already passes the feature alone.
            const bool host_model_unverified =
                facts.cpu.mode == CpuMode::host_model && !target.verified;
            const bool passthrough_like =
                facts.cpu.mode == CpuMode::host_passthrough || facts.cpu.mode == CpuMode::maximum;
            const bool passes = feature ? passes_feature(facts.cpu, *feature, target.offers_nesting)
                                        : passthrough_like && !facts.cpu.vmx && !facts.cpu.svm;
            if (!host_model_unverified && passes) {
                plan.action = PlanAction::already;
                plan.reason = "already nest-capable (" + std::string(to_string(facts.cpu.mode)) +
                              " passes " + (feature ? feature_name : "the host's vmx/svm") + ")";
                return plan;
            }
            if (host_model_unverified) {
                plan.request.mode = CpuMode::host_model; // unblock, keep the mode
            } else if (target.host_passthrough_supported) {
                plan.request.mode = CpuMode::host_passthrough;
            } else {
                plan.request.mode = CpuMode::custom;
            }
        } else {
            plan.request.mode = options.mode;
        }
        if (plan.request.mode == CpuMode::custom) {
            if (!feature) {
                return skip(
                    "cannot tell whether this domain needs vmx (Intel) or svm (AMD) in "
                    "custom mode: " +
                    std::string(k_unverified_note) +
                    " and no CPU model or vendor says; pass --feature vmx or --feature svm");
            }
            std::string model = options.model ? *options.model : facts.cpu.model;
            if (model.empty()) {
                model = target.host_model_name;
            }
            if (model.empty()) {
                return skip("no CPU model to pair with " + feature_name +
                            " in custom mode: pass --model NAME or --mode host-passthrough");
            }
            plan.request.model = model;
        } else if (options.model) {
            plan.request.model = options.model;
        }
    }
    if (!enable) {
        // Disable keeps mode and model unless asked; rewrite_cpu decides what changes.
        plan.request.mode = options.mode;
        plan.request.model = options.model;
    }
    plan.action = PlanAction::change;

    if (auto refusal = safety_refusal(facts)) {
        if (!options.force) {
            Plan refused = skip(*refusal);
            refused.feature = feature;
            refused.request = plan.request;
            return refused;
        }
        plan.warnings.push_back("forced: " + *refusal);
    }
    return plan;
}

Plan check_model_usable(Plan plan, const NestTarget& target, std::optional<CpuCompat> compat,
                        bool force) {
    if (plan.action != PlanAction::change || plan.request.mode != CpuMode::custom ||
        !plan.request.model) {
        return plan;
    }
    const std::string& model = *plan.request.model;
    std::string why;
    auto listed = std::find_if(target.custom_models.begin(), target.custom_models.end(),
                               [&](const CustomModel& m) { return m.name == model; });
    if (target.verified && listed != target.custom_models.end() && !listed->usable) {
        why = "domain capabilities say usable='no'";
    } else if (compat == CpuCompat::incompatible) {
        why = "libvirt finds it incompatible with this host with " +
              std::string(to_string(plan.feature.value_or(NestFeature::vmx))) + " required";
    }
    if (why.empty()) {
        return plan;
    }
    std::string refusal = "CPU model " + quoted(model) + " is not usable on this host (" + why +
                          "): choose another with --model NAME or use --mode host-model";
    if (force) {
        plan.warnings.push_back("forced: " + refusal);
        return plan;
    }
    Plan refused = skip(refusal);
    refused.feature = plan.feature;
    refused.request = plan.request;
    return refused;
}

} // namespace virtnest
