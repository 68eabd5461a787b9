#include "virtnest/cli/cli.hpp"

int main(int argc, char** argv) { return virtnest::run_cli(argc, argv); }
