// Placeholder until the diff lands with the foundation issue; it refuses rather than pretends.
#include "virtnest/xml_diff.hpp"
#include "virtnest/error.hpp"

namespace virtnest {

std::string unified_diff(std::string_view, std::string_view, std::string_view, std::string_view,
                         int) {
    throw Error("unified_diff is not implemented yet");
}

} // namespace virtnest
