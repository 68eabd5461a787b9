// Placeholder until domain-capabilities parsing lands with the readiness issue.
#include "virtnest/domain_caps.hpp"
#include "virtnest/error.hpp"

namespace virtnest {

DomainCaps parse_domain_caps(std::string_view) {
    throw Error("parse_domain_caps is not implemented yet");
}
std::set<std::string> enabled_features(std::string_view) {
    throw Error("enabled_features is not implemented yet");
}
std::optional<Vendor> host_vendor_from_capabilities(std::string_view) { return std::nullopt; }

} // namespace virtnest
