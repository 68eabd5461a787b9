// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/live/nest_planner.hpp"

#include "virtnest/live/cpu_inspect.hpp"

#include <catch2/catch.hpp>

using namespace virtnest;

namespace {

DomainFacts facts_for(CpuMode mode, const std::string& model = {},
                      const std::string& type = "kvm") {
    DomainFacts facts;
    facts.cpu.name = "web-1";
    facts.cpu.mode = mode;
    facts.cpu.model = model;
    facts.cpu.caps_key.virt_type = type;
    return facts;
}

// The note auto mode adds when a domain without a model to keep becomes host-passthrough.
const std::string k_lost_migration_note =
    "host-passthrough (the domain names no CPU model to keep): live migration now needs hosts "
    "with identical CPUs, microcode and kernel; for a cluster use 'virt-nest baseline' and "
    "custom mode";

NestTarget verified(Vendor vendor, bool offers, bool passthrough = true) {
    NestTarget target;
    target.verified = true;
    target.vendor = vendor;
    target.offers_nesting = offers;
    target.host_passthrough_supported = passthrough;
    target.host_model_name = vendor == Vendor::amd ? "EPYC" : "Skylake-Client";
    return target;
}

} // namespace

TEST_CASE("nest_planner: auto mode on a verified host", "[nest_planner]") {
    NestOptions options;
    SECTION("no <cpu> on a KVM Intel host goes host-passthrough with vmx") {
        Plan plan = plan_domain(facts_for(CpuMode::none), verified(Vendor::intel, true), options);
        REQUIRE(plan.action == PlanAction::change);
        REQUIRE(plan.request.mode == CpuMode::host_passthrough);
        REQUIRE(plan.request.feature == NestFeature::vmx);
        // Auto mode says what host-passthrough costs, and the summary counts it.
        REQUIRE(plan.loses_migration);
        REQUIRE(plan.warnings == std::vector<std::string>{k_lost_migration_note});
    }
    SECTION("host-passthrough already passes what the host offers") {
        Plan plan = plan_domain(facts_for(CpuMode::host_passthrough), verified(Vendor::intel, true),
                                options);
        REQUIRE(plan.action == PlanAction::already);
        REQUIRE(plan.reason == "already nest-capable (host-passthrough passes vmx)");
    }
    SECTION("TCG has no host-passthrough: custom with the host-model's model and svm") {
        Plan plan = plan_domain(facts_for(CpuMode::none, "", "qemu"),
                                verified(Vendor::amd, true, false), options);
        REQUIRE(plan.action == PlanAction::change);
        REQUIRE(plan.request.mode == CpuMode::custom);
        REQUIRE(plan.request.model == std::optional<std::string>("EPYC"));
        REQUIRE(plan.request.feature == NestFeature::svm);
    }
    SECTION("a custom domain keeps its own model where passthrough is missing") {
        Plan plan = plan_domain(facts_for(CpuMode::custom, "qemu64", "qemu"),
                                verified(Vendor::amd, true, false), options);
        REQUIRE(plan.request.model == std::optional<std::string>("qemu64"));
    }
}

