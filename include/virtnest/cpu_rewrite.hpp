#pragma once

// The <cpu> rewrite engine: pure functions from a domain XML document to its
// nest-capable (or nest-disabled) form. No I/O, no libvirt.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace virtnest {

// The CPU modes libvirt knows; `none` stands for a domain without a <cpu> mode.
enum class CpuMode { host_passthrough, host_model, custom, maximum, none };

// Return the mode as libvirt spells it ("host-passthrough", ...; "none" for none).
std::string_view to_string(CpuMode mode) noexcept;
// Return the mode for libvirt's spelling; nullopt for an unknown name.
std::optional<CpuMode> parse_cpu_mode(std::string_view text) noexcept;

// The CPU feature that carries hardware virtualization into the guest.
enum class NestFeature { vmx, svm };

// Return "vmx" or "svm".
std::string_view to_string(NestFeature feature) noexcept;
// Return the feature for "vmx"/"svm"; nullopt otherwise.
std::optional<NestFeature> parse_nest_feature(std::string_view text) noexcept;

// A CPU vendor, as far as nesting cares.
enum class Vendor { intel, amd };

// Return the vendor's nesting feature: vmx for Intel, svm for AMD (and Hygon).
NestFeature feature_for(Vendor vendor) noexcept;

// Whether a rewrite turns nesting on or off.
enum class Nesting { enable, disable };

// What the caller asks of one rewrite.
struct RewriteRequest {
    Nesting nesting = Nesting::enable;
    // Target mode for `enable`; nullopt with `disable` keeps the current mode.
    std::optional<CpuMode> mode;
    // Model for custom mode (required there unless the document already names one).
    std::optional<std::string> model;
    // The feature to require or disable; when absent it is inferred from `vendor`,
    // then from the domain's custom model name.
    std::optional<NestFeature> feature;
    std::optional<Vendor> vendor;
};

// The outcome of one rewrite.
struct RewriteResult {
    std::string xml;                   // the new document (equal to the input when !changed)
    bool changed = false;              // false: already in the requested state
    std::vector<std::string> changes;  // one line per change, e.g. "mode: custom -> host-passthrough"
    std::vector<std::string> warnings; // things the operator should know
};

// Rewrite the <cpu> element of `domain_xml` as `request` asks. Everything outside <cpu>
// is kept. Throws Error for malformed XML (with line and column), a root that is not
// <domain>, a custom mode without a model, an unknown vendor, or an architecture that
// cannot express nesting.
RewriteResult rewrite_cpu(std::string_view domain_xml, const RewriteRequest& request);

// As rewrite_cpu above; `source` names the document in parse errors, e.g. `file "vm.xml"`
// gives `cannot parse file "vm.xml": line 3, column 7: ...` (the default is `domain XML`).
RewriteResult rewrite_cpu(std::string_view domain_xml, const RewriteRequest& request,
                          std::string_view source);

} // namespace virtnest
