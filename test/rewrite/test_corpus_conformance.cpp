// Conformance of the <cpu> rewrite over real domain XML from libvirt 9.0's own test suite
// (../shared/corpus/domains): for every file and every mode the output is well-formed,
// idempotent, unchanged outside <cpu>, accepted by libvirt's test driver wherever the input
// was, and stable when libvirt formats it back; refusals are the expected ones.
#include "virtnest/libvirt/connection.hpp"
#include "virtnest/rewrite/confidential_guest.hpp"
#include "virtnest/rewrite/cpu_rewrite.hpp"
#include "virtnest/rewrite/cpu_vendor.hpp"
#include "virtnest/util/error.hpp"
#include "virtnest/xml/xml_document.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

using namespace virtnest;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<fs::path> corpus_files() {
    std::vector<fs::path> files;
    fs::path root = fs::path(VIRTNEST_CORPUS_DIR) / "domains";
    INFO("the libvirt 9 corpus is expected beside the checkout, at " << root.string());
    REQUIRE(fs::is_directory(root));
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        if (entry.is_regular_file() && entry.path().extension() == ".xml") {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::string with_name(const std::string& xml, const std::string& name) {
    pugi::xml_document doc = parse_domain_xml(xml, "corpus file");
    pugi::xml_node node = doc.child("domain").child("name");
    if (!node) {
        node = doc.child("domain").prepend_child("name");
    }
    node.text().set(name.c_str());
    return format_xml(doc);
}

// The document without the parts a rewrite may touch, printed canonically.
std::string outside_cpu(const std::string& xml) {
    pugi::xml_document doc = parse_domain_xml(xml, "corpus file");
    pugi::xml_node domain = doc.child("domain");
    domain.remove_child("cpu");
    pugi::xml_node features = domain.child("features");
    features.remove_child("nested-hv");
    // Windows guests nest with Hyper-V enlightenments changed; hyperv_nesting's goldens
    // pin down how.
    features.remove_child("hyperv");
    if (features && !features.first_child()) {
        domain.remove_child(features);
    }
    return format_xml(doc);
}

std::string arch_of(const std::string& xml) {
    pugi::xml_document doc = parse_domain_xml(xml, "corpus file");
    return doc.child("domain").child("os").child("type").attribute("arch").value();
}

std::string model_of(const std::string& xml) {
    pugi::xml_document doc = parse_domain_xml(xml, "corpus file");
    return doc.child("domain").child("cpu").child("model").text().as_string();
}

struct Verdict {
    bool accepted = false;
    std::string error;
    std::string formatted; // libvirt's inactive secure XML of the defined domain
};

// Define, read back and undefine under `name`, with schema validation.
Verdict define_and_read(const Connection& conn, const std::string& xml, const std::string& name) {
    Verdict verdict;
    try {
        Domain dom = conn.define(with_name(xml, name), /*validate=*/true, name);
        verdict.accepted = true;
        verdict.formatted = dom.xml(XmlView::inactive_secure);
        dom.undefine();
    } catch (const Error& e) {
        verdict.error = e.what();
    }
    return verdict;
}

struct ModeCase {
    std::string label;
    RewriteRequest request;
};

std::vector<ModeCase> mode_cases(const std::string& xml) {
    std::string arch = arch_of(xml);
    std::string model = model_of(xml);
    RewriteRequest custom;
    custom.mode = CpuMode::custom;
    if (model.empty()) {
        // A model of the domain's own family, so libvirt's test driver can judge it.
        custom.model = arch.starts_with("ppc")    ? "POWER9"
                       : arch.starts_with("s390") ? "z13"
                                                  : "Skylake-Server";
    }
    if (!vendor_of_model(model.empty() ? *custom.model : model)) {
        custom.vendor = Vendor::intel; // generic models (qemu64, ...) run on either vendor
    }
    RewriteRequest passthrough;
    passthrough.mode = CpuMode::host_passthrough;
    RewriteRequest host_model;
    host_model.mode = CpuMode::host_model;
    RewriteRequest disable;
    disable.nesting = Nesting::disable;
    return {{"host-passthrough", passthrough},
            {"host-model", host_model},
            {"custom", custom},
            {"disable", disable}};
}

bool is_x86(const std::string& arch) { return arch.empty() || arch == "x86_64" || arch == "i686"; }

// The refusal a file must get in a mode, or "" when it must be rewritten.
std::string expected_refusal(const std::string& xml, const std::string& label) {
    std::string arch = arch_of(xml);
    pugi::xml_document doc = parse_domain_xml(xml, "corpus file");
    std::string name = domain_name(doc);
    pugi::xml_node cpu = doc.child("domain").child("cpu");
    bool mode_less = !cpu || (!cpu.attribute("mode") && model_of(xml).empty());
    bool other_arch = !is_x86(arch) && !arch.starts_with("ppc") && !arch.starts_with("s390");
    if (other_arch && label != "disable") {
        return "cannot enable nesting in domain \"" + name +
               "\": libvirt 9 cannot express nested virtualization for " + arch + " guests";
    }
    pugi::xml_node security = doc.child("domain").child("launchSecurity");
    if (security && label != "disable") {
        return "cannot enable nesting in domain \"" + name +
               "\": " + *confidential_refusal(security.attribute("type").value());
    }
    if (label == "disable" && (is_x86(arch) || arch.starts_with("s390")) && mode_less) {
        return "cannot disable nesting in domain \"" + name +
               "\": it uses the hypervisor's default CPU; pass --mode host-passthrough, "
               "--mode host-model or --mode custom --model NAME";
    }
    return {};
}

// Whether the rewritten document says what was asked: nesting on (or off) where the
// architecture can express it.
void require_requested_state(const std::string& xml, const ModeCase& mode) {
    pugi::xml_document doc = parse_domain_xml(xml, "rewritten XML");
    pugi::xml_node domain = doc.child("domain");
    std::string arch = domain.child("os").child("type").attribute("arch").value();
    bool enable = mode.request.nesting == Nesting::enable;
    if (arch.starts_with("ppc")) {
        std::string state = domain.child("features").child("nested-hv").attribute("state").value();
        REQUIRE((enable ? state == "on" : state != "on"));
        return;
    }
    if (!is_x86(arch)) {
        return;
    }
    pugi::xml_node cpu = domain.child("cpu");
    REQUIRE(cpu);
    int enabled = 0;
    int blocked = 0;
    for (pugi::xml_node feature : cpu.children("feature")) {
        std::string name = feature.attribute("name").value();
        std::string policy = feature.attribute("policy").value();
        if (name == "vmx" || name == "svm") {
            bool blocks = policy == "disable" || policy == "forbid";
            (blocks ? blocked : enabled) += (policy == "optional" ? 0 : 1);
        }
    }
    if (!enable) {
        REQUIRE(blocked >= 1);
        REQUIRE(enabled == 0);
    } else if (mode.label == "custom") {
        REQUIRE(enabled == 1);
    } else {
        REQUIRE(blocked == 0);
    }
}

struct Counts {
    int rewritten = 0;
    int refused = 0;
    int accepted_before = 0;
    int accepted_after = 0;
    int stable_after_libvirt = 0;
};

} // namespace

TEST_CASE("corpus: every libvirt 9 test domain rewrites correctly in every mode", "[corpus]") {
    std::vector<fs::path> files = corpus_files();
    REQUIRE(files.size() >= 150);
    Connection conn = Connection::open("test:///default");

    std::map<std::string, Counts> counts;
    int inputs_accepted = 0;
    int custom_refusals = 0;
    int printed_like_libvirt = 0;
    int serial = 0;
    for (const fs::path& path : files) {
        std::string file = fs::relative(path, fs::path(VIRTNEST_CORPUS_DIR) / "domains").string();
        CAPTURE(file);
        std::string input = slurp(path);
        Verdict before = define_and_read(conn, input, "conformance-" + std::to_string(++serial));
        inputs_accepted += before.accepted ? 1 : 0;
        if (before.accepted) {
            // Our printer reproduces libvirt's own formatting byte for byte, so a diff of
            // libvirt's XML against a rewrite shows the rewrite and nothing else.
            CAPTURE(before.formatted);
            REQUIRE(canonical_xml(before.formatted, "libvirt's XML") == before.formatted);
            ++printed_like_libvirt;
        }

        bool confidential = input.find("<launchSecurity") != std::string::npos;
        if (model_of(input).empty() && is_x86(arch_of(input)) && !confidential) {
            RewriteRequest no_model;
            no_model.mode = CpuMode::custom;
            REQUIRE_THROWS_WITH(rewrite_cpu(input, no_model),
                                Catch::Matchers::Contains("it names no CPU model; pass --model"));
            ++custom_refusals;
        }

        for (const ModeCase& mode : mode_cases(input)) {
            CAPTURE(mode.label);
            Counts& count = counts[mode.label];
            std::string refusal = expected_refusal(input, mode.label);
            if (!refusal.empty()) {
                REQUIRE_THROWS_WITH(rewrite_cpu(input, mode.request), refusal);
                ++count.refused;
                continue;
            }
            RewriteResult result = rewrite_cpu(input, mode.request);
            ++count.rewritten;
            // Well-formed, and the same document a second time.
            REQUIRE_NOTHROW(parse_domain_xml(result.xml, "rewritten XML"));
            RewriteResult again = rewrite_cpu(result.xml, mode.request);
            CAPTURE(again.changes);
            REQUIRE_FALSE(again.changed);
            REQUIRE(again.xml == result.xml);
            require_requested_state(result.xml, mode);
            // Nothing outside <cpu> (and ppc64's nested-hv) moved.
            REQUIRE(outside_cpu(result.xml) == outside_cpu(input));
            if (!before.accepted) {
                continue;
            }
            ++count.accepted_before;
            Verdict after =
                define_and_read(conn, result.xml, "conformance-" + std::to_string(++serial));
            CAPTURE(after.error, result.xml);
            REQUIRE(after.accepted);
            ++count.accepted_after;
            // libvirt's own formatting of the result is already in the requested state, so
            // a live `enable` on it finds nothing more to do.
            RewriteResult round_trip = rewrite_cpu(after.formatted, mode.request);
            CAPTURE(round_trip.changes, after.formatted);
            REQUIRE_FALSE(round_trip.changed);
            ++count.stable_after_libvirt;
        }
    }

    std::cout << "corpus conformance: " << files.size() << " files, " << inputs_accepted
              << " accepted by test:///default as given; custom without a model refused on "
              << custom_refusals << " x86 files; libvirt's formatting reproduced byte for byte on "
              << printed_like_libvirt << "\n";
    for (const auto& [label, count] : counts) {
        std::cout << "  " << label << ": rewritten " << count.rewritten << ", refused as expected "
                  << count.refused << ", accepted before " << count.accepted_before
                  << ", accepted after " << count.accepted_after << ", stable after libvirt "
                  << count.stable_after_libvirt << "\n";
    }
    REQUIRE(inputs_accepted >= 160);
}