TEST_CASE("nest_planner: refusals carry reason and remedy", "[nest_planner]") {
    NestOptions options;
    SECTION("host without nesting") {
        Plan plan = plan_domain(facts_for(CpuMode::none), verified(Vendor::intel, false), options);
        REQUIRE(plan.action == PlanAction::skip);
        REQUIRE(
            plan.reason ==
            "this host offers no nesting for virt type \"kvm\": libvirt's host-model CPU has no "
            "vmx; run 'virt-nest check' on the host (and 'virt-nest host enable')");
        options.force = true;
        Plan forced =
            plan_domain(facts_for(CpuMode::none), verified(Vendor::intel, false), options);
        REQUIRE(forced.action == PlanAction::change);
        REQUIRE(forced.warnings.size() == 2);
        REQUIRE_THAT(forced.warnings[0],
                     Catch::Matchers::StartsWith("forced: this host offers no nesting"));
        REQUIRE(forced.warnings[1] == k_lost_migration_note);
    }
    SECTION("transient domain") {
        DomainFacts facts = facts_for(CpuMode::none);
        facts.persistent = false;
        Plan plan = plan_domain(facts, verified(Vendor::intel, true), options);
        REQUIRE(plan.action == PlanAction::skip);
        REQUIRE_THAT(plan.reason, Catch::Matchers::StartsWith(
                                      "transient domain: defining it would make it persistent"));
    }
    SECTION("managed-save image") {
        DomainFacts facts = facts_for(CpuMode::none);
        facts.managed_save = true;
        Plan plan = plan_domain(facts, verified(Vendor::intel, true), options);
        REQUIRE(plan.action == PlanAction::skip);
        REQUIRE(plan.reason ==
                "managed-save image present: restoring it would bring back the old CPU; discard "
                "it with `virsh managedsave-remove web-1` (the saved guest state is lost) or start "
                "and shut down the domain, or pass --force");
    }
    SECTION("custom model unusable on this host") {
        NestTarget target = verified(Vendor::intel, true, false);
        target.custom_models = {{"Skylake-Client", false, "Intel"}};
        Plan plan = plan_domain(facts_for(CpuMode::custom, "Skylake-Client"), target, options);
        REQUIRE(plan.action == PlanAction::change);
        Plan checked = check_model_usable(plan, target, CpuCompat::superset, false);
        REQUIRE(checked.action == PlanAction::skip);
        REQUIRE(checked.reason ==
                "CPU model \"Skylake-Client\" is not usable on this host (domain capabilities say "
                "usable='no'): choose another with --model NAME or use --mode host-model");
        target.custom_models = {{"Skylake-Client", true, "Intel"}};
        REQUIRE(check_model_usable(plan, target, CpuCompat::incompatible, false).action ==
                PlanAction::skip);
        REQUIRE(check_model_usable(plan, target, CpuCompat::identical, false).action ==
                PlanAction::change);
    }
}

TEST_CASE("nest_planner: unverified hosts fall back and warn", "[nest_planner]") {
    NestOptions options;
    SECTION("no vendor: host-passthrough needs no feature name") {
        Plan plan = plan_domain(facts_for(CpuMode::none, "", "test"),
                                fallback_target("test", std::nullopt), options);
        REQUIRE(plan.action == PlanAction::change);
        REQUIRE(plan.request.mode == CpuMode::host_passthrough);
        REQUIRE_FALSE(plan.request.feature.has_value());
    }
    SECTION("no vendor under TCG: custom mode needs --feature") {
        Plan plan = plan_domain(facts_for(CpuMode::none, "", "qemu"),
                                fallback_target("qemu", std::nullopt), options);
        REQUIRE(plan.action == PlanAction::skip);
        REQUIRE(plan.reason ==
                "cannot tell whether this domain needs vmx (Intel) or svm (AMD) in custom mode: "
                "host nesting support could not be verified and no CPU model or vendor says; pass "
                "--feature vmx or --feature svm");
    }
    SECTION("no vendor: host-passthrough without blocks is already nest-capable") {
        Plan plan = plan_domain(facts_for(CpuMode::host_passthrough, "", "test"),
                                fallback_target("test", std::nullopt), options);
        REQUIRE(plan.action == PlanAction::already);
        REQUIRE(plan.reason == "already nest-capable (host-passthrough passes the host's vmx/svm)");
    }
    SECTION("--feature decides; the warning stays") {
        options.feature = NestFeature::svm;
        Plan plan = plan_domain(facts_for(CpuMode::none, "", "test"),
                                fallback_target("test", std::nullopt), options);
        REQUIRE(plan.action == PlanAction::change);
        REQUIRE(plan.request.mode == CpuMode::host_passthrough);
        REQUIRE(plan.warnings ==
                std::vector<std::string>{"host nesting support could not be verified (the driver "
                                         "reports no domain capabilities)",
                                         k_lost_migration_note});
    }
    SECTION("host-model is made explicit instead of assumed") {
        Plan plan = plan_domain(facts_for(CpuMode::host_model, "", "test"),
                                fallback_target("test", Vendor::intel), options);
        REQUIRE(plan.action == PlanAction::change);
        REQUIRE(plan.request.mode == CpuMode::host_model);
        REQUIRE(plan.request.feature == NestFeature::vmx);
    }
}

TEST_CASE("nest_planner: disable keeps mode and model", "[nest_planner]") {
    NestOptions options;
    options.nesting = Nesting::disable;
    Plan plan =
        plan_domain(facts_for(CpuMode::host_passthrough), verified(Vendor::amd, true), options);
    REQUIRE(plan.action == PlanAction::change);
    REQUIRE_FALSE(plan.request.mode.has_value());
    REQUIRE(plan.request.nesting == Nesting::disable);
    REQUIRE(plan.request.feature == NestFeature::svm);
    SECTION("an unknown vendor leaves the feature to the engine (it blocks both)") {
        Plan unknown = plan_domain(facts_for(CpuMode::host_passthrough, "", "test"),
                                   fallback_target("test", std::nullopt), options);
        REQUIRE(unknown.action == PlanAction::change);
        REQUIRE_FALSE(unknown.request.feature.has_value());
    }
}

