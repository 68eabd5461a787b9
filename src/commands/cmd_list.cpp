// Placeholder until the subcommand lands; it refuses to run rather than pretend.
#include "commands/commands.hpp"
#include "virtnest/error.hpp"

#include <CLI/CLI.hpp>

namespace virtnest {

void setup_list(CLI::App& app, CommandContext& /*ctx*/) {
    auto* sub = app.add_subcommand("list", "list domains with their CPU mode and whether they can nest");
    sub->allow_extras();
    sub->callback([] { throw Error("'list' is not implemented yet"); });
}

} // namespace virtnest
