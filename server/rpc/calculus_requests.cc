#include "server/rpc/calculus_requests.h"

#include <cmath>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/rpc/status.h"

namespace slope::rpc {
namespace {

bool IsIdentifier(const std::string& name) {
  if (name.empty() || absl::ascii_isdigit(name[0])) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '_') return false;
  }
  return true;
}

}  // namespace

grpc::Status CheckVariables(
    const google::protobuf::RepeatedPtrField<std::string>& variables,
    int max_variables, const char* field) {
  if (variables.size() > max_variables) {
    return LimitExceeded(absl::StrCat(field, " lists ", variables.size(),
                                      " names"),
                         max_variables, "max_variables");
  }
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < variables.size(); ++i) {
    const std::string& name = variables[i];
    const std::string path = absl::StrCat(field, "[", i, "]");
    if (!IsIdentifier(name)) {
      return InvalidArgument(
          path, absl::StrCat("'", name,
                             "' is not a variable name (letters, digits and "
                             "'_', not starting with a digit)"));
    }
    if (!seen.insert(name).second) {
      return InvalidArgument(path, absl::StrCat("'", name, "' is listed twice"));
    }
  }
  return grpc::Status::OK;
}

grpc::Status CheckPointMap(
    const google::protobuf::Map<std::string, double>& point) {
  for (const auto& [name, value] : point) {
    if (std::isnan(value)) {
      return InvalidArgument(absl::StrCat("point.", name),
                             "is NaN; every coordinate must be a number");
    }
  }
  return grpc::Status::OK;
}

grpc::Status PointValues(const google::protobuf::Map<std::string, double>& point,
                         const calculus::CompiledExpression& compiled,
                         std::vector<double>* values) {
  if (grpc::Status status = CheckPointMap(point); !status.ok()) return status;
  const absl::flat_hash_set<std::string> used(compiled.used_variables.begin(),
                                              compiled.used_variables.end());
  const std::vector<std::string>& inputs = compiled.tape->variables();
  values->assign(inputs.size(), 0.0);
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto it = point.find(inputs[i]);
    if (it != point.end()) {
      (*values)[i] = it->second;
    } else if (used.contains(inputs[i])) {
      return InvalidArgument(
          "point",
          absl::StrCat("has no value for '", inputs[i],
                       "', which the expression uses"),
          "MISSING_VARIABLE");
    }
  }
  return grpc::Status::OK;
}

void AddWarnings(const std::vector<calculus::EvalWarning>& warnings,
                 google::protobuf::RepeatedPtrField<slope::v1::Warning>* out) {
  for (const calculus::EvalWarning& w : warnings) {
    slope::v1::Warning* warning = out->Add();
    warning->set_message(w.message);
    warning->set_line(w.pos.line);
    warning->set_column(w.pos.column);
    warning->set_operation(w.operation);
    warning->set_count(w.count);
  }
}

grpc::Status LimitExceeded(const std::string& what, uint64_t limit,
                           const char* flag) {
  return ToGrpcStatus(absl::ResourceExhaustedError(absl::StrCat(
      what, ", over the limit of ", limit, " (--", flag, ")")));
}

}  // namespace slope::rpc