TEST_CASE("nest_planner: activity", "[nest_planner]") {
    REQUIRE(is_active(DomainState::running));
    REQUIRE(is_active(DomainState::paused));
    REQUIRE_FALSE(is_active(DomainState::shut_off));
}

// ---- decide(): the whole decision, with the facts it asks for ----

namespace {

// What libvirt would answer about one domain.
struct World {
    NestTarget target;
    bool managed_save = false;
    std::optional<CpuCompat> compat = CpuCompat::superset;
    int snapshots = 0;
    std::string live_cpu = "<cpu mode='host-passthrough'/>";
    // The <cpu> document decide() is expected to compare.
    std::string compare_cpu = "<cpu mode='custom' match='exact'><model fallback='forbid'>"
                              "Skylake-Client</model><feature policy='require' name='vmx'/></cpu>";
};

const char* const k_uuid = "6695eb01-f6a4-8304-79aa-97f2502e193f";

std::string domain_xml(const std::string& cpu, const std::string& type = "kvm",
                       const std::string& arch = "x86_64") {
    return "<domain type='" + type + "'><name>web-1</name><uuid>" + k_uuid +
           "</uuid><memory unit='KiB'>65536</memory><os><type arch='" + arch + "' machine='" +
           (arch.starts_with("ppc") ? "pseries" : "pc") + "'>hvm</type></os>" + cpu + "</domain>";
}

DomainRead read_of(const std::string& cpu, DomainState state = DomainState::shut_off,
                   bool persistent = true, const std::string& arch = "x86_64") {
    DomainRead read;
    read.xml = domain_xml(cpu, "kvm", arch);
    read.cpu = inspect_cpu(read.xml);
    read.state = state;
    read.persistent = persistent;
    return read;
}

// Return the final decision, answering each fact from `world` as the shell would, and
// record the facts asked, in order.
Decision decide_in(const DomainRead& read, const World& world, const NestOptions& options,
                   std::vector<Fact>& asked) {
    Answers answers;
    for (int round = 0; round < 8; ++round) {
        Decision decision = decide(read, answers, options);
        if (decision.verdict != Verdict::needs) {
            return decision;
        }
        asked.push_back(decision.needed);
        switch (decision.needed) {
        case Fact::nest_target: answers.target = &world.target; break;
        case Fact::managed_save: answers.managed_save = world.managed_save; break;
        case Fact::cpu_compat:
            REQUIRE(decision.compare_cpu == world.compare_cpu);
            answers.compat = world.compat;
            break;
        case Fact::snapshots: answers.snapshots = world.snapshots; break;
        case Fact::live_cpu: answers.live_cpu = inspect_cpu(domain_xml(world.live_cpu)); break;
        }
    }
    FAIL("decide() kept asking: " << asked.size() << " facts");
    return {};
}

const std::string k_transient_reason_start =
    "transient domain: defining it would make it persistent";

} // namespace

TEST_CASE("nest_planner: decide asks for the nest target first", "[nest_planner]") {
    const Decision first = decide(read_of(""), Answers{}, NestOptions{});
    REQUIRE(first.verdict == Verdict::needs);
    REQUIRE(first.needed == Fact::nest_target);
}

TEST_CASE("nest_planner: decide changes a shut-off domain after asking what it needs",
          "[nest_planner]") {
    World world;
    world.target = verified(Vendor::intel, true);
    std::vector<Fact> asked;
    Decision decision = decide_in(read_of(""), world, NestOptions{}, asked);
    REQUIRE(decision.verdict == Verdict::change);
    REQUIRE(asked == std::vector<Fact>{Fact::nest_target, Fact::managed_save, Fact::snapshots});
    REQUIRE(decision.changes == std::vector<std::string>{"added <cpu mode='host-passthrough'>"});
    REQUIRE_THAT(decision.new_xml, Catch::Matchers::Contains("<cpu mode='host-passthrough'"));
    REQUIRE(decision.plan.request.mode == CpuMode::host_passthrough);
    REQUIRE_FALSE(decision.restart_required);
    REQUIRE(decision.warnings == std::vector<std::string>{k_lost_migration_note});
    SECTION("snapshots add a warning") {
        world.snapshots = 2;
        asked.clear();
        REQUIRE(decide_in(read_of(""), world, NestOptions{}, asked).warnings ==
                std::vector<std::string>{
                    k_lost_migration_note,
                    "has 2 snapshots: reverting to one restores the CPU it was taken with"});
    }
}

