// slope-server: the Slope gRPC service. Every setting is a flag with a
// working default, so `slope-server` alone serves on 0.0.0.0:50051.
#include <signal.h>

#include <cstdlib>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/rpc/info_service.h"
#include "server/rpc/log.h"
#include "server/rpc/server.h"
#include "server/rpc/server_options.h"

namespace {
const slope::rpc::ServerOptions kDefaults;
}  // namespace

ABSL_FLAG(std::string, address, kDefaults.address,
          "host:port to listen on; port 0 picks a free port and the log "
          "line 'listening on' says which");
ABSL_FLAG(int, threads, kDefaults.threads,
          "threads of the compute pool; 0 means one per core");
ABSL_FLAG(int, max_message_bytes, kDefaults.max_message_bytes,
          "largest request or response message, in bytes");
ABSL_FLAG(absl::Duration, shutdown_grace, kDefaults.shutdown_grace,
          "on SIGINT/SIGTERM, how long calls in flight may run on before "
          "they are cancelled");
ABSL_FLAG(bool, reflection, kDefaults.reflection,
          "serve gRPC server reflection (grpcurl and buf curl need it)");

ABSL_FLAG(uint32_t, max_expression_bytes, kDefaults.expression.max_bytes,
          "longest expression text, in bytes");
ABSL_FLAG(int, max_expression_depth, kDefaults.expression.max_depth,
          "deepest nesting of an expression");
ABSL_FLAG(int, max_expression_nodes, kDefaults.expression.max_nodes,
          "most syntax-tree nodes of an expression");
ABSL_FLAG(int, max_variables, kDefaults.expression.max_variables,
          "most distinct variables of an expression");
ABSL_FLAG(uint32_t, max_derivative_order,
          kDefaults.calculus.max_derivative_order,
          "highest derivative order Differentiate accepts");
ABSL_FLAG(uint32_t, max_jacobian_expressions,
          kDefaults.calculus.max_jacobian_expressions,
          "most expressions in one Jacobian call");
ABSL_FLAG(uint32_t, max_points_per_request,
          kDefaults.calculus.max_points_per_request,
          "most points in one EvaluateBatch call or EvaluateStream chunk");
ABSL_FLAG(uint32_t, max_elements_per_message,
          kDefaults.calculus.max_elements_per_message,
          "most doubles in one batch response (values, gradients, Hessians)");
ABSL_FLAG(uint32_t, max_concurrent_batches,
          kDefaults.calculus.max_concurrent_batches,
          "batch requests computing at once; more wait for a slot");
ABSL_FLAG(uint32_t, max_stream_chunks_in_flight,
          kDefaults.calculus.max_stream_chunks_in_flight,
          "EvaluateStream chunks received but not yet answered, per stream");
ABSL_FLAG(uint32_t, cache_entries, kDefaults.calculus.cache_entries,
          "compiled expressions kept for reuse");

ABSL_FLAG(uint32_t, max_running_jobs, kDefaults.jobs.max_running_jobs,
          "training jobs running at once");
ABSL_FLAG(uint32_t, max_queued_jobs, kDefaults.jobs.max_queued_jobs,
          "training jobs waiting to run; more are RESOURCE_EXHAUSTED");
ABSL_FLAG(uint32_t, max_retained_jobs, kDefaults.jobs.max_retained_jobs,
          "finished jobs kept for GetJob, WatchJob and Predict");
ABSL_FLAG(uint32_t, max_epochs, kDefaults.jobs.max_epochs,
          "most epochs (or minimize steps / 100) of one job");
ABSL_FLAG(uint32_t, max_dataset_rows, kDefaults.jobs.max_dataset_rows,
          "most rows of one data set");
ABSL_FLAG(uint32_t, max_dataset_bytes, kDefaults.jobs.max_dataset_bytes,
          "largest uploaded CSV, in bytes");
ABSL_FLAG(uint32_t, max_parameters, kDefaults.jobs.max_parameters,
          "most trainable parameters of one model");
ABSL_FLAG(uint32_t, max_job_wall_seconds, kDefaults.jobs.max_job_wall_seconds,
          "longest a job may run before it is stopped as FAILED");
ABSL_FLAG(uint32_t, max_events_per_job, kDefaults.jobs.max_events_per_job,
          "progress events retained per job for WatchJob replay");

