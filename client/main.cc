// slope: the command-line client of the Slope service.
#include <cstdio>

#include "CLI/CLI.hpp"
#include "client/calculus_commands.h"
#include "client/cli_context.h"
#include "client/info_commands.h"
#include "client/training_commands.h"

int main(int argc, char** argv) {
  CLI::App app{"slope: derivatives, gradients and training from a Slope server"};
  app.require_subcommand(1);
  slope::cli::GlobalOptions options;
  app.add_option("--server", options.server, "host:port of the server")
      ->capture_default_str()
      ->envname("SLOPE_SERVER");
  app.add_option("--timeout", options.timeout_seconds,
                 "seconds per call (0: no deadline)")
      ->capture_default_str();
  app.add_flag("--json", options.json,
               "print responses as proto3 JSON, for scripts");
  app.fallthrough();

  int exit_code = slope::cli::kOk;
  slope::cli::AddInfoCommands(app, options, &exit_code);
  slope::cli::AddCalculusCommands(app, options, &exit_code);
  slope::cli::AddTrainingCommands(app, options, &exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 reports usage errors by exception; they stop here, in main.
    const int code = app.exit(e);
    return code == 0 ? 0 : slope::cli::kBadInput;
  }
  return exit_code;
}