TEST_CASE("nest_planner: decide on a running domain", "[nest_planner]") {
    World world;
    world.target = verified(Vendor::intel, true);
    std::vector<Fact> asked;
    SECTION("a change waits for a cold boot; no managed-save image is asked for") {
        Decision decision = decide_in(read_of("", DomainState::running), world, {}, asked);
        REQUIRE(decision.verdict == Verdict::change);
        REQUIRE(decision.restart_required);
        REQUIRE(asked == std::vector<Fact>{Fact::nest_target, Fact::snapshots});
    }
    SECTION("already, but still running the old CPU") {
        world.live_cpu = "<cpu mode='custom'><model>qemu64</model></cpu>";
        Decision decision = decide_in(
            read_of("<cpu mode='host-passthrough'/>", DomainState::running), world, {}, asked);
        REQUIRE(decision.verdict == Verdict::already);
        REQUIRE(decision.restart_required);
        REQUIRE(decision.reason == "already nest-capable (host-passthrough passes vmx); the "
                                   "running guest still has its old CPU");
        REQUIRE(asked == std::vector<Fact>{Fact::nest_target, Fact::live_cpu});
    }
    SECTION("already, and running it") {
        Decision decision = decide_in(
            read_of("<cpu mode='host-passthrough'/>", DomainState::running), world, {}, asked);
        REQUIRE(decision.verdict == Verdict::already);
        REQUIRE_FALSE(decision.restart_required);
        REQUIRE(decision.reason == "already nest-capable (host-passthrough passes vmx)");
    }
}

TEST_CASE("nest_planner: already beats a refusal", "[nest_planner]") {
    World world;
    world.target = verified(Vendor::intel, true);
    world.managed_save = true;
    std::vector<Fact> asked;
    NestOptions options;
    SECTION("a transient domain that passes vmx is already, not refused") {
        Decision decision =
            decide_in(read_of("<cpu mode='host-passthrough'/>", DomainState::running, false), world,
                      options, asked);
        REQUIRE(decision.verdict == Verdict::already);
    }
    SECTION("a transient domain the rewrite leaves alone is already, not refused") {
        options.mode = CpuMode::host_passthrough; // explicit mode: the rewrite decides
        Decision decision =
            decide_in(read_of("<cpu mode='host-passthrough'/>", DomainState::running, false), world,
                      options, asked);
        REQUIRE(decision.verdict == Verdict::already);
        REQUIRE(decision.reason == "already nest-capable (vmx passed to the guest)");
    }
    SECTION("a domain with a managed-save image that needs nothing is already; nobody asks") {
        options.mode = CpuMode::host_passthrough;
        Decision decision =
            decide_in(read_of("<cpu mode='host-passthrough'/>"), world, options, asked);
        REQUIRE(decision.verdict == Verdict::already);
        REQUIRE(asked == std::vector<Fact>{Fact::nest_target});
    }
    SECTION("disable: already without nesting") {
        options.nesting = Nesting::disable;
        world.live_cpu =
            "<cpu mode='host-passthrough'><feature policy='disable' name='vmx'/></cpu>";
        Decision decision =
            decide_in(read_of(world.live_cpu, DomainState::running, false), world, options, asked);
        REQUIRE(decision.verdict == Verdict::already);
        REQUIRE(decision.reason == "already without nesting (vmx not passed to the guest)");
    }
}