namespace {

slope::rpc::ServerOptions OptionsFromFlags() {
  slope::rpc::ServerOptions o;
  o.address = absl::GetFlag(FLAGS_address);
  o.threads = absl::GetFlag(FLAGS_threads);
  o.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  o.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  o.reflection = absl::GetFlag(FLAGS_reflection);
  o.expression.max_bytes = absl::GetFlag(FLAGS_max_expression_bytes);
  o.expression.max_depth = absl::GetFlag(FLAGS_max_expression_depth);
  o.expression.max_nodes = absl::GetFlag(FLAGS_max_expression_nodes);
  o.expression.max_variables = absl::GetFlag(FLAGS_max_variables);
  o.calculus.max_derivative_order = absl::GetFlag(FLAGS_max_derivative_order);
  o.calculus.max_jacobian_expressions =
      absl::GetFlag(FLAGS_max_jacobian_expressions);
  o.calculus.max_points_per_request =
      absl::GetFlag(FLAGS_max_points_per_request);
  o.calculus.max_elements_per_message =
      absl::GetFlag(FLAGS_max_elements_per_message);
  o.calculus.max_concurrent_batches =
      absl::GetFlag(FLAGS_max_concurrent_batches);
  o.calculus.max_stream_chunks_in_flight =
      absl::GetFlag(FLAGS_max_stream_chunks_in_flight);
  o.calculus.cache_entries = absl::GetFlag(FLAGS_cache_entries);
  o.jobs.max_running_jobs = absl::GetFlag(FLAGS_max_running_jobs);
  o.jobs.max_queued_jobs = absl::GetFlag(FLAGS_max_queued_jobs);
  o.jobs.max_retained_jobs = absl::GetFlag(FLAGS_max_retained_jobs);
  o.jobs.max_epochs = absl::GetFlag(FLAGS_max_epochs);
  o.jobs.max_dataset_rows = absl::GetFlag(FLAGS_max_dataset_rows);
  o.jobs.max_dataset_bytes = absl::GetFlag(FLAGS_max_dataset_bytes);
  o.jobs.max_parameters = absl::GetFlag(FLAGS_max_parameters);
  o.jobs.max_job_wall_seconds = absl::GetFlag(FLAGS_max_job_wall_seconds);
  o.jobs.max_events_per_job = absl::GetFlag(FLAGS_max_events_per_job);
  return o;
}

// A flag value that parses but makes no sense is as fatal as one that does
// not parse: say which and exit non-zero.
bool CheckOptions(const slope::rpc::ServerOptions& o) {
  auto fail = [](const std::string& message) {
    slope::rpc::LogError("invalid flag: %s", message);
    return false;
  };
  if (o.threads < 0) return fail("--threads must be >= 0");
  if (o.max_message_bytes < 1024) {
    return fail("--max_message_bytes must be at least 1024");
  }
  if (o.expression.max_depth < 1 || o.expression.max_nodes < 1 ||
      o.expression.max_variables < 1 || o.expression.max_bytes < 1) {
    return fail("expression limits must be positive");
  }
  // The parser never nests deeper than 1000 levels whatever it is told, so a
  // larger value would be a promise the server cannot keep.
  if (o.expression.max_depth > 1000) {
    return fail("--max_expression_depth must be at most 1000");
  }
  if (o.shutdown_grace < absl::ZeroDuration()) {
    return fail("--shutdown_grace must not be negative");
  }
  if (o.jobs.max_running_jobs < 1) return fail("--max_running_jobs must be >= 1");
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  // Debian builds Abseil without NDEBUG, which leaves absl::Mutex's deadlock
  // detector on: a lock-order graph updated on each acquisition, ours and
  // gRPC's. The tests keep it (that is where a lock inversion should be
  // caught); the server does not pay for it. First, before any lock is used.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage(
      "The Slope gRPC service: derivatives, gradients and training.\n"
      "Usage: slope-server [--address=0.0.0.0:50051] [--threads=N] ...");
  absl::FlagsUsageConfig usage_config;
  usage_config.version_string = [] {
    return absl::StrCat("slope-server ", slope::rpc::SlopeVersion(), "\n",
                        slope::rpc::SlopeBuildDescription(), "\n");
  };
  // --help lists the server's own flags (absl matches on the program name by
  // default, which is not the name of this file).
  usage_config.contains_help_flags = [](absl::string_view path) {
    return absl::EndsWith(path, "server/main.cc");
  };
  absl::SetFlagsUsageConfig(usage_config);
  absl::ParseCommandLine(argc, argv);

  const slope::rpc::ServerOptions options = OptionsFromFlags();
  if (!CheckOptions(options)) return 2;

  // Block the shutdown signals in every thread (gRPC's included, which
  // inherit this mask) and take them synchronously in main below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = slope::rpc::SlopeServer::Start(options);
  if (!server.ok()) {
    slope::rpc::LogError("%s", server.status().message());
    return 1;
  }
  slope::rpc::LogInfo("listening on %s (version %s, %d compute threads, "
                      "reflection %s)",
                      (*server)->address(), slope::rpc::SlopeVersion(),
                      (*server)->threads(), options.reflection ? "on" : "off");

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  slope::rpc::LogInfo("received %s: draining for up to %s",
                      signal_number == SIGINT ? "SIGINT" : "SIGTERM",
                      absl::FormatDuration(options.shutdown_grace));
  (*server)->Shutdown(options.shutdown_grace);
  slope::rpc::LogInfo("stopped");
  return 0;
}
