// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/live/nest_planner.hpp"

#include "virtnest/rewrite/auto_mode.hpp"
#include "virtnest/rewrite/confidential_guest.hpp"
#include "virtnest/rewrite/cpu_vendor.hpp"
#include "virtnest/util/error.hpp"
#include "virtnest/util/shell_quote.hpp"
#include "virtnest/util/text.hpp"

#include <algorithm>

namespace virtnest {
namespace {

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

std::optional<std::string> safety_refusal(const DomainFacts& facts, std::string_view uri) {
    const std::string& name = facts.cpu.name;
    const std::string virsh = with_connection("virsh", uri);
    if (!facts.persistent) {
        // --security-info: without it the dumped XML loses VNC/SPICE passwords.
        const std::string file = shell_quote(name + ".xml");
        return "transient domain: defining it would make it persistent; make it persistent "
               "yourself first (" +
               virsh + " dumpxml --security-info " + shell_quote(name) + " > " + file + " && " +
               virsh + " define " + file + ") or pass --force";
    }
    if (facts.managed_save) {
        return "managed-save image present: restoring it would bring back the old CPU; "
               "discard it with `" +
               virsh + " managedsave-remove " + shell_quote(name) +
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

namespace {

// Return the refusal of a host that offers no nesting; a warning under --force.
std::optional<Plan> refuse_without_nesting(Plan& plan, const DomainFacts& facts,
                                           const NestTarget& target, const NestOptions& options,
                                           const std::string& feature_name) {
    if (!target.verified || target.offers_nesting) {
        return std::nullopt;
    }
    std::string refusal = "this host offers no nesting for virt type " +
                          in_quotes(facts.cpu.caps_key.virt_type) +
                          ": libvirt's host-model CPU has no " + feature_name + "; run '" +
                          with_connection("virt-nest", options.uri) +
                          " check' on the host (and 'virt-nest host enable')";
    if (!options.force) {
        return skip(refusal);
    }
    plan.warnings.push_back("forced: " + refusal);
    return std::nullopt;
}

// Return true for an x86 domain (no arch: the host's), the only one that names vmx/svm.
bool is_x86(const DomainFacts& facts) {
    const std::string& arch = facts.cpu.caps_key.arch;
    return arch.empty() || arch == "x86_64" || arch == "i686";
}

// Return whether the host can run `model` with nesting as far as is known before libvirt
// compares: not when domain capabilities say usable='no' or libvirt already refused it.
bool model_usable(const std::string& model, const DomainFacts& facts, const NestTarget& target) {
    if (facts.model_refused) {
        return false;
    }
    auto listed = std::find_if(target.custom_models.begin(), target.custom_models.end(),
                               [&](const CustomModel& m) { return m.name == model; });
    return !(target.verified && listed != target.custom_models.end() && !listed->usable);
}

AutoModeFacts auto_facts(const DomainFacts& facts, const NestTarget& target,
                         const NestOptions& options) {
    AutoModeFacts out;
    out.mode = facts.cpu.mode;
    out.model = options.model ? *options.model : facts.cpu.model;
    out.model_usable = model_usable(out.model, facts, target);
    if (target.verified) {
        out.host_model_offers_feature = target.offers_nesting;
    }
    out.host_passthrough_supported = target.host_passthrough_supported;
    out.passthrough_migratable_offered = target.passthrough_migratable;
    out.host_model_name = target.host_model_name;
    return out;
}

// Choose the mode under --mode auto (choose_auto_mode); return the "already" plan for a
// domain that passes the feature as it is.
std::optional<Plan> plan_auto_mode(Plan& plan, const DomainFacts& facts, const NestTarget& target,
                                   const NestOptions& options, const std::string& feature_name) {
    const std::optional<NestFeature>& feature = plan.feature;
    const bool host_model_unverified = facts.cpu.mode == CpuMode::host_model && !target.verified;
    const bool passthrough_like =
        facts.cpu.mode == CpuMode::host_passthrough || facts.cpu.mode == CpuMode::maximum;
    const bool passes = feature ? passes_feature(facts.cpu, *feature, target.offers_nesting)
                                : passthrough_like && !facts.cpu.vmx && !facts.cpu.svm;
    if (!host_model_unverified && passes && !arch_blocks_nesting(facts.cpu)) {
        plan.action = PlanAction::already;
        plan.reason = "already nest-capable (" + std::string(to_string(facts.cpu.mode)) +
                      " passes " + (feature ? feature_name : "the host's vmx/svm") + ")";
        return plan;
    }
    AutoModeFacts auto_in = auto_facts(facts, target, options);
    if (!feature && is_x86(facts)) {
        // Nothing tells vmx from svm: the model cannot be given the feature, so keeping it
        // would only end in a refusal where host-passthrough nests.
        auto_in.model_usable = false;
    }
    AutoModeChoice choice = choose_auto_mode(auto_in);
    apply_auto_choice(choice, plan.request);
    plan.loses_migration = choice.loses_migration;
    if (choice.loses_migration) {
        plan.warnings.push_back(choice.note);
    }
    return std::nullopt;
}

// Pick the model of a custom-mode plan; return the refusal when there is no feature or model.
std::optional<Plan> choose_custom_model(Plan& plan, const DomainFacts& facts,
                                        const NestTarget& target, const NestOptions& options,
                                        const std::string& feature_name) {
    if (!plan.feature && is_x86(facts)) {
        return skip("cannot tell whether this domain needs vmx (Intel) or svm (AMD) in "
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
    return std::nullopt;
}

// Fill in the mode and model of an enable plan; return the plan when it ends here (already,
// or refused).
std::optional<Plan> plan_enable(Plan& plan, const DomainFacts& facts, const NestTarget& target,
                                const NestOptions& options) {
    const std::string feature_name =
        plan.feature ? std::string(to_string(*plan.feature)) : "vmx/svm";
    if (auto refused = refuse_without_nesting(plan, facts, target, options, feature_name)) {
        return refused;
    }
    if (options.baseline_cpu) {
        // The cluster's CPU decides model and features; rewrite_cpu says "already" when equal.
        plan.request.mode = CpuMode::custom;
        plan.request.baseline_cpu = options.baseline_cpu;
        return std::nullopt;
    }
    if (!options.mode) {
        // auto: leave a domain that already passes the feature alone.
        if (auto done = plan_auto_mode(plan, facts, target, options, feature_name)) {
            return done;
        }
    } else {
        plan.request.mode = options.mode;
    }
    if (plan.request.mode == CpuMode::custom) {
        return choose_custom_model(plan, facts, target, options, feature_name);
    }
    if (options.model) {
        plan.request.model = options.model;
    }
    return std::nullopt;
}

// Return the refusal of a confidential guest: the hardware cannot nest it, so --force does
// not apply.
std::optional<Plan> refuse_confidential(const Plan& plan, const DomainFacts& facts) {
    auto refusal = confidential_refusal(facts.cpu.launch_security);
    if (!refusal) {
        return std::nullopt;
    }
    Plan refused = skip(*refusal);
    refused.feature = plan.feature;
    return refused;
}

} // namespace

Plan plan_domain(const DomainFacts& facts, const NestTarget& target, const NestOptions& options) {
    const bool enable = options.nesting == Nesting::enable;
    Plan plan;
    plan.feature = feature_in_play(facts, target, options);
    plan.request.nesting = options.nesting;
    plan.request.feature = plan.feature; // unknown: the engine unblocks (or blocks) both
    plan.request.vendor = target.vendor;
    if (enable && !target.verified && !target.note.empty()) {
        plan.warnings.push_back(target.note); // disabling needs nothing from the host
    }
    if (enable) {
        if (auto refused = refuse_confidential(plan, facts)) {
            return *refused;
        }
        if (auto done = plan_enable(plan, facts, target, options)) {
            return *done;
        }
    } else {
        // Disable keeps mode and model unless asked; rewrite_cpu decides what changes.
        plan.request.mode = options.mode;
        plan.request.model = options.model;
    }
    plan.action = PlanAction::change;

    if (auto refusal = safety_refusal(facts, options.uri)) {
        if (!options.force) {
            Plan refused = skip(*refusal);
            refused.feature = plan.feature;
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
    std::string refusal = "CPU model " + in_quotes(model) + " is not usable on this host (" + why +
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

namespace {

Decision needs(Fact fact, std::string compare_cpu = {}) {
    Decision decision;
    decision.verdict = Verdict::needs;
    decision.needed = fact;
    decision.compare_cpu = std::move(compare_cpu);
    return decision;
}

Decision skipped(std::string reason, std::vector<std::string> warnings) {
    Decision decision;
    decision.verdict = Verdict::skip;
    decision.reason = std::move(reason);
    decision.warnings = std::move(warnings);
    return decision;
}

// An "already" domain that runs may still run the old CPU: say so, so a fleet run tells the
// operator which guests still need their cold boot.
Decision already(const DomainRead& domain, const Answers& answers, std::string reason,
                 std::vector<std::string> warnings) {
    if (is_active(domain.state) && !answers.live_cpu) {
        return needs(Fact::live_cpu);
    }
    Decision decision;
    decision.verdict = Verdict::already;
    decision.reason = std::move(reason);
    decision.warnings = std::move(warnings);
    if (is_active(domain.state) && restart_pending(domain.cpu, *answers.live_cpu)) {
        decision.restart_required = true;
        decision.reason += "; the running guest still has its old CPU";
    }
    return decision;
}

std::string feature_text(const std::optional<NestFeature>& feature) {
    return feature ? std::string(to_string(*feature)) : std::string("vmx/svm");
}

std::string snapshot_warning(int count) {
    return "has " + std::to_string(count) + (count == 1 ? " snapshot" : " snapshots") +
           ": reverting to one restores the CPU it was taken with";
}

std::string already_reason(const Plan& plan, Nesting nesting) {
    return nesting == Nesting::enable
               ? "already nest-capable (" + feature_text(plan.feature) + " passed to the guest)"
               : "already without nesting (" + feature_text(plan.feature) +
                     " not passed to the guest)";
}

// Apply the refusals that need libvirt's answers to a plan whose rewrite changes something:
// a managed-save image, then a custom model the host cannot run. Return the decision when
// it ends here (a refusal or a fact to fetch).
std::optional<Decision> refuse_with_answers(Plan& plan, const DomainRead& domain, DomainFacts facts,
                                            const Answers& answers, const NestOptions& options,
                                            const std::vector<std::string>& warnings) {
    // A managed-save image can only exist for a domain that is not running.
    if (domain.persistent && !is_active(domain.state)) {
        if (!answers.managed_save) {
            return needs(Fact::managed_save);
        }
        if (*answers.managed_save) {
            facts.managed_save = true;
            plan = plan_domain(facts, *answers.target, options);
            if (plan.action == PlanAction::skip) {
                return skipped(plan.reason, warnings);
            }
        }
    }
    // A baseline was compared with every host before any domain was read.
    if (options.nesting == Nesting::enable && plan.request.mode == CpuMode::custom &&
        !plan.request.baseline_cpu && plan.feature && answers.target->verified) {
        if (!answers.compat) {
            return needs(Fact::cpu_compat, custom_cpu_xml(*plan.request.model, *plan.feature));
        }
        plan = check_model_usable(std::move(plan), *answers.target, *answers.compat, options.force);
        if (plan.action == PlanAction::skip) {
            return skipped(plan.reason, warnings);
        }
    }
    return std::nullopt;
}

// Under --mode auto the comparison asked for is the one of the domain's own custom model
// (auto keeps it): an incompatible answer means auto must not keep it.
bool auto_model_refused(const DomainRead& domain, const Answers& answers,
                        const NestOptions& options) {
    return options.nesting == Nesting::enable && !options.mode &&
           domain.cpu.mode == CpuMode::custom && answers.compat &&
           *answers.compat == CpuCompat::incompatible;
}

} // namespace

Decision decide(const DomainRead& domain, const Answers& answers, const NestOptions& options) {
    if (answers.target == nullptr) {
        return needs(Fact::nest_target);
    }
    DomainFacts facts{domain.cpu, domain.state, domain.persistent, false};
    facts.model_refused = auto_model_refused(domain, answers, options);
    Plan plan = plan_domain(facts, *answers.target, options);
    const std::vector<std::string> warnings = plan.warnings;
    if (plan.action == PlanAction::already) {
        return already(domain, answers, plan.reason, warnings);
    }
    // A transient domain is refused only when something would change.
    const bool safety_skip = plan.action == PlanAction::skip &&
                             safety_refusal(facts, options.uri) == std::optional(plan.reason);
    if (plan.action == PlanAction::skip && !safety_skip) {
        return skipped(plan.reason, warnings);
    }
    RewriteResult rewritten;
    try {
        rewritten = rewrite_cpu(domain.xml, plan.request);
    } catch (const Error& e) {
        return skipped(std::string("cannot rewrite the <cpu>: ") + e.what(), warnings);
    }
    if (!rewritten.changed) {
        std::vector<std::string> all = warnings;
        all.insert(all.end(), rewritten.warnings.begin(), rewritten.warnings.end());
        return already(domain, answers, already_reason(plan, options.nesting), std::move(all));
    }
    if (safety_skip) {
        return skipped(plan.reason, warnings);
    }
    if (auto refused = refuse_with_answers(plan, domain, facts, answers, options, warnings)) {
        return *refused;
    }
    if (!answers.snapshots) {
        return needs(Fact::snapshots);
    }
    Decision change;
    change.verdict = Verdict::change;
    change.warnings = plan.warnings;
    change.warnings.insert(change.warnings.end(), rewritten.warnings.begin(),
                           rewritten.warnings.end());
    if (*answers.snapshots > 0) {
        change.warnings.push_back(snapshot_warning(*answers.snapshots));
    }
    change.restart_required = is_active(domain.state);
    change.plan = std::move(plan);
    change.new_xml = std::move(rewritten.xml);
    change.changes = std::move(rewritten.changes);
    return change;
}

} // namespace virtnest
