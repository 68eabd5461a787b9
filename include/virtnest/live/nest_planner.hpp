// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Decide, per domain, what `enable`/`disable` should do: change it (with the new XML),
// leave it (already in the requested state), skip it with the reason and the remedy, or ask
// for one more fact from libvirt first. Pure: facts and answers in, a decision out; the
// caller fetches what is needed and asks again (see decide()).

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
    std::string uri; // the URI -c named, carried by remedies; empty when none was given
    // --mode baseline: the cluster's <cpu> (with nesting), given to every selected domain.
    std::optional<std::string> baseline_cpu;
};

// What the planner knows of one domain.
struct DomainFacts {
    CpuFacts cpu; // from the inactive XML
    DomainState state = DomainState::shut_off;
    bool persistent = true;
    bool managed_save = false; // only meaningful when checked (shut-off domains)
    // --mode auto: libvirt finds the domain's custom model incompatible with this host once
    // the nesting feature is required, so auto mode must not keep it.
    bool model_refused = false;
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
    bool loses_migration = false;       // auto mode made it host-passthrough (see auto_mode)
};

// Return true when a domain in `state` runs, so a new CPU waits for a cold boot.
bool is_active(DomainState state) noexcept;

// Return the feature in play for a domain: --feature, else the host's vendor, else the
// vendor of the (asked or configured) model or <vendor>, else the one vmx/svm the config
// names; nullopt when none tells.
std::optional<NestFeature> feature_in_play(const DomainFacts& facts, const NestTarget& target,
                                           const NestOptions& options);

// Return why redefining this domain is unsafe (transient, managed-save image) with the
// remedy, whose virsh commands carry `-c uri` when `uri` is given; nullopt when it is safe.
std::optional<std::string> safety_refusal(const DomainFacts& facts, std::string_view uri = {});

// Return the plan for one domain. A confidential guest is refused first, even under --force
// (the hardware cannot nest it). `--mode auto` makes the smallest change that nests
// (choose_auto_mode): a custom model the host can run is kept, a host-model domain stays
// host-model when the host's host-model carries the feature, else host-passthrough. The
// rewrite itself is the caller's: when rewrite_cpu reports no change, the domain is
// "already" after all.
Plan plan_domain(const DomainFacts& facts, const NestTarget& target, const NestOptions& options);

// Return the plan with a refusal applied for a custom model the host cannot run (domain
// capabilities say usable='no', or libvirt's comparison says incompatible); unchanged
// otherwise. `compat` is nullopt when libvirt could not compare.
Plan check_model_usable(Plan plan, const NestTarget& target, std::optional<CpuCompat> compat,
                        bool force);

// Return the <cpu> document to compare on the hypervisor for a custom-mode plan: the model
// with the nesting feature required.
std::string custom_cpu_xml(const std::string& model, NestFeature feature);

// One domain as enable/disable read it: its persistent definition and what the listing said.
struct DomainRead {
    std::string xml; // the inactive secure XML
    CpuFacts cpu;    // inspect_cpu(xml)
    DomainState state = DomainState::shut_off;
    bool persistent = true;
};

// A fact decide() may need from libvirt before it can decide.
enum class Fact {
    nest_target,  // the NestTarget of the domain's CapsKey
    managed_save, // whether the domain has a managed-save image
    cpu_compat,   // libvirt's comparison of Decision::compare_cpu under the domain's CapsKey
    snapshots,    // how many snapshots the domain has
    live_cpu,     // the CPU of the running definition (is a cold boot still pending?)
};

// What libvirt answered so far for one domain; an empty member was not asked yet.
struct Answers {
    const NestTarget* target = nullptr; // not owned; must outlive the decision
    std::optional<bool> managed_save;
    std::optional<std::optional<CpuCompat>> compat; // inner nullopt: libvirt cannot compare
    std::optional<int> snapshots;
    std::optional<CpuFacts> live_cpu;
};

// The kinds of decision.
enum class Verdict { already, skip, change, needs };

// What to do with one domain.
struct Decision {
    Verdict verdict = Verdict::skip;
    Fact needed = Fact::nest_target; // needs: the fact to fetch before deciding again
    std::string compare_cpu;         // needs cpu_compat: the <cpu> document to compare
    std::string reason;              // skip: why and the remedy; already: what it is
    std::vector<std::string> warnings;
    bool restart_required = false;    // change: applies after a cold boot; already: the running
                                      // guest still has its old CPU
    Plan plan;                        // change: the plan behind it (to verify what is defined)
    std::string new_xml;              // change: the definition to define
    std::vector<std::string> changes; // change: one line per change of the <cpu>
};

// Return what to do with `domain`, or which fact to fetch first. The rules, in order: a
// confidential guest is refused for enable, whatever --force says; a domain that already is
// as asked is "already", even when it would be refused (an s390x domain with sief2 disabled
// is not); under --mode auto a custom model libvirt finds incompatible is planned again as
// if it could not be kept (host-passthrough where offered); a refusal
// (host, mode, model, transient, managed-save image, unusable model) skips it unless
// --force makes it a warning; a snapshot count adds a warning; a running domain's change
// waits for a cold boot. Facts are asked only when a rule needs them.
Decision decide(const DomainRead& domain, const Answers& answers, const NestOptions& options);

} // namespace virtnest