TEST_CASE("nest_planner: decide refuses what would change unsafely", "[nest_planner]") {
    World world;
    world.target = verified(Vendor::intel, true);
    std::vector<Fact> asked;
    NestOptions options;
    SECTION("a transient domain is refused before anything is asked") {
        Decision decision =
            decide_in(read_of("", DomainState::running, false), world, options, asked);
        REQUIRE(decision.verdict == Verdict::skip);
        REQUIRE_THAT(decision.reason, Catch::Matchers::StartsWith(k_transient_reason_start));
        REQUIRE(asked == std::vector<Fact>{Fact::nest_target});
    }
    SECTION("a managed-save image refuses; --force makes it a warning") {
        world.managed_save = true;
        Decision decision = decide_in(read_of(""), world, options, asked);
        REQUIRE(decision.verdict == Verdict::skip);
        REQUIRE_THAT(decision.reason,
                     Catch::Matchers::StartsWith("managed-save image present: restoring it"));
        options.force = true;
        Decision forced = decide_in(read_of(""), world, options, asked);
        REQUIRE(forced.verdict == Verdict::change);
        REQUIRE(forced.warnings.size() == 2);
        REQUIRE(forced.warnings[0] == k_lost_migration_note);
        REQUIRE_THAT(forced.warnings[1],
                     Catch::Matchers::StartsWith("forced: managed-save image present"));
    }
    SECTION("a host without nesting refuses even what is already as asked") {
        world.target = verified(Vendor::intel, false);
        Decision decision =
            decide_in(read_of("<cpu mode='host-passthrough'/>"), world, options, asked);
        REQUIRE(decision.verdict == Verdict::skip);
        REQUIRE_THAT(decision.reason,
                     Catch::Matchers::StartsWith("this host offers no nesting for virt type"));
    }
    SECTION("an unreadable definition is skipped with the rewrite's reason") {
        DomainRead read = read_of("");
        read.xml = "<notdomain/>";
        Decision decision = decide_in(read, world, options, asked);
        REQUIRE(decision.verdict == Verdict::skip);
        REQUIRE_THAT(decision.reason, Catch::Matchers::StartsWith("cannot rewrite the <cpu>: "));
    }
}

TEST_CASE("nest_planner: decide compares a custom model on the hypervisor", "[nest_planner]") {
    World world;
    world.target = verified(Vendor::intel, true, false); // no host-passthrough: custom
    world.target.custom_models = {{"Skylake-Client", true, "Intel"}};
    std::vector<Fact> asked;
    NestOptions options;
    SECTION("compatible: changed, after the comparison") {
        Decision decision = decide_in(read_of(""), world, options, asked);
        REQUIRE(decision.verdict == Verdict::change);
        REQUIRE(decision.plan.request.mode == CpuMode::custom);
        REQUIRE(asked == std::vector<Fact>{Fact::nest_target, Fact::managed_save, Fact::cpu_compat,
                                           Fact::snapshots});
    }
    SECTION("incompatible: refused with the remedy") {
        world.compat = CpuCompat::incompatible;
        Decision decision = decide_in(read_of(""), world, options, asked);
        REQUIRE(decision.verdict == Verdict::skip);
        REQUIRE(decision.reason ==
                "CPU model \"Skylake-Client\" is not usable on this host (libvirt finds it "
                "incompatible with this host with vmx required): choose another with --model "
                "NAME or use --mode host-model");
    }
    SECTION("libvirt cannot compare: changed") {
        world.compat = std::nullopt;
        REQUIRE(decide_in(read_of(""), world, options, asked).verdict == Verdict::change);
    }
    SECTION("an unverified host is not asked") {
        world.target = fallback_target("kvm", Vendor::intel);
        world.target.host_passthrough_supported = false;
        world.target.host_model_name = "Skylake-Client";
        Decision decision = decide_in(read_of(""), world, options, asked);
        REQUIRE(decision.verdict == Verdict::change);
        REQUIRE(asked == std::vector<Fact>{Fact::nest_target, Fact::managed_save, Fact::snapshots});
    }
}

TEST_CASE("nest_planner: items 19, 20: remedies quote the name and keep the secrets",
          "[nest_planner]") {
    DomainFacts facts;
    facts.cpu.name = "web $(id);x";
    facts.persistent = false;
    CHECK(safety_refusal(facts) ==
          std::optional<std::string>(
              "transient domain: defining it would make it persistent; make it persistent "
              "yourself first (virsh dumpxml --security-info 'web $(id);x' > 'web $(id);x.xml' "
              "&& virsh define 'web $(id);x.xml') or pass --force"));
    facts.persistent = true;
    facts.managed_save = true;
    CHECK_THAT(*safety_refusal(facts),
               Catch::Matchers::Contains("`virsh managedsave-remove 'web $(id);x'`"));
}

