#include "virtnest/live/nest_planner.hpp"

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

TEST_CASE("nest_planner: auto mode on a verified host", "[planner]") {
    NestOptions options;
    SECTION("no <cpu> on a KVM Intel host goes host-passthrough with vmx") {
        Plan plan = plan_domain(facts_for(CpuMode::none), verified(Vendor::intel, true), options);
        REQUIRE(plan.action == PlanAction::change);
        REQUIRE(plan.request.mode == CpuMode::host_passthrough);
        REQUIRE(plan.request.feature == NestFeature::vmx);
        REQUIRE(plan.warnings.empty());
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

TEST_CASE("nest_planner: refusals carry reason and remedy", "[planner]") {
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
        REQUIRE(forced.warnings.size() == 1);
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

TEST_CASE("nest_planner: unverified hosts fall back and warn", "[planner]") {
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
                                         "reports no domain capabilities)"});
    }
    SECTION("host-model is made explicit instead of assumed") {
        Plan plan = plan_domain(facts_for(CpuMode::host_model, "", "test"),
                                fallback_target("test", Vendor::intel), options);
        REQUIRE(plan.action == PlanAction::change);
        REQUIRE(plan.request.mode == CpuMode::host_model);
        REQUIRE(plan.request.feature == NestFeature::vmx);
    }
}

TEST_CASE("nest_planner: disable keeps mode and model", "[planner]") {
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

TEST_CASE("nest_planner: activity", "[planner]") {
    REQUIRE(is_active(DomainState::running));
    REQUIRE(is_active(DomainState::paused));
    REQUIRE_FALSE(is_active(DomainState::shut_off));
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
