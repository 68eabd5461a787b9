// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/rewrite/cpu_rewrite.hpp"

#include "rewrite/baseline_cpu.hpp"
#include "rewrite/hyperv_nesting.hpp"
#include "rewrite/nest_features.hpp"
#include "virtnest/rewrite/confidential_guest.hpp"
#include "virtnest/rewrite/cpu_vendor.hpp"
#include "virtnest/util/error.hpp"
#include "virtnest/util/name_suggest.hpp"
#include "virtnest/xml/xml_document.hpp"
#include "virtnest/xml/xml_edit.hpp"

#include <algorithm>
#include <vector>

namespace virtnest {

namespace {

// How an architecture expresses nesting in libvirt 9.
enum class ArchFamily { x86, ppc64, s390x, other };

ArchFamily family_of(std::string_view arch) {
    // A domain without an arch runs as the host's; virt-nest targets x86 hosts.
    if (arch.empty() || arch == "x86_64" || arch == "i686") {
        return ArchFamily::x86;
    }
    if (arch.starts_with("ppc")) {
        return ArchFamily::ppc64;
    }
    if (arch.starts_with("s390")) {
        return ArchFamily::s390x;
    }
    return ArchFamily::other;
}

std::string_view vendor_name(Vendor vendor) { return vendor == Vendor::intel ? "Intel" : "AMD"; }

// One rewrite in progress: the document, what was asked, and what has been done so far.
class Rewrite {
  public:
    Rewrite(pugi::xml_document& doc, const RewriteRequest& request)
        : m_domain(doc.document_element()), m_request(request) {
        std::string name = domain_name(doc);
        m_label = name.empty() ? std::string("the domain") : "domain \"" + name + "\"";
        m_arch = m_domain.child("os").child("type").attribute("arch").value();
        m_family = family_of(m_arch);
        m_cpu = m_domain.child("cpu");
        if (m_cpu && m_cpu.next_sibling("cpu")) {
            throw Error("cannot rewrite " + m_label + ": it has more than one <cpu> element");
        }
        if (request.nesting == Nesting::enable) {
            refuse_confidential();
        }
    }

    RewriteResult run() {
        if (m_request.mode == CpuMode::none) {
            throw Error("cannot rewrite " + m_label +
                        ": \"none\" is not a CPU mode to rewrite to; use host-passthrough, "
                        "host-model, custom or maximum");
        }
        if (m_request.feature && m_family != ArchFamily::x86) {
            m_result.warnings.push_back("feature " + std::string(to_string(*m_request.feature)) +
                                        " ignored: " + m_label + " is " + m_arch +
                                        ", and vmx/svm exist only on x86");
        }
        if (m_family == ArchFamily::other) {
            return other_arch();
        }
        if (m_request.baseline_cpu && m_request.nesting == Nesting::enable) {
            return with_baseline();
        }
        apply_mode();
        if (m_family == ArchFamily::x86) {
            apply_x86_features();
        } else if (m_family == ArchFamily::ppc64) {
            refuse_non_pseries();
            set_nested_hv(m_domain, m_request.nesting, m_result.changes);
        } else {
            apply_sief2();
        }
        return std::move(m_result);
    }

  private:
    RewriteResult with_baseline() {
        if (m_family != ArchFamily::x86) {
            throw Error("cannot give " + m_label + " a baseline CPU: it is " + m_arch +
                        ", and baselines carry vmx/svm, which exist only on x86");
        }
        apply_baseline_cpu(m_domain, m_cpu, *m_request.baseline_cpu, m_result.changes,
                           m_result.warnings);
        warn_maxphysaddr(CpuMode::custom);
        if (is_windows_guest(m_domain, m_request.guest_os)) {
            enable_hyperv_nesting(m_domain, infer_feature(), m_result.changes, m_result.warnings);
        }
        return std::move(m_result);
    }

    void refuse_confidential() {
        pugi::xml_node security = m_domain.child("launchSecurity");
        if (!security) {
            return;
        }
        std::string type = security.attribute("type").value();
        if (auto refusal = confidential_refusal(type.empty() ? std::string("unknown") : type)) {
            throw Error("cannot enable nesting in " + m_label + ": " + *refusal);
        }
    }

