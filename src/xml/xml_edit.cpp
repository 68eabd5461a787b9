// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/xml/xml_edit.hpp"

#include "virtnest/xml/xml_document.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace virtnest {
namespace {

// The order in which libvirt 9's virDomainDefFormat prints the children of <domain>.
constexpr std::array<std::string_view, 34> k_domain_order{
    "name",           "uuid",    "genid",         "title",           "description", "metadata",
    "maxMemory",      "memory",  "currentMemory", "blkiotune",       "memtune",     "memoryBacking",
    "vcpu",           "vcpus",   "iothreads",     "iothreadids",     "cputune",     "numatune",
    "resource",       "sysinfo", "bootloader",    "bootloader_args", "os",          "idmap",
    "features",       "cpu",     "clock",         "on_poweroff",     "on_reboot",   "on_crash",
    "on_lockfailure", "pm",      "perf",          "devices"};

// The order in which virCPUDefFormat prints the children of <cpu>.
constexpr std::array<std::string_view, 8> k_cpu_order{
    "model", "vendor", "topology", "cache", "maxphysaddr", "signature", "feature", "numa"};

template <std::size_t N>
std::size_t rank(const std::array<std::string_view, N>& order, std::string_view name) {
    auto it = std::find(order.begin(), order.end(), name);
    // Children we do not know (devices' successors, namespaced extensions) sort last.
    return it == order.end() ? std::numeric_limits<std::size_t>::max()
                             : static_cast<std::size_t>(it - order.begin());
}

template <std::size_t N>
pugi::xml_node insert_ordered(pugi::xml_node parent, std::string_view name,
                              const std::array<std::string_view, N>& order) {
    std::size_t mine = rank(order, name);
    std::string owned(name);
    for (pugi::xml_node child : parent.children()) {
        if (child.type() == pugi::node_element && rank(order, child.name()) > mine) {
            return parent.insert_child_before(owned.c_str(), child);
        }
    }
    return parent.append_child(owned.c_str());
}

} // namespace

std::string describe(const pugi::xml_node& element) {
    std::string text = format_xml(element);
    // One line: drop the indentation newlines of nested children.
    std::string line;
    bool skipping = false;
    for (char c : text) {
        if (c == '\n') {
            skipping = true;
            continue;
        }
        if (skipping && c == ' ') {
            continue;
        }
        skipping = false;
        line += c;
    }
    return line;
}

pugi::xml_node insert_domain_child(pugi::xml_node domain, std::string_view name) {
    return insert_ordered(domain, name, k_domain_order);
}

pugi::xml_node insert_cpu_child(pugi::xml_node cpu, std::string_view name) {
    return insert_ordered(cpu, name, k_cpu_order);
}

void remove_logged(pugi::xml_node node, std::string_view why, std::vector<std::string>& changes) {
    std::string line = "removed " + describe(node);
    if (!why.empty()) {
        line += " (" + std::string(why) + ")";
    }
    changes.push_back(line);
    node.parent().remove_child(node);
}

void set_attribute(pugi::xml_node node, const char* name, const char* value, bool first) {
    pugi::xml_attribute attr = node.attribute(name);
    if (!attr) {
        attr = first ? node.prepend_attribute(name) : node.append_attribute(name);
    }
    attr.set_value(value);
}

} // namespace virtnest
