// Placeholder until the subcommand lands; it refuses to run rather than pretend.
#include "commands/commands.hpp"
#include "virtnest/error.hpp"

#include <CLI/CLI.hpp>

namespace virtnest {

void setup_revert(CLI::App& app, CommandContext& /*ctx*/) {
    auto* sub = app.add_subcommand("revert", "restore domains from their latest backup");
    sub->allow_extras();
    sub->callback([] { throw Error("'revert' is not implemented yet"); });
}

} // namespace virtnest
