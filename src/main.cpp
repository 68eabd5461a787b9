// SPDX-License-Identifier: GPL-2.0-or-later
#include "virtnest/cli/cli.hpp"

int main(int argc, char** argv) { return virtnest::run_cli(argc, argv); }
