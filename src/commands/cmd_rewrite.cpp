// Placeholder until the subcommand lands; it refuses to run rather than pretend.
#include "commands/commands.hpp"
#include "virtnest/error.hpp"

#include <CLI/CLI.hpp>

namespace virtnest {

void setup_rewrite(CLI::App& app, CommandContext& /*ctx*/) {
    auto* sub = app.add_subcommand("rewrite", "rewrite a domain XML document's <cpu> for nesting (offline)");
    sub->allow_extras();
    sub->callback([] { throw Error("'rewrite' is not implemented yet"); });
}

} // namespace virtnest
