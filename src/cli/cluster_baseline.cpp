// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/cluster_baseline.hpp"

#include "virtnest/util/error.hpp"

namespace virtnest {

std::vector<Connection> connect_baseline_hosts(const std::vector<std::string>& uris, bool cpus_only,
                                               std::vector<BaselineInput>& inputs) {
    std::vector<Connection> hosts;
    for (const std::string& uri : uris) {
        Connection conn = Connection::open(uri);
        if (cpus_only) {
            hosts.push_back(std::move(conn)); // it computes; its CPU takes no part
            break;
        }
        std::optional<std::string> caps = conn.domain_capabilities(CapsKey{});
        if (!caps) {
            throw Error("cannot read the domain capabilities of \"" + conn.uri() +
                        "\": its driver does not offer them");
        }
        inputs.push_back(baseline_input(conn.uri(), *caps));
        hosts.push_back(std::move(conn));
    }
    return hosts;
}

BaselineResult compute_baseline(const std::vector<Connection>& hosts,
                                const std::vector<BaselineInput>& inputs,
                                const std::vector<std::string>& cpu_files, bool cpus_only) {
    BaselineResult result;
    result.vendor = common_vendor(inputs);
    std::vector<std::string> cpus;
    cpus.reserve(inputs.size());
    for (const BaselineInput& input : inputs) {
        cpus.push_back(input.cpu_xml);
    }
    // Any host computes the baseline; the first one given does. The baseline exists so that
    // guests migrate between the hosts: leave out what blocks migration (invtsc).
    std::optional<std::string> baseline = hosts.front().baseline_hypervisor_cpu(
        CapsKey{}, cpus, /*expand_features=*/false, /*migratable=*/true);
    if (!baseline) {
        throw Error("cannot compute a baseline CPU on \"" + hosts.front().uri() +
                    "\": its driver does not offer virConnectBaselineHypervisorCPU");
    }
    result.cpu_xml = with_nesting(*baseline, result.vendor);
    for (std::size_t i = 0; !cpus_only && i < hosts.size(); ++i) {
        result.checks.push_back(
            {hosts[i].uri(), hosts[i].compare_hypervisor_cpu(CapsKey{}, result.cpu_xml)});
    }
    for (const std::string& file : cpu_files) {
        result.checks.push_back({file, std::nullopt});
    }
    return result;
}

std::string cluster_baseline_cpu(const std::vector<std::string>& uris) {
    std::vector<BaselineInput> inputs;
    const std::vector<Connection> hosts = connect_baseline_hosts(uris, false, inputs);
    const BaselineResult result = compute_baseline(hosts, inputs, {}, false);
    const std::vector<std::string> refusing = incompatible_hosts(result);
    if (!refusing.empty()) {
        throw Error("host \"" + refusing.front() +
                    "\" cannot run the baseline CPU with nesting, so no domain was changed; is "
                    "nesting on there? (virt-nest -c " +
                    refusing.front() + " check)");
    }
    return result.cpu_xml;
}

} // namespace virtnest
