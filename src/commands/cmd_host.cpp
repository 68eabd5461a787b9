// Placeholder until the subcommand lands; it refuses to run rather than pretend.
#include "commands/commands.hpp"
#include "virtnest/error.hpp"

#include <CLI/CLI.hpp>

namespace virtnest {

void setup_host(CLI::App& app, CommandContext& /*ctx*/) {
    auto* sub = app.add_subcommand("host", "host-level settings for nesting");
    sub->allow_extras();
    sub->callback([] { throw Error("'host' is not implemented yet"); });
}

} // namespace virtnest
