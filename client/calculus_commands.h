// `slope eval`, `diff`, `grad`, `hessian`, `jacobian` and `batch`: the
// CalculusService from the terminal.
#ifndef SLOPE_CLIENT_CALCULUS_COMMANDS_H_
#define SLOPE_CLIENT_CALCULUS_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "client/cli_context.h"

namespace slope::cli {

void AddCalculusCommands(CLI::App& app, const GlobalOptions& options,
                         int* exit_code);

}  // namespace slope::cli

#endif  // SLOPE_CLIENT_CALCULUS_COMMANDS_H_