TEST_CASE("nest_planner: 11.19 remedies carry -c URI when one was given", "[nest_planner]") {
    DomainFacts facts;
    facts.cpu.name = "web-1";
    facts.persistent = false;
    CHECK(safety_refusal(facts, "qemu+ssh://kvm-7/system") ==
          std::optional<std::string>(
              "transient domain: defining it would make it persistent; make it persistent "
              "yourself first (virsh -c qemu+ssh://kvm-7/system dumpxml --security-info web-1 > "
              "web-1.xml && virsh -c qemu+ssh://kvm-7/system define web-1.xml) or pass --force"));
    facts.persistent = true;
    facts.managed_save = true;
    CHECK_THAT(
        *safety_refusal(facts, "qemu+ssh://kvm 7/system"),
        Catch::Matchers::Contains("`virsh -c 'qemu+ssh://kvm 7/system' managedsave-remove web-1`"));
    CHECK_THAT(*safety_refusal(facts),
               Catch::Matchers::Contains("`virsh managedsave-remove web-1`"));
}

// ---- issue 14: confidential guests, sief2, migration-aware auto mode ----

TEST_CASE("nest_planner: a confidential guest is refused first, --force or not", "[nest_planner]") {
    const std::string sev_reason =
        "it is a confidential guest (<launchSecurity type='sev'>, AMD SEV): the hardware does "
        "not offer nested virtualization to such guests, so no option changes this";
    DomainFacts facts = facts_for(CpuMode::host_passthrough);
    facts.cpu.launch_security = "sev";
    NestOptions options;
    SECTION("refused although host-passthrough would otherwise be already") {
        Plan plan = plan_domain(facts, verified(Vendor::amd, true), options);
        REQUIRE(plan.action == PlanAction::skip);
        REQUIRE(plan.reason == sev_reason);
    }
    SECTION("--force does not override it") {
        options.force = true;
        Plan plan = plan_domain(facts, verified(Vendor::amd, false), options);
        REQUIRE(plan.action == PlanAction::skip);
        REQUIRE(plan.reason == sev_reason);
        REQUIRE(plan.warnings.empty());
    }
    SECTION("disable is not refused") {
        options.nesting = Nesting::disable;
        REQUIRE(plan_domain(facts, verified(Vendor::amd, true), options).action ==
                PlanAction::change);
    }
    SECTION("decide: refused before any other fact, even a transient domain's") {
        World world;
        world.target = verified(Vendor::intel, true);
        std::vector<Fact> asked;
        options.force = true;
        Decision decision =
            decide_in(read_of("<cpu mode='host-passthrough'/><launchSecurity type='tdx'/>",
                              DomainState::running, false),
                      world, options, asked);
        REQUIRE(decision.verdict == Verdict::skip);
        REQUIRE_THAT(decision.reason,
                     Catch::Matchers::StartsWith("it is a confidential guest (<launchSecurity "
                                                 "type='tdx'>, Intel TDX)"));
        REQUIRE(asked == std::vector<Fact>{Fact::nest_target});
    }
}

TEST_CASE("nest_planner: s390x with sief2 disabled is not already nest-capable", "[nest_planner]") {
    World world;
    world.target = fallback_target("kvm", std::nullopt);
    std::vector<Fact> asked;
    SECTION("sief2 disabled: the block is removed") {
        Decision decision = decide_in(
            read_of("<cpu mode='host-passthrough'><feature policy='disable' name='sief2'/></cpu>",
                    DomainState::shut_off, true, "s390x"),
            world, {}, asked);
        REQUIRE(decision.verdict == Verdict::change);
        REQUIRE(decision.plan.request.mode == CpuMode::host_passthrough);
        REQUIRE_FALSE(decision.plan.loses_migration);
        REQUIRE_THAT(decision.new_xml, !Catch::Matchers::Contains("sief2"));
    }
    SECTION("sief2 not blocked: already") {
        Decision decision = decide_in(
            read_of("<cpu mode='host-passthrough'/>", DomainState::shut_off, true, "s390x"), world,
            {}, asked);
        REQUIRE(decision.verdict == Verdict::already);
        REQUIRE(decision.reason ==
                "already nest-capable (host-passthrough passes the host's vmx/svm)");
    }
    SECTION("a custom s390x model keeps its model and gets sief2 required") {
        Decision decision =
            decide_in(read_of("<cpu mode='custom' match='exact'><model>gen15a</model></cpu>",
                              DomainState::shut_off, true, "s390x"),
                      world, {}, asked);
        REQUIRE(decision.verdict == Verdict::change);
        REQUIRE(decision.plan.request.mode == CpuMode::custom);
        REQUIRE_THAT(decision.new_xml,
                     Catch::Matchers::Contains("<feature policy='require' name='sief2'/>"));
    }
}