    // ppc64: nested-hv is a capability of the pseries machine (QEMU's cap-nested-hv); the
    // other machines (powernv, mac99, ...) have no such switch. No machine means pseries.
    void refuse_non_pseries() {
        std::string machine = m_domain.child("os").child("type").attribute("machine").value();
        if (m_request.nesting == Nesting::enable && !machine.empty() &&
            !machine.starts_with("pseries")) {
            throw Error("cannot enable nesting in " + m_label +
                        ": nested-hv exists only on pseries machines, and its machine is \"" +
                        machine + "\"; use machine='pseries'");
        }
    }

    // s390x: the guest's sief2 facility carries SIE (nesting) into an L1; the host's kvm
    // module must also have nested=1, which no domain setting overrides.
    void apply_sief2() {
        if (m_request.nesting == Nesting::disable) {
            if (!m_cpu) {
                require_cpu_for_mode_less();
            }
            ensure_named_feature(m_cpu, "sief2", Nesting::disable, m_result.changes);
            return;
        }
        if (m_cpu && current_mode() == "custom") {
            ensure_named_feature(m_cpu, "sief2", Nesting::enable, m_result.changes);
        } else if (m_cpu) {
            unblock_named_feature(m_cpu, "sief2", m_result.changes);
        }
        m_result.warnings.push_back(m_arch +
                                    " guests nest only when the host's kvm module has nested=1");
        if (m_domain.child("memoryBacking").child("hugepages")) {
            m_result.warnings.push_back(
                m_label + " is backed by huge pages, which an " + m_arch +
                " host cannot give a guest while its kvm module has nested=1 (hpage=1 and "
                "nested=1 exclude each other): it will not start on a host set up for nesting");
        }
    }

    RewriteResult other_arch() {
        std::string arch = m_arch.empty() ? std::string("this architecture") : m_arch;
        if (m_request.nesting == Nesting::enable) {
            throw Error("cannot enable nesting in " + m_label +
                        ": libvirt 9 cannot express "
                        "nested virtualization for " +
                        arch + " guests");
        }
        m_result.warnings.push_back(arch +
                                    " guests cannot nest with libvirt 9; nothing to disable");
        return std::move(m_result);
    }

    void change(std::string line) { m_result.changes.push_back(std::move(line)); }

    void remove(pugi::xml_node node) { remove_logged(node, {}, m_result.changes); }

    void remove_attribute(const char* name) {
        if (pugi::xml_attribute attr = m_cpu.attribute(name); attr) {
            change("removed " + std::string(name) + "='" + attr.value() + "' from <cpu>");
            m_cpu.remove_attribute(attr);
        }
    }

    void remove_children(const char* name) {
        while (pugi::xml_node node = m_cpu.child(name)) {
            remove(node);
        }
    }

    // The mode the <cpu> element has now; a <cpu> without a mode is custom when it names a
    // model, otherwise it only carries topology or NUMA and the hypervisor picks the CPU.
    std::string current_mode() const {
        if (!m_cpu) {
            return "none";
        }
        if (pugi::xml_attribute mode = m_cpu.attribute("mode"); mode) {
            return mode.value();
        }
        return current_model().empty() ? "none" : "custom";
    }

    std::string current_model() const { return m_cpu.child("model").text().as_string(); }

