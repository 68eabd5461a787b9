// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/rewrite/cpu_vendor.hpp"

#include <catch2/catch.hpp>

using namespace virtnest;

TEST_CASE("cpu_vendor: models map to their vendor", "[cpu_vendor]") {
    SECTION("Intel models") {
        for (const char* model : {"Haswell", "Skylake-Server-IBRS", "Icelake-Server-noTSX",
                                  "Cascadelake-Server", "core2duo", "Westmere", "Snowridge"}) {
            CAPTURE(model);
            REQUIRE(vendor_of_model(model) == Vendor::intel);
        }
    }
    SECTION("AMD and Hygon models") {
        for (const char* model :
             {"EPYC", "EPYC-Rome", "EPYC-Milan", "Opteron_G5", "phenom", "athlon", "Dhyana"}) {
            CAPTURE(model);
            REQUIRE(vendor_of_model(model) == Vendor::amd);
        }
    }
    SECTION("newer or versioned names are recognised by family") {
        REQUIRE(vendor_of_model("SapphireRapids") == Vendor::intel);
        REQUIRE(vendor_of_model("EPYC-Genoa") == Vendor::amd);
        REQUIRE(vendor_of_model("Skylake-Server-v4") == Vendor::intel);
    }
    SECTION("generic and unknown models have no vendor") {
        for (const char* model :
             {"qemu64", "kvm64", "qemu32", "pentium3", "486", "POWER9", "", "haswell"}) {
            CAPTURE(model);
            REQUIRE_FALSE(vendor_of_model(model).has_value());
        }
    }
}

TEST_CASE("cpu_vendor: vendor spellings", "[cpu_vendor]") {
    REQUIRE(parse_vendor("intel") == Vendor::intel);
    REQUIRE(parse_vendor("Intel") == Vendor::intel);
    REQUIRE(parse_vendor("GenuineIntel") == Vendor::intel);
    REQUIRE(parse_vendor("amd") == Vendor::amd);
    REQUIRE(parse_vendor("AuthenticAMD") == Vendor::amd);
    REQUIRE(parse_vendor("Hygon") == Vendor::amd);
    REQUIRE(parse_vendor("HygonGenuine") == Vendor::amd);
    REQUIRE_FALSE(parse_vendor("IBM").has_value());
    REQUIRE_FALSE(parse_vendor("").has_value());
}

TEST_CASE("cpu_vendor: known models are libvirt 9's x86 map", "[cpu_vendor]") {
    std::vector<std::string_view> models = known_x86_models();
    REQUIRE(models.size() == 58);
    REQUIRE(is_known_x86_model("Skylake-Server"));
    REQUIRE(is_known_x86_model("qemu64"));
    REQUIRE_FALSE(is_known_x86_model("skylake-server"));
    REQUIRE_FALSE(is_known_x86_model("POWER9"));
}
