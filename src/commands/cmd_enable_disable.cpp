// Placeholder until the subcommand lands; it refuses to run rather than pretend.
#include "commands/commands.hpp"
#include "virtnest/error.hpp"

#include <CLI/CLI.hpp>

namespace virtnest {

void setup_enable_disable(CLI::App& app, CommandContext& /*ctx*/) {
    auto* sub = app.add_subcommand("enable", "make domains nest-capable");
    sub->allow_extras();
    sub->callback([] { throw Error("'enable' is not implemented yet"); });
    auto* dis = app.add_subcommand("disable", "remove nesting from domains (hardening)");
    dis->allow_extras();
    dis->callback([] { throw Error("'disable' is not implemented yet"); });
}

} // namespace virtnest
