// SPDX-License-Identifier: GPL-2.0-or-later
#include "rewrite/baseline_cpu.hpp"

#include "virtnest/util/error.hpp"
#include "virtnest/xml/xml_document.hpp"
#include "virtnest/xml/xml_edit.hpp"

#include <utility>

namespace virtnest {
namespace {

// Set attribute `name` of `node` to `value` and log the change; nothing when it already is.
void set_logged(pugi::xml_node node, const char* name, const char* value, bool first,
                std::vector<std::string>& changes) {
    std::string old = node.attribute(name).value();
    if (old == value) {
        return;
    }
    set_attribute(node, name, value, first);
    changes.push_back(old.empty()
                          ? "set " + std::string(name) + "='" + value + "' on <" + node.name() + ">"
                          : std::string(name) + ": " + old + " -> " + value);
}

// Return the child `name` of `cpu`, inserted where libvirt prints it when missing.
pugi::xml_node child_of(pugi::xml_node cpu, const char* name) {
    pugi::xml_node node = cpu.child(name);
    return node ? node : insert_cpu_child(cpu, name);
}

void set_text(pugi::xml_node cpu, const char* name, const std::string& text,
              std::vector<std::string>& changes) {
    pugi::xml_node node = child_of(cpu, name);
    std::string old = node.text().as_string();
    if (old != text) {
        node.text().set(text.c_str());
        changes.push_back(old.empty() ? std::string(name) + ": set to " + text
                                      : std::string(name) + ": " + old + " -> " + text);
    }
}

// Give `cpu` the policy the baseline has for each of its features; the others stay.
void apply_features(pugi::xml_node cpu, pugi::xml_node base, std::vector<std::string>& changes) {
    for (pugi::xml_node feature : base.children("feature")) {
        const char* name = feature.attribute("name").value();
        std::string policy = feature.attribute("policy").value();
        if (policy.empty()) {
            policy = "require"; // libvirt's default for a custom CPU's feature
        }
        pugi::xml_node mine = cpu.find_child_by_attribute("feature", "name", name);
        if (!mine) {
            mine = insert_cpu_child(cpu, "feature");
            mine.append_attribute("policy") = policy.c_str();
            mine.append_attribute("name") = name;
            changes.push_back("added " + describe(mine));
            continue;
        }
        std::string old = mine.attribute("policy").value();
        if (old != policy) {
            set_attribute(mine, "policy", policy.c_str(), true);
            std::string change = "feature ";
            change.append(name).append(": ").append(old).append(" -> ").append(policy);
            changes.push_back(std::move(change));
        }
    }
}

// custom mode takes no <cache mode='passthrough'> (libvirt refuses it).
void drop_cache_passthrough(pugi::xml_node cpu, std::vector<std::string>& changes,
                            std::vector<std::string>& warnings) {
    pugi::xml_node cache = cpu.find_child_by_attribute("cache", "mode", "passthrough");
    if (cache) {
        remove_logged(cache, "custom mode", changes);
        warnings.emplace_back("removed <cache mode='passthrough'>: libvirt accepts it only with "
                              "host-passthrough or maximum");
    }
}

} // namespace

void apply_baseline_cpu(pugi::xml_node domain, pugi::xml_node& cpu, std::string_view baseline_xml,
                        std::vector<std::string>& changes, std::vector<std::string>& warnings) {
    pugi::xml_document doc = parse_xml(baseline_xml, "the baseline CPU");
    pugi::xml_node base = doc.document_element();
    if (std::string_view(base.name()) != "cpu") {
        throw Error("cannot use the baseline CPU: its root is <" + std::string(base.name()) +
                    ">, not <cpu>");
    }
    const std::string model = base.child("model").text().as_string();
    if (model.empty()) {
        throw Error("cannot use the baseline CPU: it names no <model>");
    }
    if (!cpu) {
        cpu = insert_domain_child(domain, "cpu");
        set_attribute(cpu, "mode", "custom", true);
        changes.emplace_back("added <cpu mode='custom'>");
    }
    set_logged(cpu, "mode", "custom", true, changes);
    // exact: the guest gets the baseline's features and no more, the same CPU on every host;
    // partial: libvirt checks at start that this host can run it (full would also compare
    // QEMU's result, which refuses features QEMU quietly adds).
    if (!cpu.attribute("match")) {
        cpu.insert_attribute_after("match", cpu.attribute("mode")) = "exact"; // as libvirt prints
        changes.emplace_back("set match='exact' on <cpu>");
    }
    set_logged(cpu, "match", "exact", false, changes);
    set_logged(cpu, "check", "partial", false, changes);
    if (cpu.attribute("migratable")) {
        changes.emplace_back("removed migratable='" +
                             std::string(cpu.attribute("migratable").value()) +
                             "' (host-passthrough only)");
        cpu.remove_attribute("migratable");
    }
    set_text(cpu, "model", model, changes);
    // forbid: a host that cannot run the model refuses to start the guest rather than quietly
    // giving it another CPU, which would break migration the other way.
    set_logged(cpu.child("model"), "fallback", "forbid", false, changes);
    if (base.child("vendor")) {
        set_text(cpu, "vendor", base.child("vendor").text().as_string(), changes);
    }
    apply_features(cpu, base, changes);
    drop_cache_passthrough(cpu, changes, warnings);
}

} // namespace virtnest