    void apply_mode() {
        std::optional<CpuMode> target = m_request.mode;
        if (m_request.model && target != CpuMode::custom &&
            !(target == CpuMode::host_model && m_family == ArchFamily::ppc64)) {
            m_result.warnings.push_back("model \"" + *m_request.model +
                                        "\" ignored: a model is used only in custom mode");
        }
        if (!target) {
            std::string mode = current_mode();
            if (mode == "none") {
                require_cpu_for_mode_less();
                return;
            }
            target = parse_cpu_mode(mode);
            if (!target) {
                throw Error("cannot rewrite " + m_label + ": unknown CPU mode \"" + mode +
                            "\"; pass --mode");
            }
        }
        if (*target == CpuMode::custom) {
            to_custom();
            return;
        }
        std::string from = current_mode();
        std::string to(to_string(*target));
        if (!m_cpu) {
            m_cpu = insert_domain_child(m_domain, "cpu");
            set_attribute(m_cpu, "mode", to.c_str(), true);
            change("added <cpu mode='" + to + "'>");
        } else if (from != to) {
            set_attribute(m_cpu, "mode", to.c_str(), true);
            change("mode: " + from + " -> " + to);
        }
        if (m_request.migratable &&
            (*target == CpuMode::host_passthrough || *target == CpuMode::maximum) &&
            std::string_view(m_cpu.attribute("migratable").value()) != "on") {
            std::string old = m_cpu.attribute("migratable").value();
            set_attribute(m_cpu, "migratable", "on");
            change(old.empty() ? std::string("set migratable='on' on <cpu>")
                               : "migratable: " + old + " -> on");
        }
        bool host_model = *target == CpuMode::host_model;
        if (!(host_model && m_family == ArchFamily::ppc64)) {
            remove_children("model");
        } else if (m_request.model) {
            set_model(*m_request.model);
        }
        remove_children("vendor");
        remove_attribute("match");
        if (host_model) {
            remove_attribute("migratable");
            remove_cache_passthrough();
        }
        warn_maxphysaddr(*target);
        if (*target == CpuMode::host_passthrough &&
            std::string_view(m_domain.attribute("type").value()) == "qemu") {
            m_result.warnings.push_back(
                m_label + " uses TCG (type='qemu'), where QEMU offers host-passthrough only "
                          "with KVM; use --mode maximum or custom");
        }
    }

    // Nesting on x86 needs a CPU definition to carry the feature; on other arches the
    // hypervisor's default CPU is as good as any for nesting.
    void require_cpu_for_mode_less() {
        if (m_family == ArchFamily::x86 ||
            (m_family == ArchFamily::s390x && m_request.nesting == Nesting::disable)) {
            std::string verb = m_request.nesting == Nesting::enable ? "enable" : "disable";
            throw Error("cannot " + verb + " nesting in " + m_label +
                        ": it uses the hypervisor's default CPU; pass --mode host-passthrough, "
                        "--mode host-model or --mode custom --model NAME");
        }
    }

    void to_custom() {
        std::string model = m_request.model ? *m_request.model : current_model();
        if (model.empty()) {
            throw Error("cannot use custom mode for " + m_label +
                        ": it names no CPU model; pass --model NAME (for example --model "
                        "Skylake-Server or --model EPYC)");
        }
        if (m_request.model && m_family == ArchFamily::x86 && !is_known_x86_model(model)) {
            throw Error("unknown CPU model \"" + model + "\" for " + m_label +
                        did_you_mean(model, known_x86_models()));
        }
        std::string from = current_mode();
        if (!m_cpu) {
            m_cpu = insert_domain_child(m_domain, "cpu");
            set_attribute(m_cpu, "mode", "custom", true);
            change("added <cpu mode='custom'>");
        } else if (from != "custom") {
            set_attribute(m_cpu, "mode", "custom", true);
            change("mode: " + from + " -> custom");
        }
        set_model(model);
        remove_attribute("migratable");
        remove_cache_passthrough();
        warn_maxphysaddr(CpuMode::custom);
    }

    void set_model(const std::string& model) {
        pugi::xml_node node = m_cpu.child("model");
        if (!node) {
            node = insert_cpu_child(m_cpu, "model");
        }
        std::string old = node.text().as_string();
        if (old != model) {
            node.text().set(model.c_str());
            change(old.empty() ? "model: set to " + model : "model: " + old + " -> " + model);
        }
    }

    void remove_cache_passthrough() {
        std::vector<pugi::xml_node> doomed;
        for (pugi::xml_node cache : m_cpu.children("cache")) {
            if (std::string_view(cache.attribute("mode").value()) == "passthrough") {
                doomed.push_back(cache);
            }
        }
        if (!doomed.empty()) {
            m_result.warnings.emplace_back(
                "removed <cache mode='passthrough'>: libvirt accepts it only with "
                "host-passthrough or maximum");
        }
        for (pugi::xml_node cache : doomed) {
            remove(cache);
        }
    }

    void warn_maxphysaddr(CpuMode mode) {
        pugi::xml_node addr = m_cpu.child("maxphysaddr");
        if (addr && std::string_view(addr.attribute("mode").value()) == "passthrough" &&
            mode != CpuMode::host_passthrough && mode != CpuMode::maximum) {
            m_result.warnings.push_back("kept " + describe(addr) +
                                        ", but QEMU accepts it only with host-passthrough or "
                                        "maximum; use mode='emulate' with bits=");
        }
    }

