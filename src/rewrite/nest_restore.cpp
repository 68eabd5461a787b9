// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/rewrite/nest_restore.hpp"

#include "virtnest/util/error.hpp"
#include "virtnest/xml/xml_document.hpp"
#include "virtnest/xml/xml_edit.hpp"

#include <array>

namespace virtnest {
namespace {

// The Hyper-V enlightenments that enable and disable touch (rewrite/hyperv_nesting).
constexpr std::array<const char*, 2> k_hyperv_nesting{"evmcs", "vapic"};

bool same_element(const pugi::xml_node& a, const pugi::xml_node& b) {
    if (!a || !b) {
        return !a && !b;
    }
    return describe(a) == describe(b);
}

// Where a new child goes: libvirt's order for <domain>'s children, the end elsewhere.
using SlotMaker = pugi::xml_node (*)(pugi::xml_node parent, std::string_view name);

pugi::xml_node append_slot(pugi::xml_node parent, std::string_view name) {
    return parent.append_child(std::string(name).c_str());
}

// Make the child <name> of `parent` what `wanted` is (a copy of it, or nothing), keeping its
// place when it has one. Log what changed to `changes`.
void set_child_like(pugi::xml_node parent, const char* name, const pugi::xml_node& wanted,
                    SlotMaker make_slot, std::vector<std::string>& changes) {
    pugi::xml_node have = parent.child(name);
    if (same_element(have, wanted)) {
        return;
    }
    if (!wanted) {
        remove_logged(have, "not in the backup", changes);
        return;
    }
    pugi::xml_node slot = have ? have : make_slot(parent, name);
    pugi::xml_node copy = parent.insert_copy_after(wanted, slot);
    parent.remove_child(slot);
    changes.push_back("restored " + describe(copy));
}

void restore_hyperv(pugi::xml_node current, pugi::xml_node backup,
                    std::vector<std::string>& changes) {
    pugi::xml_node from = backup.child("features").child("hyperv");
    pugi::xml_node features = current.child("features");
    pugi::xml_node to = features.child("hyperv");
    if (!to) {
        // enable adds <evmcs>/<vapic> only inside an existing <hyperv>, or with a new one
        // (rewrite/hyperv_nesting); a <hyperv> the backup had and the domain lost since is
        // an operator's edit, not virt-nest's.
        return;
    }
    for (const char* name : k_hyperv_nesting) {
        set_child_like(to, name, from.child(name), append_slot, changes);
    }
    if (!from && !to.first_child()) {
        remove_logged(to, "empty, and not in the backup", changes);
    }
    if (!backup.child("features") && !features.first_child()) {
        remove_logged(features, "empty, and not in the backup", changes);
    }
}

} // namespace

NestRestore restore_nest_parts(std::string_view current_xml, std::string_view backup_xml) {
    pugi::xml_document current = parse_domain_xml(current_xml, "the current definition");
    pugi::xml_document backup = parse_domain_xml(backup_xml, "the backup");
    pugi::xml_node domain = current.document_element();
    pugi::xml_node saved = backup.document_element();
    const std::string uuid = domain.child_value("uuid");
    if (uuid != saved.child_value("uuid")) {
        throw Error("the backup is of domain UUID \"" + std::string(saved.child_value("uuid")) +
                    "\", not of \"" + uuid + "\"");
    }
    NestRestore result;
    set_child_like(domain, "cpu", saved.child("cpu"), insert_domain_child, result.changes);
    restore_hyperv(domain, saved, result.changes);
    result.xml = result.changes.empty() ? std::string(current_xml) : format_xml(current);
    return result;
}

} // namespace virtnest
