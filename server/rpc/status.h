// Turns the core's absl::Status errors into gRPC statuses that a client in
// any language can act on: a readable message that names the offending
// field and position ("expression 1:5: unexpected '*'"), plus
// google.rpc.ErrorInfo and google.rpc.BadRequest in the status details.
#ifndef SLOPE_SERVER_RPC_STATUS_H_
#define SLOPE_SERVER_RPC_STATUS_H_

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace slope::rpc {

// The core may name a machine-readable reason explicitly by attaching this
// payload (value: an UPPER_SNAKE_CASE reason) to an absl::Status; without it
// the reason is inferred from the code and message.
inline constexpr absl::string_view kReasonPayloadUrl =
    "type.googleapis.com/slope.v1.ErrorReason";

// The ErrorInfo reason for `status`, e.g. SYNTAX_ERROR, UNKNOWN_FUNCTION,
// WRONG_ARITY, UNKNOWN_VARIABLE, MISSING_VARIABLE, INVALID_VALUE,
// LIMIT_EXCEEDED, NOT_FOUND.
std::string ErrorReason(const absl::Status& status);

// `field` is the request field the error is about ("expression",
// "point.x"); it prefixes the message and names the BadRequest violation.
grpc::Status ToGrpcStatus(const absl::Status& status,
                          absl::string_view field = "");

// Shorthand for request validation failures found in the RPC layer.
grpc::Status InvalidArgument(absl::string_view field, absl::string_view message,
                             absl::string_view reason = "INVALID_VALUE");

}  // namespace slope::rpc

#endif  // SLOPE_SERVER_RPC_STATUS_H_
