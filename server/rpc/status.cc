#include "server/rpc/status.h"

#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace slope::rpc {
namespace {

constexpr absl::string_view kDomain = "slope.v1";

// Parses a leading "line:column: " position, as the expression engine writes
// it, so clients get the position as structured metadata too.
bool ParsePosition(absl::string_view message, int* line, int* column) {
  int consumed = 0;
  const std::string head(message.substr(0, 32));
  return std::sscanf(head.c_str(), "%d:%d:%n", line, column, &consumed) == 2 &&
         consumed > 0;
}

}  // namespace

std::string ErrorReason(const absl::Status& status) {
  if (auto payload = status.GetPayload(kReasonPayloadUrl)) {
    return std::string(*payload);
  }
  const absl::string_view m = status.message();
  switch (status.code()) {
    case absl::StatusCode::kResourceExhausted:
      return "LIMIT_EXCEEDED";
    case absl::StatusCode::kNotFound:
      return "NOT_FOUND";
    case absl::StatusCode::kOutOfRange:
      return "OUT_OF_RANGE";
    case absl::StatusCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case absl::StatusCode::kInvalidArgument: {
      int line = 0, column = 0;
      if (absl::StrContains(m, "unknown function")) return "UNKNOWN_FUNCTION";
      if (absl::StrContains(m, "unknown variable")) return "UNKNOWN_VARIABLE";
      if (absl::StrContains(m, " argument")) return "WRONG_ARITY";
      if (absl::StrContains(m, "missing")) return "MISSING_VARIABLE";
      if (ParsePosition(m, &line, &column) || absl::StartsWith(m, "unbalanced")) {
        return "SYNTAX_ERROR";
      }
      return "INVALID_VALUE";
    }
    default:
      return std::string(absl::StatusCodeToString(status.code()));
  }
}

grpc::Status ToGrpcStatus(const absl::Status& status, absl::string_view field) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  const std::string message =
      field.empty() ? std::string(status.message())
                    : absl::StrCat(field, " ", status.message());

  google::rpc::Status details;
  details.set_code(static_cast<int>(code));
  details.set_message(message);

  google::rpc::ErrorInfo info;
  info.set_reason(ErrorReason(status));
  info.set_domain(std::string(kDomain));
  int line = 0, column = 0;
  if (ParsePosition(status.message(), &line, &column)) {
    (*info.mutable_metadata())["line"] = absl::StrCat(line);
    (*info.mutable_metadata())["column"] = absl::StrCat(column);
  }
  if (!field.empty()) (*info.mutable_metadata())["field"] = std::string(field);
  details.add_details()->PackFrom(info);

  if (code == grpc::StatusCode::INVALID_ARGUMENT && !field.empty()) {
    google::rpc::BadRequest bad_request;
    auto* violation = bad_request.add_field_violations();
    violation->set_field(std::string(field));
    violation->set_description(std::string(status.message()));
    details.add_details()->PackFrom(bad_request);
  }
  return grpc::Status(code, message, details.SerializeAsString());
}

grpc::Status InvalidArgument(absl::string_view field, absl::string_view message,
                             absl::string_view reason) {
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kReasonPayloadUrl, absl::Cord(reason));
  return ToGrpcStatus(status, field);
}

}  // namespace slope::rpc
