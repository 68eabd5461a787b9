// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/rewrite/auto_mode.hpp"

#include <catch2/catch.hpp>

using namespace virtnest;

namespace {

AutoModeFacts custom(const std::string& model, bool usable) {
    AutoModeFacts facts;
    facts.mode = CpuMode::custom;
    facts.model = model;
    facts.model_usable = usable;
    facts.passthrough_migratable_offered = true;
    return facts;
}

} // namespace

TEST_CASE("auto_mode: a usable named model keeps its model", "[auto_mode]") {
    AutoModeChoice choice = choose_auto_mode(custom("Haswell-noTSX", true));
    REQUIRE(choice.mode == CpuMode::custom);
    REQUIRE(choice.model == "Haswell-noTSX");
    REQUIRE(choice.require_paging);
    REQUIRE_FALSE(choice.loses_migration);
    REQUIRE_FALSE(choice.migratable);
    REQUIRE(choice.note.find("kept CPU model \"Haswell-noTSX\"") == 0);

    RewriteRequest request;
    apply_auto_choice(choice, request);
    REQUIRE(request.mode == CpuMode::custom);
    REQUIRE(request.model == "Haswell-noTSX");
    REQUIRE(request.require_paging);
}

TEST_CASE("auto_mode: a model the host cannot run becomes host-passthrough", "[auto_mode]") {
    AutoModeChoice choice = choose_auto_mode(custom("Icelake-Server", false));
    REQUIRE(choice.mode == CpuMode::host_passthrough);
    REQUIRE_FALSE(choice.model.has_value());
    REQUIRE(choice.loses_migration);
    REQUIRE(choice.migratable); // domain capabilities offer migratable='on'
    REQUIRE(choice.note.find("\"Icelake-Server\" cannot run on this host") != std::string::npos);
    REQUIRE(choice.note.find("identical CPUs") != std::string::npos);

    SECTION("without migratable='on' in the domain capabilities") {
        AutoModeFacts facts = custom("Icelake-Server", false);
        facts.passthrough_migratable_offered = false;
        REQUIRE_FALSE(choose_auto_mode(facts).migratable);
    }
}

TEST_CASE("auto_mode: host-model stays when the host's host-model nests", "[auto_mode]") {
    AutoModeFacts facts;
    facts.mode = CpuMode::host_model;
    SECTION("it carries the feature") {
        facts.host_model_offers_feature = true;
        AutoModeChoice choice = choose_auto_mode(facts);
        REQUIRE(choice.mode == CpuMode::host_model);
        REQUIRE_FALSE(choice.loses_migration);
        REQUIRE(choice.note == "stays host-model: this host's host-model CPU carries the "
                               "nesting feature");
    }
    SECTION("not known: keep the mode, say so") {
        AutoModeChoice choice = choose_auto_mode(facts);
        REQUIRE(choice.mode == CpuMode::host_model);
        REQUIRE(choice.note.find("could not be checked") != std::string::npos);
    }
    SECTION("it lacks the feature") {
        facts.host_model_offers_feature = false;
        AutoModeChoice choice = choose_auto_mode(facts);
        REQUIRE(choice.mode == CpuMode::host_passthrough);
        REQUIRE(choice.loses_migration);
        REQUIRE(choice.note.find("host-model CPU lacks the nesting feature") != std::string::npos);
    }
}

TEST_CASE("auto_mode: no model to keep", "[auto_mode]") {
    AutoModeFacts facts;
    SECTION("no <cpu>: host-passthrough, migration lost") {
        AutoModeChoice choice = choose_auto_mode(facts);
        REQUIRE(choice.mode == CpuMode::host_passthrough);
        REQUIRE(choice.loses_migration);
    }
    SECTION("host-passthrough already: nothing lost") {
        facts.mode = CpuMode::host_passthrough;
        REQUIRE_FALSE(choose_auto_mode(facts).loses_migration);
    }
    SECTION("maximum: nothing lost") {
        facts.mode = CpuMode::maximum;
        REQUIRE_FALSE(choose_auto_mode(facts).loses_migration);
    }
    SECTION("no host-passthrough on this hypervisor: the host's model") {
        facts.host_passthrough_supported = false;
        facts.host_model_name = "EPYC-Rome";
        AutoModeChoice choice = choose_auto_mode(facts);
        REQUIRE(choice.mode == CpuMode::custom);
        REQUIRE(choice.model == "EPYC-Rome");
        REQUIRE_FALSE(choice.loses_migration);
    }
}

TEST_CASE("auto_mode: the summary counts lost migrations", "[auto_mode]") {
    REQUIRE_FALSE(migration_summary(0).has_value());
    REQUIRE(migration_summary(1)->find("1 domain became host-passthrough") == 0);
    REQUIRE(migration_summary(3)->find("3 domains became host-passthrough and lost live "
                                       "migration") == 0);
}
