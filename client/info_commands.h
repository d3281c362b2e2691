// `slope info` and `slope health`.
#ifndef SLOPE_CLIENT_INFO_COMMANDS_H_
#define SLOPE_CLIENT_INFO_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "client/cli_context.h"

namespace slope::cli {

// Adds the subcommands to `app`; their exit code lands in `*exit_code`.
void AddInfoCommands(CLI::App& app, const GlobalOptions& options,
                     int* exit_code);

}  // namespace slope::cli

#endif  // SLOPE_CLIENT_INFO_COMMANDS_H_
