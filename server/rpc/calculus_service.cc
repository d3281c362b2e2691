#include "server/rpc/calculus_service.h"

#include "absl/strings/string_view.h"

#include "absl/strings/str_cat.h"
#include "server/rpc/finished_reactors.h"

namespace slope::rpc {
namespace {

grpc::Status NotYet(absl::string_view method) {
  return grpc::Status(
      grpc::StatusCode::UNIMPLEMENTED,
      absl::StrCat("slope.v1.CalculusService/", method,
                   " is not implemented by this server yet"));
}

grpc::ServerUnaryReactor* FinishNotYet(grpc::CallbackServerContext* context,
                                       absl::string_view method) {
  auto* reactor = context->DefaultReactor();
  reactor->Finish(NotYet(method));
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* CalculusService::Evaluate(
    grpc::CallbackServerContext* context, const slope::v1::EvaluateRequest*,
    slope::v1::EvaluateResponse*) {
  return FinishNotYet(context, "Evaluate");
}

grpc::ServerUnaryReactor* CalculusService::Differentiate(
    grpc::CallbackServerContext* context,
    const slope::v1::DifferentiateRequest*,
    slope::v1::DifferentiateResponse*) {
  return FinishNotYet(context, "Differentiate");
}

grpc::ServerUnaryReactor* CalculusService::Gradient(
    grpc::CallbackServerContext* context, const slope::v1::GradientRequest*,
    slope::v1::GradientResponse*) {
  return FinishNotYet(context, "Gradient");
}

grpc::ServerUnaryReactor* CalculusService::Hessian(
    grpc::CallbackServerContext* context, const slope::v1::HessianRequest*,
    slope::v1::HessianResponse*) {
  return FinishNotYet(context, "Hessian");
}

grpc::ServerUnaryReactor* CalculusService::Jacobian(
    grpc::CallbackServerContext* context, const slope::v1::JacobianRequest*,
    slope::v1::JacobianResponse*) {
  return FinishNotYet(context, "Jacobian");
}

grpc::ServerUnaryReactor* CalculusService::EvaluateBatch(
    grpc::CallbackServerContext* context,
    const slope::v1::EvaluateBatchRequest*,
    slope::v1::EvaluateBatchResponse*) {
  return FinishNotYet(context, "EvaluateBatch");
}

grpc::ServerBidiReactor<CalculusService::Request, CalculusService::Response>*
CalculusService::EvaluateStream(grpc::CallbackServerContext* /*context*/) {
  return new FinishedBidiReactor<Request, Response>(NotYet("EvaluateStream"));
}

}  // namespace slope::rpc
