// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/live/running_cpu.hpp"

#include "virtnest/live/cpu_inspect.hpp"
#include "virtnest/rewrite/cpu_vendor.hpp"
#include "virtnest/xml/xml_document.hpp"

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

namespace virtnest {
namespace {

// The answer of one explicitly listed feature; nullopt when it is not listed.
std::optional<Answer> listed(pugi::xml_node cpu, std::string_view name) {
    for (pugi::xml_node node : cpu.children("feature")) {
        if (name != node.attribute("name").as_string()) {
            continue;
        }
        auto policy = parse_feature_policy(node.attribute("policy").as_string());
        if (!policy || *policy == FeaturePolicy::optional) {
            return Answer::unknown;
        }
        return *policy == FeaturePolicy::disable || *policy == FeaturePolicy::forbid ? Answer::no
                                                                                     : Answer::yes;
    }
    return std::nullopt;
}

std::string describe(std::string_view name, Answer answer, bool from_model,
                     const std::string& model) {
    std::string text(name);
    if (answer == Answer::unknown) {
        return text + " unknown (the model " + model + "'s own features are not listed)";
    }
    text += answer == Answer::yes ? " present" : " absent";
    return text + (from_model ? " (the model " + model + " carries it)" : " (listed)");
}

} // namespace

std::string_view to_string(Answer answer) noexcept {
    switch (answer) {
    case Answer::yes: return "yes";
    case Answer::no: return "no";
    case Answer::unknown: break;
    }
    return "unknown";
}

RunningCpu running_cpu_from_live_xml(std::string_view live_xml, NestFeature feature) {
    pugi::xml_document doc = parse_domain_xml(live_xml, "live domain XML");
    pugi::xml_node cpu = doc.document_element().child("cpu");
    const CpuFacts facts = inspect_cpu(live_xml);
    RunningCpu running;
    running.source = "live XML";
    if (facts.mode != CpuMode::custom) {
        running.detail = "CPU mode " + std::string(to_string(facts.mode)) +
                         ": libvirt records no features for it";
        return running;
    }
    const std::string_view virt_name = to_string(feature);
    const std::string_view slat_name = feature == NestFeature::svm ? "npt" : "vmx-ept";
    const bool amd_model = vendor_of_model(facts.model) == Vendor::amd;
    std::optional<Answer> virt = listed(cpu, virt_name);
    std::optional<Answer> slat = listed(cpu, slat_name);
    // libvirt's AMD models all carry svm (only some carry npt); an expansion lists only
    // what differs from its model.
    const bool virt_from_model = !virt && feature == NestFeature::svm && amd_model;
    running.virt = virt.value_or(virt_from_model ? Answer::yes : Answer::unknown);
    running.slat = slat.value_or(Answer::unknown);
    running.detail = describe(virt_name, running.virt, virt_from_model, facts.model) + ", " +
                     describe(slat_name, running.slat, false, facts.model);
    return running;
}

std::string qom_get_command(std::string_view property) {
    nlohmann::json command = {
        {"execute", "qom-get"},
        {"arguments", {{"path", "/machine/unattached/device[0]"}, {"property", property}}}};
    return command.dump();
}

namespace {

Answer monitor_answer(std::string_view reply) {
    nlohmann::json parsed = nlohmann::json::parse(reply, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_object() && parsed.contains("return") && parsed["return"].is_boolean()) {
        return parsed["return"].get<bool>() ? Answer::yes : Answer::no;
    }
    return Answer::unknown;
}

} // namespace

RunningCpu running_cpu_from_monitor(std::string_view virt_reply, std::string_view slat_reply,
                                    NestFeature feature) {
    RunningCpu running;
    running.source = "QEMU monitor";
    running.virt = monitor_answer(virt_reply);
    running.slat = monitor_answer(slat_reply);
    const std::string_view slat_name = feature == NestFeature::svm ? "npt" : "vmx-ept";
    running.detail =
        "qom-get of /machine/unattached/device[0]: " + std::string(to_string(feature)) + " " +
        std::string(to_string(running.virt)) + ", " + std::string(slat_name) + " " +
        std::string(to_string(running.slat));
    return running;
}

bool live_lacks_promise(bool promised, const RunningCpu& running) noexcept {
    return promised && running.virt == Answer::no;
}

} // namespace virtnest
