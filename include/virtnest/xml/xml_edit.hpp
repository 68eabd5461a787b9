// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// Small DOM edits shared by the rewrite engine: inserting children where libvirt would
// print them, and describing an element in one line for change logs. Pure.

#include <pugixml.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace virtnest {

// Return `element` printed on one line as libvirt would print it (children included).
std::string describe(const pugi::xml_node& element);

// Insert a new <name> child into <domain> where libvirt's formatter puts it (e.g. <cpu>
// after <features> and before <clock>) and return it.
pugi::xml_node insert_domain_child(pugi::xml_node domain, std::string_view name);

// Insert a new <name> child into <cpu> where libvirt's formatter puts it (<model> first,
// <feature> after the other features and before <numa>) and return it.
pugi::xml_node insert_cpu_child(pugi::xml_node cpu, std::string_view name);

// Remove `node` and log "removed <...>" (with " (why)" when given) to `changes`.
void remove_logged(pugi::xml_node node, std::string_view why, std::vector<std::string>& changes);

// Set attribute `name` to `value`; a new attribute goes first when `first` is set (libvirt
// prints <cpu mode=...> before its other attributes), else last.
void set_attribute(pugi::xml_node node, const char* name, const char* value, bool first = false);

} // namespace virtnest
