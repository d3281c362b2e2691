// `slope train`, `minimize`, `jobs`, `watch`, `cancel`, `delete`, `predict`
// and `model`: the TrainingService from the terminal.
#ifndef SLOPE_CLIENT_TRAINING_COMMANDS_H_
#define SLOPE_CLIENT_TRAINING_COMMANDS_H_

#include "CLI/CLI.hpp"
#include "client/cli_context.h"

namespace slope::cli {

void AddTrainingCommands(CLI::App& app, const GlobalOptions& options,
                         int* exit_code);

}  // namespace slope::cli

#endif  // SLOPE_CLIENT_TRAINING_COMMANDS_H_
