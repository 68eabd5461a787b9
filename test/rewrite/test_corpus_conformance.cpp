// SPDX-License-Identifier: GPL-2.0-or-later
// Conformance of the <cpu> rewrite over every domain XML of the installed libvirt's own test
// suite (tests/qemuxml2argvdata and tests/qemuxml2xmloutdata, fetched by
// scripts/fetch-test-data): for every document and every mode the output is well-formed,
// idempotent, unchanged outside <cpu>, accepted by libvirt's test driver wherever the input
// was, and stable when libvirt formats it back; refusals are the expected ones. Inputs the
// test driver refuses as given are counted by reason, not dropped. docs/conformance.md
// records the counts.
#include "libvirt_test_data.hpp"
#include "virtnest/libvirt/connection.hpp"
#include "virtnest/rewrite/confidential_guest.hpp"
#include "virtnest/rewrite/cpu_rewrite.hpp"
#include "virtnest/rewrite/cpu_vendor.hpp"
#include "virtnest/util/error.hpp"
#include "virtnest/xml/xml_document.hpp"

#include <catch2/catch.hpp>
#include <libxml/parser.h>
#include <libxml/relaxng.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
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

struct CorpusFiles {
    std::vector<fs::path> files; // one per distinct document
    int total = 0;               // domain XML files in the two directories
    int duplicates = 0;          // symlinks and copies of a document already listed
};

// Every domain XML of libvirt's qemuxml2argvdata and qemuxml2xmloutdata; a document that
// appears twice (libvirt links many expected outputs to their inputs) is run once.
CorpusFiles corpus_files() {
    CorpusFiles corpus;
    std::set<std::string> seen;
    for (const char* dir : {"qemuxml2argvdata", "qemuxml2xmloutdata"}) {
        std::vector<fs::path> paths;
        for (const auto& entry : fs::directory_iterator(test_support::libvirt_test_path(dir))) {
            if (entry.is_regular_file() && entry.path().extension() == ".xml") {
                paths.push_back(entry.path());
            }
        }
        std::sort(paths.begin(), paths.end());
        for (const fs::path& path : paths) {
            ++corpus.total;
            if (!seen.insert(slurp(path)).second) {
                ++corpus.duplicates;
                continue;
            }
            corpus.files.push_back(path);
        }
    }
    return corpus;
}

// How libvirt refused a document as given: by its schema, or by one of its domain parser's
// checks, named by libvirt's error class ("XML error", "unsupported configuration", ...).
std::string refusal_kind(const std::string& error) {
    if (error.rfind("XML document failed to validate against schema", 0) == 0) {
        return "schema (domain.rng)";
    }
    std::string reason = error;
    const std::string marker = "\": ";
    if (auto at = reason.find(marker);
        reason.rfind("cannot define domain", 0) == 0 && at != std::string::npos) {
        reason = reason.substr(at + marker.size());
    }
    for (const char* prefix : {"XML error", "unsupported configuration", "internal error",
                               "invalid argument", "operation failed"}) {
        if (reason.rfind(prefix, 0) == 0) {
            return std::string("parser: ") + prefix;
        }
    }
    return "parser: other checks";
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

// libvirt's domain schema, compiled once. libvirt 9 compiles it anew for every define with
// validation, which would make a run over the whole suite minutes long; validating here
// against the same file, then defining without validation, checks the same.
class DomainSchema {
  public:
    DomainSchema() {
        xmlRelaxNGParserCtxtPtr parser = xmlRelaxNGNewParserCtxt(k_path);
        m_schema = xmlRelaxNGParse(parser);
        xmlRelaxNGFreeParserCtxt(parser);
        REQUIRE(m_schema != nullptr);
        m_context = xmlRelaxNGNewValidCtxt(m_schema);
        xmlRelaxNGSetValidStructuredErrors(m_context, collect, &m_errors);
    }
    DomainSchema(const DomainSchema&) = delete;
    DomainSchema& operator=(const DomainSchema&) = delete;
    ~DomainSchema() {
        xmlRelaxNGFreeValidCtxt(m_context);
        xmlRelaxNGFree(m_schema);
    }

    // Return libxml2's complaints about `xml`, or "" when it is valid.
    std::string errors(const std::string& xml) {
        m_errors.clear();
        xmlDocPtr doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "domain.xml",
                                      nullptr, XML_PARSE_NONET | XML_PARSE_NOERROR);
        if (doc == nullptr) {
            return "not well-formed";
        }
        int result = xmlRelaxNGValidateDoc(m_context, doc);
        xmlFreeDoc(doc);
        return result == 0 ? std::string()
                           : "XML document failed to validate against schema: " + m_errors;
    }

  private:
    static constexpr const char* k_path = "/usr/share/libvirt/schemas/domain.rng";
    // libxml2 2.12 made the error const; deduce whichever this libxml2 passes.
    template <typename ErrorPtr> static void collect(void* errors, ErrorPtr error) {
        std::string message = error->message != nullptr ? error->message : "";
        while (!message.empty() && message.back() == '\n') {
            message.pop_back();
        }
        auto* text = static_cast<std::string*>(errors);
        text->append(text->empty() ? "" : "; ").append(message);
    }
    xmlRelaxNGPtr m_schema = nullptr;
    xmlRelaxNGValidCtxtPtr m_context = nullptr;
    std::string m_errors;
};

