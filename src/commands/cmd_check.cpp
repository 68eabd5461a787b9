// Placeholder until the subcommand lands; it refuses to run rather than pretend.
#include "commands/commands.hpp"
#include "virtnest/error.hpp"

#include <CLI/CLI.hpp>

namespace virtnest {

void setup_check(CLI::App& app, CommandContext& /*ctx*/) {
    auto* sub = app.add_subcommand("check", "check whether this host (or guest) can run nested guests");
    sub->allow_extras();
    sub->callback([] { throw Error("'check' is not implemented yet"); });
}

} // namespace virtnest
