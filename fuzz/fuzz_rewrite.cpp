// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target for the <cpu> rewrite: any input and any request either fails with
// virtnest::Error or gives a well-formed <domain> document that a second rewrite leaves
// unchanged. The first two bytes choose the request; the rest is the domain XML.
#include "virtnest/rewrite/cpu_rewrite.hpp"
#include "virtnest/util/error.hpp"
#include "virtnest/xml/xml_document.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

void fail(const char* what) {
    std::fprintf(stderr, "fuzz_rewrite: %s\n", what);
    std::abort();
}

virtnest::RewriteRequest request_from(std::uint8_t a, std::uint8_t b) {
    using namespace virtnest;
    constexpr std::array<std::optional<CpuMode>, 5> modes{std::nullopt, CpuMode::host_passthrough,
                                                          CpuMode::host_model, CpuMode::custom,
                                                          CpuMode::maximum};
    constexpr std::array<const char*, 5> models{nullptr, "Skylake-Server", "EPYC", "qemu64",
                                                "POWER9"};
    RewriteRequest request;
    request.nesting = (a & 1U) != 0 ? Nesting::disable : Nesting::enable;
    request.mode = modes[(a >> 1U) % modes.size()];
    if (const char* model = models[(a >> 4U) % models.size()]; model != nullptr) {
        request.model = model;
    }
    switch (b % 3U) {
    case 1: request.feature = NestFeature::vmx; break;
    case 2: request.feature = NestFeature::svm; break;
    default: break;
    }
    switch ((b >> 2U) % 3U) {
    case 1: request.vendor = Vendor::intel; break;
    case 2: request.vendor = Vendor::amd; break;
    default: break;
    }
    return request;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) {
        return 0;
    }
    virtnest::RewriteRequest request = request_from(data[0], data[1]);
    std::string xml(reinterpret_cast<const char*>(data + 2), size - 2);
    virtnest::RewriteResult first;
    try {
        first = virtnest::rewrite_cpu(xml, request);
    } catch (const virtnest::Error&) {
        return 0; // refused with a message: the expected outcome for bad input
    }
    if (!first.changed) {
        if (first.xml != xml || !first.changes.empty()) {
            fail("unchanged result differs from its input");
        }
        return 0;
    }
    try {
        (void)virtnest::parse_domain_xml(first.xml, "rewritten XML");
    } catch (const virtnest::Error&) {
        fail("rewritten document is not well-formed");
    }
    virtnest::RewriteResult second;
    try {
        second = virtnest::rewrite_cpu(first.xml, request);
    } catch (const virtnest::Error&) {
        fail("rewritten document is refused by a second rewrite");
    }
    if (second.changed || second.xml != first.xml) {
        fail("rewrite is not idempotent");
    }
    return 0;
}