TEST_CASE("nest_planner: ppc64 without nested-hv is not already nest-capable", "[nest_planner]") {
    World world;
    world.target = fallback_target("kvm", std::nullopt);
    std::vector<Fact> asked;
    const std::string cpu = "<cpu mode='host-passthrough'/>";
    Decision decision =
        decide_in(read_of(cpu, DomainState::shut_off, true, "ppc64"), world, {}, asked);
    REQUIRE(decision.verdict == Verdict::change);
    REQUIRE(decision.changes == std::vector<std::string>{"added <nested-hv state='on'/> to "
                                                         "<features>"});
    REQUIRE(decide_in(read_of(cpu + "<features><nested-hv state='on'/></features>",
                              DomainState::shut_off, true, "ppc64"),
                      world, {}, asked)
                .verdict == Verdict::already);
}

TEST_CASE("nest_planner: auto mode makes the smallest change that nests", "[nest_planner]") {
    NestOptions options;
    NestTarget intel = verified(Vendor::intel, true);
    intel.custom_models = {{"Haswell-noTSX", true, "Intel"},
                           {"Cascadelake-Server", false, "Intel"}};
    intel.passthrough_migratable = true;
    SECTION("a custom model the host can run is kept, with the feature required") {
        Plan plan = plan_domain(facts_for(CpuMode::custom, "Haswell-noTSX"), intel, options);
        REQUIRE(plan.action == PlanAction::change);
        REQUIRE(plan.request.mode == CpuMode::custom);
        REQUIRE(plan.request.model == std::optional<std::string>("Haswell-noTSX"));
        REQUIRE(plan.request.feature == NestFeature::vmx);
        REQUIRE(plan.request.require_paging);
        REQUIRE_FALSE(plan.loses_migration);
        REQUIRE(plan.warnings.empty());
    }
    SECTION("a model domain capabilities call unusable goes host-passthrough, migratable") {
        Plan plan = plan_domain(facts_for(CpuMode::custom, "Cascadelake-Server"), intel, options);
        REQUIRE(plan.request.mode == CpuMode::host_passthrough);
        REQUIRE(plan.request.migratable);
        REQUIRE(plan.loses_migration);
        REQUIRE(plan.warnings.size() == 1);
        REQUIRE_THAT(plan.warnings[0],
                     Catch::Matchers::StartsWith("host-passthrough (CPU model "
                                                 "\"Cascadelake-Server\" cannot run on this host "
                                                 "with nesting): live migration now needs"));
    }
    SECTION("migratable='on' only where domain capabilities offer it") {
        intel.passthrough_migratable = false;
        Plan plan = plan_domain(facts_for(CpuMode::none), intel, options);
        REQUIRE(plan.request.mode == CpuMode::host_passthrough);
        REQUIRE_FALSE(plan.request.migratable);
        REQUIRE(plan.loses_migration);
    }
    SECTION("host-model passing vmx is already; with vmx disabled it stays host-model") {
        DomainFacts facts = facts_for(CpuMode::host_model);
        REQUIRE(plan_domain(facts, intel, options).action == PlanAction::already);
        facts.cpu.vmx = FeaturePolicy::disable;
        Plan plan = plan_domain(facts, intel, options);
        REQUIRE(plan.action == PlanAction::change);
        REQUIRE(plan.request.mode == CpuMode::host_model);
        REQUIRE_FALSE(plan.loses_migration);
    }
    SECTION("host-model without vmx on the host, forced: host-passthrough") {
        options.force = true;
        Plan plan =
            plan_domain(facts_for(CpuMode::host_model), verified(Vendor::intel, false), options);
        REQUIRE(plan.request.mode == CpuMode::host_passthrough);
        REQUIRE(plan.loses_migration);
    }
    SECTION("a custom model on an unverified host is kept") {
        Plan plan = plan_domain(facts_for(CpuMode::custom, "Haswell-noTSX"),
                                fallback_target("kvm", Vendor::intel), options);
        REQUIRE(plan.request.mode == CpuMode::custom);
        REQUIRE(plan.request.model == std::optional<std::string>("Haswell-noTSX"));
    }
    SECTION("a model no vendor is known for, on an unverified host: host-passthrough") {
        Plan plan = plan_domain(facts_for(CpuMode::custom, "qemu64"),
                                fallback_target("kvm", std::nullopt), options);
        REQUIRE(plan.action == PlanAction::change);
        REQUIRE(plan.request.mode == CpuMode::host_passthrough);
        REQUIRE(plan.loses_migration);
    }
    SECTION("an explicit mode is not auto: no migration note") {
        options.mode = CpuMode::host_passthrough;
        Plan plan = plan_domain(facts_for(CpuMode::custom, "Haswell-noTSX"), intel, options);
        REQUIRE(plan.request.mode == CpuMode::host_passthrough);
        REQUIRE_FALSE(plan.loses_migration);
    }
}

