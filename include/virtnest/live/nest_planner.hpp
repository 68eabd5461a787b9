#pragma once

// Decide, per domain, what `enable`/`disable` should do: change it (with which rewrite
// request), leave it (already in the requested state), or skip it with the reason and the
// remedy. Pure: facts in, a plan out; the caller runs the rewrite and talks to libvirt.

#include "virtnest/libvirt/domain_types.hpp"
#include "virtnest/live/cpu_inspect.hpp"
#include "virtnest/live/nest_target.hpp"
#include "virtnest/rewrite/cpu_rewrite.hpp"

#include <optional>
#include <string>
#include <vector>

namespace virtnest {

// What the operator asked of `enable`/`disable`.
struct NestOptions {
    Nesting nesting = Nesting::enable;
    std::optional<CpuMode> mode;        // nullopt: auto
    std::optional<std::string> model;   // --model
    std::optional<NestFeature> feature; // nullopt: auto
    bool force = false;                 // --force: turn refusals into warnings
};

// What the planner knows of one domain.
struct DomainFacts {
    CpuFacts cpu; // from the inactive XML
    DomainState state = DomainState::shut_off;
    bool persistent = true;
    bool managed_save = false; // only meaningful when checked (shut-off domains)
};

// The planner's verdict for one domain.
enum class PlanAction { change, already, skip };

// A plan for one domain.
struct Plan {
    PlanAction action = PlanAction::skip;
    RewriteRequest request;             // for change: what to ask of rewrite_cpu
    std::optional<NestFeature> feature; // the feature in play; nullopt: unknown (both)
    std::string reason;                 // skip: why and the remedy; already: what it is
    std::vector<std::string> warnings;  // forced refusals, unverified host, ...
};

// Return true when a domain in `state` runs, so a new CPU waits for a cold boot.
bool is_active(DomainState state) noexcept;

// Return the feature in play for a domain: --feature, else the host's vendor, else the
// vendor of the (asked or configured) model or <vendor>, else the one vmx/svm the config
// names; nullopt when none tells.
std::optional<NestFeature> feature_in_play(const DomainFacts& facts, const NestTarget& target,
                                           const NestOptions& options);

// Return why redefining this domain is unsafe (transient, managed-save image) with the
// remedy; nullopt when it is safe.
std::optional<std::string> safety_refusal(const DomainFacts& facts);

// Return the plan for one domain. The rewrite itself is the caller's: when rewrite_cpu
// reports no change, the domain is "already" after all.
Plan plan_domain(const DomainFacts& facts, const NestTarget& target, const NestOptions& options);

// Return the plan with a refusal applied for a custom model the host cannot run (domain
// capabilities say usable='no', or libvirt's comparison says incompatible); unchanged
// otherwise. `compat` is nullopt when libvirt could not compare.
Plan check_model_usable(Plan plan, const NestTarget& target, std::optional<CpuCompat> compat,
                        bool force);

// Return the <cpu> document to compare on the hypervisor for a custom-mode plan: the model
// with the nesting feature required.
std::string custom_cpu_xml(const std::string& model, NestFeature feature);

} // namespace virtnest
