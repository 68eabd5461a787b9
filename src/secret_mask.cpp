// Placeholder until secret masking lands with the foundation issue.
#include "virtnest/secret_mask.hpp"
#include "virtnest/error.hpp"

namespace virtnest {

std::string mask_secrets(std::string_view) { throw Error("mask_secrets is not implemented yet"); }

} // namespace virtnest
