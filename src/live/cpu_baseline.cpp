// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/live/cpu_baseline.hpp"

#include "virtnest/libvirt/domain_caps.hpp"
#include "virtnest/rewrite/cpu_vendor.hpp"
#include "virtnest/util/error.hpp"
#include "virtnest/xml/xml_document.hpp"

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include <algorithm>

namespace virtnest {
namespace {

std::string_view vendor_name(Vendor vendor) { return vendor == Vendor::intel ? "Intel" : "AMD"; }

std::string_view compat_name(const std::optional<CpuCompat>& compat) {
    if (!compat) {
        return "unchecked";
    }
    switch (*compat) {
    case CpuCompat::identical: return "identical";
    case CpuCompat::superset: return "superset";
    case CpuCompat::incompatible: return "incompatible";
    }
    return "unchecked";
}

std::optional<Vendor> vendor_of_cpu(pugi::xml_node cpu) {
    if (auto vendor = parse_vendor(cpu.child("vendor").text().as_string())) {
        return vendor;
    }
    return vendor_of_model(cpu.child("model").text().as_string());
}

// Require `name` in `cpu` (the nesting feature, npt): drop every entry of it, then add one with
// policy require.
void require_feature(pugi::xml_node cpu, const char* name) {
    std::vector<pugi::xml_node> old;
    for (pugi::xml_node feature : cpu.children("feature")) {
        if (std::string_view(feature.attribute("name").value()) == name) {
            old.push_back(feature);
        }
    }
    for (pugi::xml_node feature : old) {
        cpu.remove_child(feature);
    }
    pugi::xml_node feature = cpu.append_child("feature");
    feature.append_attribute("policy").set_value("require");
    feature.append_attribute("name").set_value(name);
}

} // namespace

BaselineInput baseline_input(std::string source, std::string_view xml) {
    std::string label = "\"" + source + "\"";
    pugi::xml_document doc = parse_xml(xml, "CPU definition " + label);
    pugi::xml_node root = doc.document_element();
    std::string_view name = root.name();
    BaselineInput input;
    input.source = std::move(source);
    if (name == "domainCapabilities") {
        DomainCaps caps = parse_domain_caps(xml);
        if (caps.host_model_cpu_xml.empty()) {
            throw Error("cannot take the host-model CPU of " + label +
                        ": its domain capabilities offer no host-model");
        }
        input.cpu_xml = caps.host_model_cpu_xml;
        input.vendor = caps.host_model_vendor;
        if (!input.vendor) {
            input.vendor = vendor_of_model(caps.host_model_name);
        }
        return input;
    }
    pugi::xml_node cpu = name == "capabilities" ? root.child("host").child("cpu") : root;
    if (std::string_view(cpu.name()) != "cpu") {
        throw Error("cannot find a CPU in " + label +
                    ": expected <cpu>, host <capabilities> or <domainCapabilities>, not <" +
                    std::string(name) + ">");
    }
    input.cpu_xml = format_xml(cpu);
    input.vendor = vendor_of_cpu(cpu);
    return input;
}

Vendor common_vendor(const std::vector<BaselineInput>& inputs) {
    if (inputs.empty()) {
        throw Error("cannot compute a baseline CPU: no host and no CPU definition given");
    }
    for (const BaselineInput& input : inputs) {
        if (!input.vendor) {
            throw Error("cannot tell the CPU vendor of \"" + input.source +
                        "\": its CPU names neither an Intel nor an AMD vendor or model");
        }
    }
    const BaselineInput& first = inputs.front();
    auto other = std::find_if(inputs.begin(), inputs.end(),
                              [&](const BaselineInput& i) { return i.vendor != first.vendor; });
    if (other != inputs.end()) {
        throw Error("cannot compute one CPU for mixed vendors: \"" + first.source + "\" is " +
                    std::string(vendor_name(*first.vendor)) + ", \"" + other->source + "\" is " +
                    std::string(vendor_name(*other->vendor)) +
                    "; a guest cannot live-migrate between Intel and AMD hosts, and nesting "
                    "needs vmx on one and svm on the other: make one baseline per vendor");
    }
    return *first.vendor;
}

std::string with_nesting(std::string_view baseline_xml, Vendor vendor) {
    pugi::xml_document doc = parse_xml(baseline_xml, "the baseline CPU");
    pugi::xml_node cpu = doc.document_element();
    if (std::string_view(cpu.name()) != "cpu") {
        throw Error("cannot use the baseline CPU: libvirt returned <" + std::string(cpu.name()) +
                    ">, not <cpu>");
    }
    require_feature(cpu, vendor == Vendor::intel ? "vmx" : "svm");
    // A nested hypervisor on AMD runs at speed only with npt: require it where the model
    // lacks it or a host's CPU disables it.
    if (vendor == Vendor::amd && (paging_feature_to_add(cpu.child("model").text().as_string()) ||
                                  cpu.find_child_by_attribute("feature", "name", "npt"))) {
        require_feature(cpu, "npt");
    }
    return format_xml(cpu);
}

std::vector<std::string> incompatible_hosts(const BaselineResult& result) {
    std::vector<std::string> hosts;
    for (const BaselineCheck& check : result.checks) {
        if (check.compat == CpuCompat::incompatible) {
            hosts.push_back(check.source);
        }
    }
    return hosts;
}

std::string render_baseline_text(const BaselineResult& result) {
    std::string text = result.cpu_xml;
    if (!text.empty() && text.back() != '\n') {
        text += '\n';
    }
    for (const BaselineCheck& check : result.checks) {
        std::string verdict;
        if (!check.compat) {
            verdict = "not checked (a CPU definition, not a host)";
        } else if (*check.compat == CpuCompat::incompatible) {
            verdict = "CANNOT run this CPU";
        } else {
            verdict = "runs this CPU (" + std::string(compat_name(check.compat)) + ")";
        }
        text += "<!-- " + check.source + ": " + verdict + " -->\n";
    }
    return text;
}

nlohmann::json baseline_json(const BaselineResult& result) {
    nlohmann::json checks = nlohmann::json::array();
    for (const BaselineCheck& check : result.checks) {
        checks.push_back({{"source", check.source}, {"check", compat_name(check.compat)}});
    }
    return {
        {"vendor", vendor_name(result.vendor)},
        {"feature", to_string(feature_for(result.vendor))},
        {"cpu", result.cpu_xml},
        {"checks", checks},
    };
}

} // namespace virtnest
