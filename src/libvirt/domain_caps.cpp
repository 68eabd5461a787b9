// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/libvirt/domain_caps.hpp"

#include "virtnest/rewrite/cpu_vendor.hpp"
#include "virtnest/util/error.hpp"
#include "virtnest/xml/xml_document.hpp"

#include <pugixml.hpp>

#include <algorithm>
#include <sstream>

namespace virtnest {
namespace {

pugi::xml_document load(std::string_view text, std::string_view what) {
    return parse_xml(text, what);
}

bool enables(const pugi::xml_node& feature) {
    std::string_view policy = feature.attribute("policy").as_string();
    return policy.empty() || policy == "require" || policy == "force";
}

bool supported(const pugi::xml_node& mode) {
    return std::string_view(mode.attribute("supported").as_string()) == "yes";
}

// Build the standalone CPU definition virConnectBaselineHypervisorCPU accepts, the way
// `virsh hypervisor-cpu-baseline` converts a host-model <mode>. <maxphysaddr> is left out:
// it does not bear on which features KVM offers, and older parsers reject its newer forms.
std::string host_model_cpu_document(const pugi::xml_node& mode) {
    pugi::xml_document doc;
    pugi::xml_node cpu = doc.append_child("cpu");
    cpu.append_attribute("mode") = "custom";
    cpu.append_attribute("match") = "exact";
    for (const pugi::xml_node& child : mode.children()) {
        std::string_view name = child.name();
        if (name == "model" || name == "vendor" || name == "feature") {
            cpu.append_copy(child);
        }
    }
    std::ostringstream out;
    doc.save(out, "  ",
             pugi::format_indent | pugi::format_no_declaration |
                 pugi::format_attribute_single_quote);
    return out.str();
}

void parse_host_model(const pugi::xml_node& mode, DomainCaps& caps) {
    caps.host_model_supported = supported(mode);
    if (!caps.host_model_supported) {
        return;
    }
    caps.host_model_name = mode.child("model").text().as_string();
    caps.host_model_vendor = parse_vendor(mode.child("vendor").text().as_string());
    for (const pugi::xml_node& feature : mode.children("feature")) {
        std::string name = feature.attribute("name").as_string();
        if (name.empty()) {
            continue;
        }
        if (enables(feature)) {
            caps.host_model_features.insert(name);
        } else if (std::string_view(feature.attribute("policy").as_string()) == "disable" ||
                   std::string_view(feature.attribute("policy").as_string()) == "forbid") {
            caps.host_model_disabled_features.insert(name);
        }
    }
    caps.host_model_cpu_xml = host_model_cpu_document(mode);
}

// Return true when a host-passthrough <mode> lists 'on' in its hostPassthroughMigratable enum.
bool offers_migratable(const pugi::xml_node& mode) {
    for (const pugi::xml_node& value :
         mode.find_child_by_attribute("enum", "name", "hostPassthroughMigratable")
             .children("value")) {
        if (std::string_view(value.text().as_string()) == "on") {
            return true;
        }
    }
    return false;
}

} // namespace

DomainCaps parse_domain_caps(std::string_view xml) {
    pugi::xml_document doc = load(xml, "domain capabilities");
    pugi::xml_node root = doc.document_element();
    if (std::string_view(root.name()) != "domainCapabilities") {
        throw Error("cannot parse domain capabilities: root element is <" +
                    std::string(root.name()) + ">, expected <domainCapabilities>");
    }
    DomainCaps caps;
    caps.emulator = root.child("path").text().as_string();
    caps.machine = root.child("machine").text().as_string();
    caps.arch = root.child("arch").text().as_string();
    caps.virt_type = root.child("domain").text().as_string();

    for (const pugi::xml_node& mode : root.child("cpu").children("mode")) {
        std::string_view name = mode.attribute("name").as_string();
        if (name == "host-passthrough") {
            caps.host_passthrough_supported = supported(mode);
            caps.host_passthrough_migratable =
                caps.host_passthrough_supported && offers_migratable(mode);
        } else if (name == "maximum") {
            caps.maximum_supported = supported(mode);
        } else if (name == "host-model") {
            parse_host_model(mode, caps);
        } else if (name == "custom" && supported(mode)) {
            for (const pugi::xml_node& model : mode.children("model")) {
                CustomModel custom;
                custom.name = model.text().as_string();
                custom.usable = std::string_view(model.attribute("usable").as_string()) != "no";
                custom.vendor = model.attribute("vendor").as_string();
                caps.custom_models.push_back(std::move(custom));
            }
        }
    }
    return caps;
}

std::set<std::string> enabled_features(std::string_view cpu_xml) {
    pugi::xml_document doc = load(cpu_xml, "CPU definition");
    pugi::xml_node root = doc.document_element();
    pugi::xml_node cpu = std::string_view(root.name()) == "cpu" ? root : root.child("cpu");
    if (!cpu && std::string_view(root.name()) == "capabilities") {
        cpu = root.child("host").child("cpu");
    }
    std::set<std::string> names;
    for (const pugi::xml_node& feature : cpu.children("feature")) {
        std::string name = feature.attribute("name").as_string();
        if (!name.empty() && enables(feature)) {
            names.insert(std::move(name));
        }
    }
    return names;
}

std::optional<Vendor> host_vendor_from_capabilities(std::string_view caps_xml) {
    pugi::xml_document doc = load(caps_xml, "host capabilities");
    pugi::xml_node root = doc.document_element();
    pugi::xml_node cpu =
        std::string_view(root.name()) == "cpu" ? root : root.child("host").child("cpu");
    return parse_vendor(cpu.child("vendor").text().as_string());
}

std::string host_uuid_from_capabilities(std::string_view caps_xml) {
    pugi::xml_document doc = load(caps_xml, "host capabilities");
    return doc.document_element().child("host").child("uuid").text().as_string();
}

std::string host_arch_from_capabilities(std::string_view caps_xml) {
    pugi::xml_document doc = load(caps_xml, "host capabilities");
    return doc.document_element().child("host").child("cpu").child("arch").text().as_string();
}

} // namespace virtnest
