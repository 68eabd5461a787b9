// SPDX-License-Identifier: GPL-2.0-or-later
// verify on one connection: does each running domain's vCPU carry vmx/svm right now?
#include "live/live_agent.hpp"
#include "live/live_common.hpp"
#include "virtnest/live/live_commands.hpp"

#include "virtnest/live/cpu_inspect.hpp"
#include "virtnest/live/nest_planner.hpp"
#include "virtnest/live/nest_target_cache.hpp"
#include "virtnest/live/running_cpu.hpp"

namespace virtnest {
namespace {

struct VerifyRow {
    std::string name;
    std::string state;
    std::string feature; // "vmx", "svm"; empty when nothing tells
    RunningCpu running;
    std::optional<GuestKvm> guest; // what the guest agent read inside; nullopt: not asked
    bool agent_asked = false;      // the agent was sent a command (libvirt taints the domain)
};

// Ask QEMU's monitor (qom-get on the first vCPU); keep `running` and say why when it fails.
RunningCpu ask_monitor(const Domain& dom, NestFeature feature, RunningCpu running) {
    const std::string slat = feature == NestFeature::svm ? "npt" : "vmx-ept";
    try {
        std::string virt_reply =
            dom.qemu_monitor_command(qom_get_command(std::string(to_string(feature))));
        std::string slat_reply = dom.qemu_monitor_command(qom_get_command(slat));
        return running_cpu_from_monitor(virt_reply, slat_reply, feature);
    } catch (const LibvirtError& e) {
        if (e.failure() == LibvirtFailure::no_domain) {
            throw;
        }
        running.detail += "; QEMU monitor: " + std::string(e.what());
        return running;
    }
}

// Ask the guest agent when the domain has one that answers: the guest's own /proc/cpuinfo
// is the most direct answer there is, and only it tells whether the guest's kvm module is
// loaded. When it fails, the live XML's answer stands and the detail says why.
void ask_agent(const Domain& dom, const std::string& live_xml, NestFeature feature,
               VerifyRow& row) {
    switch (agent_channel(live_xml)) {
    case AgentChannel::none: return;
    case AgentChannel::disconnected:
        row.running.detail += "; guest agent: channel present, no agent connected";
        return;
    case AgentChannel::connected: break;
    }
    row.agent_asked = true;
    try {
        row.guest = ask_guest_agent(dom, feature);
        row.running = row.guest->cpu;
    } catch (const LibvirtError& e) {
        if (e.failure() == LibvirtFailure::no_domain) {
            throw;
        }
        row.running.detail += "; guest agent: " + std::string(e.what());
    } catch (const Error& e) {
        row.running.detail += "; guest agent: " + std::string(e.what());
    }
}

VerifyRow verify_one(NestTargetCache& targets, const ListedDomain& item,
                     const VerifyOptions& options) {
    const Domain& dom = item.domain;
    VerifyRow row;
    row.name = dom.name();
    row.state = std::string(to_string(item.state));
    if (!is_active(item.state)) {
        row.running.source = "state";
        row.running.detail = "not running: there is no vCPU to ask; start the domain";
        return row;
    }
    const std::string live_xml = dom.xml(XmlView::live);
    DomainFacts facts;
    facts.cpu = inspect_cpu(live_xml);
    std::optional<NestFeature> feature =
        feature_in_play(facts, targets.get(facts.cpu.caps_key), NestOptions{});
    if (!feature) {
        row.running.source = "live XML";
        row.running.detail = "no vendor tells whether vmx or svm is in play";
        return row;
    }
    row.feature = std::string(to_string(*feature));
    row.running = running_cpu_from_live_xml(live_xml, *feature);
    if (options.agent) {
        ask_agent(dom, live_xml, *feature, row);
    }
    if (options.monitor && row.running.virt == Answer::unknown) {
        row.running = ask_monitor(dom, *feature, row.running);
    }
    return row;
}

std::string render(const VerifyRow& row) {
    const std::string feature = row.feature.empty() ? "vmx/svm" : row.feature;
    const std::string slat = row.feature == "vmx" ? "ept" : row.feature == "svm" ? "npt" : "slat";
    std::string detail = row.running.detail;
    if (row.guest) {
        detail += "; " + describe_guest_kvm(*row.guest);
    }
    return row.name + ": " + feature + "=" + std::string(to_string(row.running.virt)) + " " + slat +
           "=" + std::string(to_string(row.running.slat)) + " (" + row.running.source + ": " +
           detail + ")\n";
}

// Return a source as a JSON token: "live XML" -> "live-xml".
std::string source_token(std::string_view source) {
    std::string token;
    for (char c : source) {
        token += c == ' ' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return token;
}

nlohmann::json to_json(const VerifyRow& row) {
    return {
        {"name", row.name},
        {"state", state_token(row.state)},
        {"feature", row.feature.empty() ? nlohmann::json(nullptr) : nlohmann::json(row.feature)},
        {"virt", to_string(row.running.virt)},
        {"slat", to_string(row.running.slat)},
        {"source", source_token(row.running.source)},
        {"detail", row.running.detail},
        {"kvm_module", row.guest ? nlohmann::json(to_string(row.guest->module)) : nullptr},
        {"dev_kvm", row.guest ? nlohmann::json(to_string(row.guest->dev_kvm)) : nullptr}};
}

} // namespace

RunOutcome verify_on(const Connection& conn, const VerifyOptions& options) {
    std::vector<ListedDomain> listed = conn.list_all_domains_with_state();
    Selection selection = options.selection;
    selection.empty_means_all = true;
    if (selection.patterns.empty() && !selection.state) {
        selection.state = StateFilter::running;
    }
    std::vector<std::size_t> selected = select_listed(listed, selection);
    NestTargetCache targets(conn);
    RunOutcome outcome;
    bool lacking = false;
    bool unknown = false;
    std::size_t agent_asked = 0;
    for (std::size_t index : selected) {
        try {
            VerifyRow row = verify_one(targets, listed[index], options);
            agent_asked += row.agent_asked ? 1U : 0U;
            lacking = lacking || row.running.virt == Answer::no;
            unknown = unknown || row.running.virt == Answer::unknown;
            outcome.text += render(row);
            outcome.records.push_back(to_json(row));
        } catch (const LibvirtError& e) {
            if (e.failure() != LibvirtFailure::no_domain) {
                throw;
            }
        }
    }
    outcome.exit_code = lacking   ? ExitCode::not_ready
                        : unknown ? ExitCode::incomplete
                                  : ExitCode::ok;
    if (agent_asked > 0) {
        outcome.text += "note: asked the guest agent of " + std::to_string(agent_asked) +
                        (agent_asked == 1 ? " domain" : " domains") +
                        "; libvirt marks a domain whose agent is sent a command as tainted "
                        "(custom-ga-command); --no-agent does without\n";
    }
    outcome.summary = {{"verified", outcome.records.size()}, {"agent_asked", agent_asked}};
    return outcome;
}

} // namespace virtnest
