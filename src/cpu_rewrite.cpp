// Placeholder: the rewrite engine lands with the foundation issue.
#include "virtnest/cpu_rewrite.hpp"
#include "virtnest/error.hpp"

namespace virtnest {

RewriteResult rewrite_cpu(std::string_view /*domain_xml*/, const RewriteRequest& /*request*/) {
    throw Error("the <cpu> rewrite engine is not implemented yet");
}

} // namespace virtnest
