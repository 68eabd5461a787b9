// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/check/kvm_probe_verdict.hpp"

#include <array>
#include <cstdio>

namespace virtnest {
namespace {

std::string hex_byte(unsigned value) {
    std::array<char, 8> buf{};
    std::snprintf(buf.data(), buf.size(), "0x%02x", value & 0xffu);
    return buf.data();
}

bool has_step(const ProbeResult& probe, const std::string& step) {
    for (const std::string& s : probe.steps) {
        if (s == step) {
            return true;
        }
    }
    return false;
}

// What the steps that passed showed, in words.
std::string what_ran(const ProbeResult& probe) {
    std::string text = "the five-byte real-mode guest (mov al,0x2a; out 0x10,al; hlt) wrote " +
                       hex_byte(probe.value) + " to port 0x10 and halted";
    if (has_step(probe, "loop")) {
        text += "; 2000 port-I/O exits in a loop, its count stored in guest memory";
    }
    if (has_step(probe, "paging")) {
        text += "; a 64-bit guest wrote through its own 4-level page tables";
    }
    return text + "; " + std::to_string(probe.exits) + " exits in all, KVM API " +
           std::to_string(probe.api_version);
}

std::string failed_message(const ProbeResult& probe, const std::string& provider) {
    switch (probe.status) {
    case ProbeStatus::none:
        return "no VM could be set up through /dev/kvm (KVM from " + provider +
               "): " + probe.reason;
    case ProbeStatus::hung:
        return "the tiny guest did not finish in time through /dev/kvm (KVM from " + provider +
               "): " + probe.reason;
    case ProbeStatus::wrong:
        return "the tiny guest ran wrongly through /dev/kvm (KVM from " + provider +
               "): " + probe.reason;
    case ProbeStatus::crashed:
    case ProbeStatus::ran: break;
    }
    return "the probe process failed (KVM from " + provider + "): " + probe.reason;
}

} // namespace

std::string kvm_provider(const HostFacts& facts) {
    std::string names;
    for (const KvmModule& module : facts.modules) {
        if (module.name.starts_with("kvm_")) {
            names += (names.empty() ? "" : ", ") + module.name;
        }
    }
    return names.empty() ? "unknown" : names;
}

Check probe_check(const ProbeResult& probe, const std::string& provider, bool flags_ready) {
    if (probe.status != ProbeStatus::ran) {
        std::string message = failed_message(probe, provider);
        if (flags_ready) {
            message += "; the flags look right, but no VM ran";
        }
        return Check::failure("kvm.probe", message,
                              "fix the failing checks above; if none fails, look at `dmesg` "
                              "for KVM's own complaint and run `kvm-probe` by hand");
    }
    std::string message = "a VM ran here through /dev/kvm (KVM from " + provider +
                          "): " + what_ran(probe) +
                          ". This proves a VM runs here, not that an OS will boot";
    if (!flags_ready) {
        message += "; the failing checks still stand: they are what a full guest and "
                   "hardware nesting need";
    }
    return Check::passed("kvm.probe", message);
}

std::vector<Check> with_probe(std::vector<Check> checks, const ProbeResult& probe,
                              const std::string& provider) {
    const bool flags_ready = is_ready(checks);
    checks.push_back(probe_check(probe, provider, flags_ready));
    return checks;
}

} // namespace virtnest
