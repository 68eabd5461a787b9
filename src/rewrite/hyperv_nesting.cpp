// SPDX-License-Identifier: GPL-2.0-or-later
#include "rewrite/hyperv_nesting.hpp"

#include "virtnest/xml/xml_edit.hpp"

#include <string_view>

namespace virtnest {
namespace {

constexpr std::string_view k_microsoft_os = "http://microsoft.com/win/";

// The name of an element without its namespace prefix ("libosinfo:os" -> "os").
std::string_view local_name(pugi::xml_node node) {
    std::string_view name = node.name();
    std::size_t colon = name.find(':');
    return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

bool names_microsoft_os(pugi::xml_node metadata) {
    for (pugi::xml_node entry : metadata.children()) {
        if (local_name(entry) != "libosinfo") {
            continue;
        }
        for (pugi::xml_node os : entry.children()) {
            if (local_name(os) == "os" &&
                std::string_view(os.attribute("id").value()).starts_with(k_microsoft_os)) {
                return true;
            }
        }
    }
    return false;
}

bool is_on(pugi::xml_node node) {
    // An enlightenment without a state is off for libvirt's schema; only 'on' counts.
    return node && std::string_view(node.attribute("state").value()) == "on";
}

// Turn the enlightenment `name` on; a missing one goes after `after` (first when that is
// absent), or last when `after` is null, where libvirt prints it.
void turn_on(pugi::xml_node hyperv, const char* name, const char* after,
             std::vector<std::string>& changes) {
    pugi::xml_node node = hyperv.child(name);
    if (is_on(node)) {
        return;
    }
    if (!node) {
        if (after == nullptr) {
            node = hyperv.append_child(name);
        } else if (pugi::xml_node anchor = hyperv.child(after)) {
            node = hyperv.insert_child_after(name, anchor);
        } else {
            node = hyperv.prepend_child(name);
        }
        node.append_attribute("state").set_value("on");
        changes.push_back("added <" + std::string(name) + " state='on'/> to <hyperv>");
        return;
    }
    std::string old = node.attribute("state").value();
    set_attribute(node, "state", "on");
    changes.push_back("hyperv " + std::string(name) + ": " + (old.empty() ? "unset" : old) +
                      " -> on");
}

pugi::xml_node ensure_hyperv(pugi::xml_node domain, std::vector<std::string>& changes) {
    pugi::xml_node features = domain.child("features");
    if (!features) {
        features = insert_domain_child(domain, "features");
    }
    pugi::xml_node hyperv = features.child("hyperv");
    if (!hyperv) {
        hyperv = features.append_child("hyperv");
        hyperv.append_attribute("mode").set_value("custom");
        changes.emplace_back("added <hyperv mode='custom'> to <features>");
    }
    return hyperv;
}

} // namespace

bool is_windows_guest(pugi::xml_node domain, GuestOs guest_os) {
    switch (guest_os) {
    case GuestOs::windows: return true;
    case GuestOs::other: return false;
    case GuestOs::detect: break;
    }
    return domain.child("features").child("hyperv") || names_microsoft_os(domain.child("metadata"));
}

void enable_hyperv_nesting(pugi::xml_node domain, std::optional<NestFeature> feature,
                           std::vector<std::string>& changes, std::vector<std::string>& warnings) {
    if (!feature) {
        warnings.emplace_back(
            "cannot tell the host's vendor for the Hyper-V enlightenments of this Windows "
            "guest: pass --vendor intel (evmcs and vapic on) or --vendor amd (no evmcs)");
        return;
    }
    if (*feature == NestFeature::svm) {
        // Every <evmcs>, not only the first: a repeated element would otherwise take one more
        // run per copy, and a second run would not leave the result unchanged.
        pugi::xml_node hyperv = domain.child("features").child("hyperv");
        while (pugi::xml_node evmcs = hyperv.child("evmcs")) {
            warnings.push_back("removed " + describe(evmcs) +
                               ": the enlightened VMCS exists only on Intel, and QEMU refuses "
                               "it on AMD");
            remove_logged(evmcs, "Intel-only", changes);
        }
        warnings.emplace_back("Windows runs Hyper-V (WSL2, virtualization-based security) in "
                              "an AMD guest only from Windows 11 and Windows Server 2022 on");
        return;
    }
    pugi::xml_node hyperv = ensure_hyperv(domain, changes);
    if (std::string_view(hyperv.attribute("mode").value()) == "passthrough") {
        return; // every enlightenment the host has, evmcs included, is on already
    }
    turn_on(hyperv, "vapic", "relaxed", changes);
    turn_on(hyperv, "evmcs", nullptr, changes);
}

void disable_hyperv_nesting(pugi::xml_node domain, std::vector<std::string>& changes) {
    pugi::xml_node hyperv = domain.child("features").child("hyperv");
    for (pugi::xml_node evmcs = hyperv.child("evmcs"); evmcs;) {
        pugi::xml_node next = evmcs.next_sibling("evmcs");
        if (is_on(evmcs)) {
            remove_logged(evmcs, "it serves only nested guests", changes);
        }
        evmcs = next;
    }
}

} // namespace virtnest