TEST_CASE("nest_planner: decide keeps a custom model, or re-plans when libvirt refuses it",
          "[nest_planner]") {
    World world;
    world.target = verified(Vendor::intel, true);
    world.target.custom_models = {{"Skylake-Client", true, "Intel"}};
    world.target.passthrough_migratable = true;
    const std::string cpu = "<cpu mode='custom' match='exact' check='partial'><model "
                            "fallback='allow'>Skylake-Client</model></cpu>";
    std::vector<Fact> asked;
    NestOptions options;
    SECTION("compatible: model, match, check and fallback kept; vmx required") {
        Decision decision = decide_in(read_of(cpu), world, options, asked);
        REQUIRE(decision.verdict == Verdict::change);
        REQUIRE(asked == std::vector<Fact>{Fact::nest_target, Fact::managed_save, Fact::cpu_compat,
                                           Fact::snapshots});
        REQUIRE_THAT(decision.new_xml, Catch::Matchers::Contains(
                                           "<cpu mode='custom' match='exact' check='partial'>"));
        REQUIRE_THAT(decision.new_xml,
                     Catch::Matchers::Contains("<model fallback='allow'>Skylake-Client</model>"));
        REQUIRE_THAT(decision.new_xml,
                     Catch::Matchers::Contains("<feature policy='require' name='vmx'/>"));
        REQUIRE_FALSE(decision.plan.loses_migration);
    }
    SECTION("incompatible: host-passthrough with migratable='on' and the migration note") {
        world.compat = CpuCompat::incompatible;
        Decision decision = decide_in(read_of(cpu), world, options, asked);
        REQUIRE(decision.verdict == Verdict::change);
        REQUIRE(decision.plan.request.mode == CpuMode::host_passthrough);
        REQUIRE(decision.plan.loses_migration);
        REQUIRE_THAT(decision.new_xml,
                     Catch::Matchers::Contains("<cpu mode='host-passthrough' check='partial' "
                                               "migratable='on'/>"));
        REQUIRE(decision.warnings.size() == 1);
        REQUIRE_THAT(decision.warnings[0], Catch::Matchers::Contains("live migration now needs"));
    }
    SECTION("incompatible and no host-passthrough: refused with the remedy") {
        world.compat = CpuCompat::incompatible;
        world.target.host_passthrough_supported = false;
        Decision decision = decide_in(read_of(cpu), world, options, asked);
        REQUIRE(decision.verdict == Verdict::skip);
        REQUIRE_THAT(decision.reason,
                     Catch::Matchers::StartsWith("CPU model \"Skylake-Client\" is not usable"));
    }
    SECTION("an explicit --mode custom is refused, not re-planned") {
        world.compat = CpuCompat::incompatible;
        options.mode = CpuMode::custom;
        REQUIRE(decide_in(read_of(cpu), world, options, asked).verdict == Verdict::skip);
    }
    SECTION("AMD: EPYC with svm disabled keeps its model and gets svm and npt required") {
        world.target = verified(Vendor::amd, true);
        world.target.custom_models = {{"EPYC", true, "AMD"}};
        world.compare_cpu = "<cpu mode='custom' match='exact'><model fallback='forbid'>EPYC"
                            "</model><feature policy='require' name='svm'/></cpu>";
        Decision decision =
            decide_in(read_of("<cpu mode='custom' match='exact'><model>EPYC</model><feature "
                              "policy='disable' name='svm'/></cpu>"),
                      world, options, asked);
        REQUIRE(decision.verdict == Verdict::change);
        REQUIRE_THAT(decision.new_xml,
                     Catch::Matchers::Contains("<feature policy='require' name='svm'/>"));
        REQUIRE_THAT(decision.new_xml,
                     Catch::Matchers::Contains("<feature policy='require' name='npt'/>"));
    }
}
