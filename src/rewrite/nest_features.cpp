// SPDX-License-Identifier: GPL-2.0-or-later
#include "rewrite/nest_features.hpp"

#include "virtnest/xml/xml_edit.hpp"

#include <algorithm>
#include <array>

namespace virtnest {
namespace {

bool is_blocking(std::string_view policy) { return policy == "disable" || policy == "forbid"; }

std::vector<pugi::xml_node> features_named(pugi::xml_node cpu, std::string_view name) {
    std::vector<pugi::xml_node> found;
    for (pugi::xml_node feature : cpu.children("feature")) {
        if (name == feature.attribute("name").value()) {
            found.push_back(feature);
        }
    }
    return found;
}

void remove_duplicates(const std::vector<pugi::xml_node>& found,
                       std::vector<std::string>& changes) {
    for (std::size_t i = 1; i < found.size(); ++i) {
        remove_logged(found[i], "duplicate", changes);
    }
}

} // namespace

void ensure_nest_feature(pugi::xml_node cpu, NestFeature feature, Nesting nesting,
                         std::vector<std::string>& changes) {
    ensure_named_feature(cpu, to_string(feature), nesting, changes);
}

void ensure_named_feature(pugi::xml_node cpu, std::string_view feature_name, Nesting nesting,
                          std::vector<std::string>& changes) {
    bool enable = nesting == Nesting::enable;
    const char* policy = enable ? "require" : "disable";
    std::array<std::string_view, 2> already =
        enable ? std::array<std::string_view, 2>{"require", "force"}
               : std::array<std::string_view, 2>{"disable", "forbid"};
    std::string name(feature_name);
    std::vector<pugi::xml_node> found = features_named(cpu, name);
    remove_duplicates(found, changes);
    if (found.empty()) {
        pugi::xml_node node = insert_cpu_child(cpu, "feature");
        node.append_attribute("policy").set_value(policy);
        node.append_attribute("name").set_value(name.c_str());
        changes.push_back("added " + describe(node));
        return;
    }
    pugi::xml_attribute attr = found.front().attribute("policy");
    // A feature without a policy is a required one.
    std::string current = attr ? attr.value() : "require";
    if (std::find(already.begin(), already.end(), current) == already.end()) {
        if (!attr) {
            attr = found.front().prepend_attribute("policy");
        }
        attr.set_value(policy);
        changes.push_back("feature " + name + ": " + current + " -> " + policy);
    }
}

void unblock_nest_features(pugi::xml_node cpu, std::vector<std::string>& changes) {
    for (NestFeature feature : {NestFeature::vmx, NestFeature::svm}) {
        unblock_named_feature(cpu, to_string(feature), changes);
    }
}

void unblock_named_feature(pugi::xml_node cpu, std::string_view name,
                           std::vector<std::string>& changes) {
    for (pugi::xml_node node : features_named(cpu, name)) {
        if (is_blocking(node.attribute("policy").value())) {
            remove_logged(node, "it blocks nesting", changes);
        }
    }
    remove_duplicates(features_named(cpu, name), changes);
}

void set_nested_hv(pugi::xml_node domain, Nesting nesting, std::vector<std::string>& changes) {
    bool enable = nesting == Nesting::enable;
    pugi::xml_node features = domain.child("features");
    pugi::xml_node nested = features.child("nested-hv");
    if (!nested) {
        if (!enable) {
            return; // pseries guests do not nest unless nested-hv is on
        }
        if (!features) {
            features = insert_domain_child(domain, "features");
        }
        nested = features.append_child("nested-hv");
        nested.append_attribute("state").set_value("on");
        changes.emplace_back("added <nested-hv state='on'/> to <features>");
        return;
    }
    const char* wanted = enable ? "on" : "off";
    std::string state = nested.attribute("state").value();
    // <nested-hv/> without a state means on.
    if (state.empty() ? !enable : state != wanted) {
        set_attribute(nested, "state", wanted);
        changes.push_back("nested-hv: " + (state.empty() ? std::string("on") : state) + " -> " +
                          wanted);
    }
}

} // namespace virtnest
