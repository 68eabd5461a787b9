// Placeholder until vendor inference lands with the foundation issue.
#include "virtnest/cpu_vendor.hpp"

namespace virtnest {

std::optional<Vendor> vendor_of_model(std::string_view) noexcept { return std::nullopt; }
std::optional<Vendor> parse_vendor(std::string_view) noexcept { return std::nullopt; }

} // namespace virtnest
