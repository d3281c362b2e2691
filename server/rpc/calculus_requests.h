// Checks and conversions shared by the CalculusService handlers: variable
// lists, points, and warnings between protobuf and the expression engine.
#ifndef SLOPE_SERVER_RPC_CALCULUS_REQUESTS_H_
#define SLOPE_SERVER_RPC_CALCULUS_REQUESTS_H_

#include <string>
#include <vector>

#include "google/protobuf/map.h"
#include "google/protobuf/repeated_field.h"
#include "grpcpp/support/status.h"
#include "server/calculus/expression_cache.h"
#include "server/calculus/warnings.h"
#include "slope/v1/common.pb.h"

namespace slope::rpc {

// A request's variable list: each a valid identifier, none repeated, at
// most `max_variables`. Errors name `field`.
grpc::Status CheckVariables(
    const google::protobuf::RepeatedPtrField<std::string>& variables,
    int max_variables, const char* field = "variables");

// The value of each of the tape's inputs, in order, from `point`. A
// variable the expression uses must be in the point (MISSING_VARIABLE); an
// input it does not use (a listed name) defaults to 0. NaN coordinates are
// INVALID_ARGUMENT; infinities are allowed (IEEE arithmetic handles them).
grpc::Status PointValues(const google::protobuf::Map<std::string, double>& point,
                         const calculus::CompiledExpression& compiled,
                         std::vector<double>* values);

// Rejects NaN anywhere in the point map.
grpc::Status CheckPointMap(
    const google::protobuf::Map<std::string, double>& point);

void AddWarnings(const std::vector<calculus::EvalWarning>& warnings,
                 google::protobuf::RepeatedPtrField<slope::v1::Warning>* out);

// RESOURCE_EXHAUSTED naming the limit, for counts a client sent.
grpc::Status LimitExceeded(const std::string& what, uint64_t limit,
                           const char* flag);

}  // namespace slope::rpc

#endif  // SLOPE_SERVER_RPC_CALCULUS_REQUESTS_H_
