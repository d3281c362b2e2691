// Everything an operator can set on a Slope server, with the defaults the
// flags document. GetServerInfo reports the limits from here, so what a
// client reads is what the server enforces.
#ifndef SLOPE_SERVER_RPC_SERVER_OPTIONS_H_
#define SLOPE_SERVER_RPC_SERVER_OPTIONS_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "server/calculus/limits.h"

namespace slope::rpc {

struct CalculusLimits {
  uint32_t max_derivative_order = 10;
  uint32_t max_jacobian_expressions = 256;
  uint32_t max_points_per_request = 1'000'000;
  uint32_t max_elements_per_message = 2'000'000;
  uint32_t max_concurrent_batches = 8;
  uint32_t max_stream_chunks_in_flight = 4;
  // Compiled expressions kept for reuse across calls.
  uint32_t cache_entries = 1024;
  uint64_t cache_bytes = 64ull << 20;
};

struct JobLimitsOptions {
  uint32_t max_running_jobs = 2;
  uint32_t max_queued_jobs = 64;
  uint32_t max_retained_jobs = 256;
  uint32_t max_epochs = 10'000;
  uint32_t max_dataset_rows = 1'000'000;
  uint32_t max_dataset_bytes = 64u << 20;
  uint32_t max_parameters = 1'000'000;
  uint32_t max_job_wall_seconds = 3600;
  uint32_t max_events_per_job = 1000;
};

struct ServerOptions {
  // host:port to listen on; port 0 picks a free one.
  std::string address = "0.0.0.0:50051";
  // Threads of the compute pool; 0 means one per core.
  int threads = 0;
  int max_message_bytes = 16 << 20;
  // How long in-flight calls may run on after SIGTERM.
  absl::Duration shutdown_grace = absl::Seconds(10);
  bool reflection = true;

  calculus::ExpressionLimits expression;
  CalculusLimits calculus;
  JobLimitsOptions jobs;
};

}  // namespace slope::rpc

#endif  // SLOPE_SERVER_RPC_SERVER_OPTIONS_H_
