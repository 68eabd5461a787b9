// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// `--model NAME` checked against the CPU models libvirt knows for the host's architecture,
// once per host and before any domain is read, so a misspelt model is one usage error
// instead of one skip per domain.

#include "virtnest/libvirt/connection.hpp"

#include <optional>
#include <string>
#include <vector>

namespace virtnest {

// Return why `model` is not one of `known` (libvirt's models for `arch` on the host `uri`),
// with a "did you mean"; nullopt when it is one. Pure.
std::optional<std::string> unknown_model_reason(const std::string& model, const std::string& arch,
                                                const std::string& uri,
                                                const std::vector<std::string>& known);

// Ask libvirt for the host's architecture and its known CPU models and throw a usage Error
// (exit 2) when `model` is not one of them. Does nothing when libvirt cannot tell (a driver
// without the call, an architecture without a CPU driver): the per-domain checks still apply.
void require_known_model(const Connection& conn, const std::string& model);

} // namespace virtnest
