// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// One setup_<name> per subcommand, each in src/commands/cmd_<name>.cpp. Each binds its
// options struct to a CLI11 subcommand whose callback runs run_<name> and stores the exit
// code in the context.

#include "cli/command_context.hpp"

namespace CLI {
class App;
}

namespace virtnest {

// `rewrite`: offline <cpu> rewrite of one domain XML document.
void setup_rewrite(CLI::App& app, CommandContext& ctx);
// `list`: domains with CPU mode and whether they can nest.
void setup_list(CLI::App& app, CommandContext& ctx);
// `verify`: whether each running domain's vCPU carries vmx/svm now.
void setup_verify(CLI::App& app, CommandContext& ctx);
// `enable` and `disable`: redefine selected domains nest-capable, or not.
void setup_enable_disable(CLI::App& app, CommandContext& ctx);
// `revert`: restore domains from their latest backup.
void setup_revert(CLI::App& app, CommandContext& ctx);
// `check`: host or guest readiness for nested guests.
void setup_check(CLI::App& app, CommandContext& ctx);
// `host enable`: persist and (optionally) apply the kvm module's nested option.
void setup_host(CLI::App& app, CommandContext& ctx);
// `baseline`: one CPU with nesting that every given host can run.
void setup_baseline(CLI::App& app, CommandContext& ctx);
// `backups`: list the backups of domains, or prune the older ones.
void setup_backups(CLI::App& app, CommandContext& ctx);

} // namespace virtnest
