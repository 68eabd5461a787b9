// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/check/libvirt_verdict.hpp"

#include <algorithm>

namespace virtnest {
namespace {

constexpr auto pass = Check::passed;
constexpr auto warn = Check::warning;
constexpr auto fail = Check::failure;

// Say where libvirt's feature list came from, so a FAIL can be weighed.
std::string feature_source(const LibvirtFacts& facts) {
    if (facts.expanded_features) {
        return "host-model expanded by libvirt's baseline";
    }
    if (facts.baseline_error.empty()) {
        return "host-model from domain capabilities; the driver cannot expand it";
    }
    return "host-model from domain capabilities; expanding it failed: " + facts.baseline_error;
}

// libvirt.connect and libvirt.kvm; return false when the checks end there.
bool connection_checks(const LibvirtFacts& facts, std::vector<Check>& checks) {
    const std::string uri = facts.uri.empty() ? "libvirt's default URI" : "\"" + facts.uri + "\"";
    if (!facts.reachable && facts.remote) {
        checks.push_back(fail("libvirt.connect", facts.error,
                              "check the URI, the network path (ssh keys) and that libvirtd runs "
                              "on that host"));
        return false;
    }
    if (!facts.reachable) {
        // A daemon that refuses this user is running: starting it is not the fix.
        const bool refused = facts.error.find("as a non-root user") != std::string::npos;
        checks.push_back(warn("libvirt.connect", facts.error,
                              refused ? "run as root, or join the libvirt group; the other "
                                        "checks do not need libvirt"
                                      : "start the daemon (`systemctl start libvirtd`) or name "
                                        "one with -c URI; the other checks do not need it"));
        return false;
    }
    checks.push_back(pass("libvirt.connect", "connected to " + uri));
    if (facts.domcaps_unsupported) {
        checks.push_back(warn("libvirt.kvm",
                              "the driver behind " + uri +
                                  " does not report domain capabilities, so libvirt's view of "
                                  "nesting is unknown",
                              "ask a QEMU/KVM connection, e.g. -c qemu:///system"));
        return false;
    }
    if (facts.read_only_refused) {
        checks.push_back(warn("libvirt.kvm",
                              "libvirt's view of nesting could not be verified: the read-only "
                              "connection to " +
                                  uri + " may not read domain capabilities",
                              "run without -r/--readonly (as root or in the libvirt group)"));
        return false;
    }
    if (!facts.kvm_caps) {
        checks.push_back(fail("libvirt.kvm",
                              "libvirt cannot run KVM guests: " + facts.kvm_caps_error,
                              "make KVM usable on that host first (see the kvm.* checks there)"));
        return false;
    }
    const DomainCaps& caps = *facts.kvm_caps;
    checks.push_back(pass("libvirt.kvm", "libvirt runs KVM guests (" + caps.arch + ", " +
                                             caps.machine + ", " + caps.emulator + ")"));
    return true;
}

// "libvirt 9.0.0 with QEMU 7.2.0", or as much of it as is known.
std::string stack_of(const LibvirtFacts& facts) {
    std::string out =
        "libvirt" + (facts.libvirt_version.empty() ? "" : " " + facts.libvirt_version);
    if (!facts.qemu_version.empty()) {
        out += " with QEMU " + facts.qemu_version;
    }
    return out;
}

// libvirt.nested when libvirt offers no host-model CPU to look into.
Check no_host_model_check(const LibvirtFacts& facts, const DomainCaps& caps) {
    if (caps.arch == "aarch64" || caps.arch == "armv7l") {
        return fail("libvirt.nested",
                    stack_of(facts) + " offers no host-model CPU on " + caps.arch +
                        ", so it cannot describe a guest CPU with nested virtualization",
                    "nested guests on ARM need KVM in nested mode on the host (kvm.arm_mode in "
                    "`virt-nest check` there) and a libvirt and QEMU that start guests with "
                    "EL2 (QEMU's virt machine with virtualization=on); this " +
                        stack_of(facts) + " reports neither");
    }
    return warn("libvirt.nested",
                "libvirt offers no host-model CPU on " + caps.arch +
                    ", so it cannot tell whether KVM offers nesting",
                "run `virt-nest check` on that host itself");
}

// The CPU features that show nesting on the host-model CPU (any one will do); empty where
// nesting is not a CPU feature.
std::vector<std::string> nesting_features(const DomainCaps& caps) {
    if (caps.arch == "s390x") {
        return {"sief2"};
    }
    if (caps.arch != "x86_64" && caps.arch != "i686") {
        return {};
    }
    if (caps.host_model_vendor == Vendor::intel) {
        return {"vmx"};
    }
    if (caps.host_model_vendor == Vendor::amd) {
        return {"svm"};
    }
    return {"vmx", "svm"};
}

// libvirt.nested from the host-model CPU's features.
Check nested_feature_check(const LibvirtFacts& facts, const std::vector<std::string>& wanted) {
    const DomainCaps& caps = *facts.kvm_caps;
    const std::set<std::string>& features =
        facts.expanded_features ? *facts.expanded_features : caps.host_model_features;
    const std::string source = feature_source(facts);
    std::string model = caps.host_model_name;
    if (caps.host_model_vendor) {
        model += caps.host_model_vendor == Vendor::intel ? ", Intel" : ", AMD";
    }
    auto found = std::find_if(wanted.begin(), wanted.end(),
                              [&](const std::string& f) { return features.count(f) != 0U; });
    if (found != wanted.end()) {
        return pass("libvirt.nested", "libvirt's CPU (" + model + ") offers " + *found +
                                          ": guests can run their own VMs (" + source + ")");
    }
    std::string flags = wanted.size() == 1 ? wanted.front() : "vmx or svm";
    return fail("libvirt.nested",
                "libvirt's CPU (" + model + ") lacks " + flags +
                    ": KVM on that host does not offer nesting (" + source + ")",
                "on that host: `virt-nest host enable --reload`, then check again");
}

// libvirt.nested on POWER: nesting is the pseries machine's nested-hv capability, which
// KVM-HV offers when kvm_hv has nested=1; libvirt's CPU does not show it, this machine's
// files do.
Check power_nested_check(const LibvirtFacts& facts) {
    const std::string mod = kvm_module_for(Platform::power);
    if (facts.remote) {
        return warn("libvirt.nested",
                    "libvirt does not show whether KVM on a POWER host offers nesting: that is " +
                        mod + "'s nested parameter on that host, out of reach from here",
                    "run `virt-nest check` on that host itself");
    }
    if (facts.local_module != mod || !facts.local_nested) {
        return warn("libvirt.nested",
                    "libvirt does not show whether KVM on POWER offers nesting, and " + mod +
                        "'s nested on this host is unknown (see kvm.module and kvm.nested)",
                    "fix kvm.module and kvm.nested first, then check again");
    }
    if (*facts.local_nested) {
        return pass("libvirt.nested", mod + " on this host has nested=1: pseries guests with "
                                            "<nested-hv state='on'/> can run their own VMs");
    }
    return fail("libvirt.nested",
                mod + " on this host has nested=0: QEMU refuses to start pseries guests with "
                      "<nested-hv state='on'/>",
                "`virt-nest host enable --reload`, then check again");
}

} // namespace

std::vector<Check> libvirt_checks(const LibvirtFacts& facts) {
    std::vector<Check> checks;
    if (!connection_checks(facts, checks)) {
        return checks;
    }
    const DomainCaps& caps = *facts.kvm_caps;
    if (caps.arch.starts_with("ppc64")) {
        checks.push_back(power_nested_check(facts));
        return checks;
    }
    if (!caps.host_model_supported) {
        checks.push_back(no_host_model_check(facts, caps));
        return checks;
    }
    std::vector<std::string> wanted = nesting_features(caps);
    if (wanted.empty()) {
        checks.push_back(warn("libvirt.nested",
                              "libvirt's host-model CPU on " + caps.arch +
                                  " does not show whether KVM offers nesting",
                              "run `virt-nest check` on that host itself"));
        return checks;
    }
    checks.push_back(nested_feature_check(facts, wanted));
    if (checks.back().status == CheckStatus::pass && !facts.hugepage_domains.empty()) {
        std::string names;
        for (const std::string& name : facts.hugepage_domains) {
            names += (names.empty() ? "\"" : ", \"") + name + "\"";
        }
        checks.push_back(warn("libvirt.hugepages",
                              "domain(s) " + names +
                                  " use <hugepages/> backing: they will not start while this "
                                  "IBM Z host's kvm has nested=1",
                              "drop <memoryBacking><hugepages/> from them (`virsh edit`), or "
                              "turn nesting off with `virt-nest host disable --reload`"));
    }
    return checks;
}

void add_local_nested(LibvirtFacts& facts, const HostFacts& host) {
    if (facts.remote) {
        return;
    }
    facts.local_module = kvm_module_for(host.cpu.platform);
    facts.local_nested = runtime_nested(host);
}

bool is_remote_uri(std::string_view uri) {
    auto scheme_end = uri.find("://");
    if (scheme_end == std::string_view::npos) {
        return false;
    }
    std::string_view rest = uri.substr(scheme_end + 3);
    std::string_view host = rest.substr(0, rest.find('/'));
    return !host.empty() && host != "localhost";
}

} // namespace virtnest