// Define, read back and undefine under `name`, with schema validation.
Verdict define_and_read(const Connection& conn, DomainSchema& schema, const std::string& xml,
                        const std::string& name) {
    Verdict verdict;
    std::string named = with_name(xml, name);
    verdict.error = schema.errors(named);
    if (!verdict.error.empty()) {
        return verdict;
    }
    try {
        Domain dom = conn.define(named, /*validate=*/false, name);
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
    // Confidential first: rewrite_cpu refuses it before looking at the machine.
    std::string machine =
        doc.child("domain").child("os").child("type").attribute("machine").value();
    if (arch.starts_with("ppc") && !machine.empty() && !machine.starts_with("pseries") &&
        label != "disable") {
        return "cannot enable nesting in domain \"" + name +
               "\": nested-hv exists only on pseries machines, and its machine is \"" + machine +
               "\"; use machine='pseries'";
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

TEST_CASE("corpus_conformance: every libvirt test domain rewrites correctly in every mode",
          "[corpus_conformance][corpus]") {
    CorpusFiles corpus = corpus_files();
    const std::vector<fs::path>& files = corpus.files;
    // libvirt 9.0: 1070 + 621 domain XML files.
    REQUIRE(corpus.total >= 1600);
    Connection conn = Connection::open("test:///default");
    DomainSchema schema;

    std::map<std::string, Counts> counts;
    std::map<std::string, int> refused_as_given;
    int inputs_accepted = 0;
    int custom_refusals = 0;
    int printed_like_libvirt = 0;
    int serial = 0;
    for (const fs::path& path : files) {
        std::string file = fs::relative(path, test_support::libvirt_tests_dir()).string();
        CAPTURE(file);
        std::string input = slurp(path);
        Verdict before =
            define_and_read(conn, schema, input, "conformance-" + std::to_string(++serial));
        inputs_accepted += before.accepted ? 1 : 0;
        if (!before.accepted) {
            ++refused_as_given[refusal_kind(before.error)];
        }
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
            Verdict after = define_and_read(conn, schema, result.xml,
                                            "conformance-" + std::to_string(++serial));
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

    std::cout << "corpus conformance: " << corpus.total << " domain XML files, " << files.size()
              << " distinct (" << corpus.duplicates << " symlinks or copies run once), "
              << inputs_accepted
              << " accepted by test:///default as given; custom without a model refused on "
              << custom_refusals << " x86 files; libvirt's formatting reproduced byte for byte on "
              << printed_like_libvirt << "\n";
    for (const auto& [label, count] : counts) {
        std::cout << "  " << label << ": rewritten " << count.rewritten << ", refused as expected "
                  << count.refused << ", accepted before " << count.accepted_before
                  << ", accepted after " << count.accepted_after << ", stable after libvirt "
                  << count.stable_after_libvirt << "\n";
    }
    std::cout << "  refused by test:///default as given (still rewritten and checked, not "
                 "defined): "
              << static_cast<int>(files.size()) - inputs_accepted << "\n";
    for (const auto& [kind, number] : refused_as_given) {
        std::cout << "    " << number << "  " << kind << "\n";
    }
    // libvirt 9.0: 1414 of the 1502 distinct documents.
    REQUIRE(inputs_accepted >= 1400);
}
