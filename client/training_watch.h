// Following one or more jobs from the terminal: a WatchJob stream per job
// on its own thread, the live progress display, Ctrl-C handling, and at the
// end the loss curves and the final metrics. Shared by `slope train`,
// `slope minimize` and `slope watch`.
#ifndef SLOPE_CLIENT_TRAINING_WATCH_H_
#define SLOPE_CLIENT_TRAINING_WATCH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "client/cli_context.h"

namespace slope::cli {

struct WatchedJob {
  std::string id;
  std::string label;  // shown before its progress line and in the legend
  uint32_t after_sequence = 0;
};

struct WatchOptions {
  bool plot = true;
  // Whether Ctrl-C may offer to detach (`slope watch` always just detaches:
  // it did not start the job, so it never cancels it).
  bool offer_cancel = true;
};

// Installs the SIGINT handler used while watching. The first Ctrl-C is
// handled by WatchJobs; a second one exits at once (status 130), leaving
// the jobs running.
void InstallInterruptHandler();

// Streams the jobs' events until every job has finished (or the user
// detaches) and prints the outcome. Returns the exit code: 0 when every job
// SUCCEEDED or the user detached, 1 when one FAILED or was CANCELLED, 2
// when the server could not be reached.
int WatchJobs(CliContext& cli, const std::vector<WatchedJob>& jobs,
              const WatchOptions& options);

}  // namespace slope::cli

#endif  // SLOPE_CLIENT_TRAINING_WATCH_H_
