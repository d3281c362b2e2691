#include "client/cli_context.h"

#include <chrono>
#include <cstdio>
#include <iostream>

#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"

namespace slope::cli {

std::shared_ptr<grpc::Channel> CliContext::channel() {
  if (channel_ == nullptr) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    channel_ = grpc::CreateCustomChannel(
        options_.server, grpc::InsecureChannelCredentials(), args);
  }
  return channel_;
}

std::unique_ptr<grpc::ClientContext> CliContext::NewCallContext() const {
  auto context = std::make_unique<grpc::ClientContext>();
  if (options_.timeout_seconds > 0) {
    context->set_deadline(
        std::chrono::system_clock::now() +
        std::chrono::microseconds(
            static_cast<int64_t>(options_.timeout_seconds * 1e6)));
  }
  return context;
}

void CliContext::PrintJson(const google::protobuf::Message& message) const {
  google::protobuf::util::JsonPrintOptions print_options;
  print_options.add_whitespace = false;
  print_options.always_print_primitive_fields = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(message, &json,
                                                   print_options)
           .ok()) {
    json = "{}";
  }
  std::cout << json << std::endl;
}

int ExitCodeFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return kOk;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::ALREADY_EXISTS:
      return kBadInput;
    default:
      return kServerError;
  }
}

int CliContext::ReportError(const grpc::Status& status,
                            const std::string& expression) const {
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    absl::FPrintF(stderr, "slope: cannot reach the server at %s: %s\n",
                  options_.server, status.error_message());
    return kServerError;
  }
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    absl::FPrintF(stderr, "slope: no answer from %s within %gs (--timeout)\n",
                  options_.server, options_.timeout_seconds);
    return kServerError;
  }
  absl::FPrintF(stderr, "slope: %s\n", status.error_message());
  // Draw a caret under a "line:column:" position in the expression.
  int line = 0, column = 0;
  const std::string& m = status.error_message();
  const size_t space = m.find(' ');
  if (!expression.empty() && space != std::string::npos &&
      std::sscanf(m.c_str() + space + 1, "%d:%d:", &line, &column) == 2 &&
      line == 1 && column >= 1) {
    absl::FPrintF(stderr, "  %s\n  %*s^\n", expression, column - 1, "");
  }
  return ExitCodeFor(status.error_code());
}

}  // namespace slope::cli
