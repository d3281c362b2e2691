// What every `slope` subcommand shares: the global flags, the channel to the
// server, and how results and errors are printed and turned into exit
// codes (0 ok, 1 bad input, 2 server unreachable or internal error).
#ifndef SLOPE_CLIENT_CLI_CONTEXT_H_
#define SLOPE_CLIENT_CLI_CONTEXT_H_

#include <memory>
#include <string>

#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"

namespace slope::cli {

enum ExitCode : int { kOk = 0, kBadInput = 1, kServerError = 2 };

struct GlobalOptions {
  std::string server = "localhost:50051";
  // Seconds per call; 0 means no deadline.
  double timeout_seconds = 30;
  bool json = false;
};

class CliContext {
 public:
  explicit CliContext(const GlobalOptions& options) : options_(options) {}

  const GlobalOptions& options() const { return options_; }
  std::shared_ptr<grpc::Channel> channel();
  // A fresh context with the deadline from --timeout.
  std::unique_ptr<grpc::ClientContext> NewCallContext() const;

  // Prints a message as proto3 JSON (camelCase, defaults included) on
  // stdout.
  void PrintJson(const google::protobuf::Message& message) const;

  // Prints a failed call on stderr and returns its exit code. `expression`,
  // when given, is echoed with a caret under the reported position.
  int ReportError(const grpc::Status& status,
                  const std::string& expression = "") const;

 private:
  GlobalOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
};

// The exit code for a gRPC status code.
int ExitCodeFor(grpc::StatusCode code);

}  // namespace slope::cli

#endif  // SLOPE_CLIENT_CLI_CONTEXT_H_