    // The feature named by the request, its vendor, or the CPU model (and <vendor>) left
    // after the mode change; nullopt when nothing tells.
    std::optional<NestFeature> infer_feature() {
        std::optional<Vendor> model_vendor;
        std::string model = m_cpu ? current_model() : std::string();
        if (!model.empty()) {
            model_vendor = vendor_of_model(model);
        }
        if (!model_vendor && m_cpu && m_cpu.child("vendor")) {
            model_vendor = parse_vendor(m_cpu.child("vendor").text().as_string());
        }
        std::optional<NestFeature> chosen = m_request.feature;
        if (!chosen && m_request.vendor) {
            chosen = feature_for(*m_request.vendor);
        }
        if (chosen && model_vendor && feature_for(*model_vendor) != *chosen && !m_warned_vendor) {
            m_warned_vendor = true;
            m_result.warnings.push_back("feature " + std::string(to_string(*chosen)) +
                                        " does not match CPU model \"" + model + "\" (" +
                                        std::string(vendor_name(*model_vendor)) + ", which uses " +
                                        std::string(to_string(feature_for(*model_vendor))) + ")");
        }
        if (!chosen && model_vendor) {
            chosen = feature_for(*model_vendor);
        }
        return chosen;
    }

    void apply_x86_features() {
        if (!m_cpu) {
            return;
        }
        apply_nest_feature();
        if (m_request.nesting == Nesting::disable) {
            disable_hyperv_nesting(m_domain, m_result.changes);
        } else if (is_windows_guest(m_domain, m_request.guest_os)) {
            enable_hyperv_nesting(m_domain, infer_feature(), m_result.changes, m_result.warnings);
        }
    }

    void apply_nest_feature() {
        std::string mode = current_mode();
        if (m_request.nesting == Nesting::disable) {
            std::optional<NestFeature> feature = infer_feature();
            if (feature) {
                ensure_nest_feature(m_cpu, *feature, Nesting::disable, m_result.changes);
            } else {
                // Hardening without knowing the vendor: block both, whichever the host has.
                ensure_nest_feature(m_cpu, NestFeature::vmx, Nesting::disable, m_result.changes);
                ensure_nest_feature(m_cpu, NestFeature::svm, Nesting::disable, m_result.changes);
            }
            return;
        }
        if (mode == "custom") {
            std::optional<NestFeature> feature = infer_feature();
            if (!feature) {
                throw Error(
                    "cannot tell whether " + m_label + " needs vmx or svm: CPU model \"" +
                    current_model() +
                    "\" belongs to no vendor; pass --feature vmx|svm or --vendor intel|amd");
            }
            ensure_nest_feature(m_cpu, *feature, Nesting::enable, m_result.changes);
            if (m_request.require_paging && *feature == NestFeature::svm) {
                if (auto paging = paging_feature_to_add(current_model())) {
                    ensure_named_feature(m_cpu, *paging, Nesting::enable, m_result.changes);
                }
            }
            return;
        }
        // The guest takes the host's CPU: whichever of vmx/svm the host has must not be blocked.
        unblock_nest_features(m_cpu, m_result.changes);
    }

    pugi::xml_node m_domain;
    const RewriteRequest& m_request;
    std::string m_label;
    std::string m_arch;
    ArchFamily m_family = ArchFamily::x86;
    bool m_warned_vendor = false; // the feature/model mismatch is said once
    pugi::xml_node m_cpu;
    RewriteResult m_result;
};

} // namespace

RewriteResult rewrite_cpu(std::string_view domain_xml, const RewriteRequest& request) {
    return rewrite_cpu(domain_xml, request, "domain XML");
}

RewriteResult rewrite_cpu(std::string_view domain_xml, const RewriteRequest& request,
                          std::string_view source) {
    pugi::xml_document doc = parse_domain_xml(domain_xml, source);
    RewriteResult result = Rewrite(doc, request).run();
    result.changed = !result.changes.empty();
    result.xml = result.changed ? format_xml(doc) : std::string(domain_xml);
    return result;
}

} // namespace virtnest
