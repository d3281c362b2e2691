// slope.v1.CalculusService. Until the calculus RPCs land every method
// answers UNIMPLEMENTED with a message that says so, never fake data.
#ifndef SLOPE_SERVER_RPC_CALCULUS_SERVICE_H_
#define SLOPE_SERVER_RPC_CALCULUS_SERVICE_H_

#include "slope/v1/calculus.grpc.pb.h"

namespace slope::rpc {

class CalculusService final : public slope::v1::CalculusService::CallbackService {
 public:
  using Request = slope::v1::EvaluateStreamRequest;
  using Response = slope::v1::EvaluateStreamResponse;

  grpc::ServerUnaryReactor* Evaluate(grpc::CallbackServerContext* context,
                                     const slope::v1::EvaluateRequest*,
                                     slope::v1::EvaluateResponse*) override;
  grpc::ServerUnaryReactor* Differentiate(
      grpc::CallbackServerContext* context,
      const slope::v1::DifferentiateRequest*,
      slope::v1::DifferentiateResponse*) override;
  grpc::ServerUnaryReactor* Gradient(grpc::CallbackServerContext* context,
                                     const slope::v1::GradientRequest*,
                                     slope::v1::GradientResponse*) override;
  grpc::ServerUnaryReactor* Hessian(grpc::CallbackServerContext* context,
                                    const slope::v1::HessianRequest*,
                                    slope::v1::HessianResponse*) override;
  grpc::ServerUnaryReactor* Jacobian(grpc::CallbackServerContext* context,
                                     const slope::v1::JacobianRequest*,
                                     slope::v1::JacobianResponse*) override;
  grpc::ServerUnaryReactor* EvaluateBatch(
      grpc::CallbackServerContext* context,
      const slope::v1::EvaluateBatchRequest*,
      slope::v1::EvaluateBatchResponse*) override;
  grpc::ServerBidiReactor<Request, Response>* EvaluateStream(
      grpc::CallbackServerContext* context) override;
};

}  // namespace slope::rpc

#endif  // SLOPE_SERVER_RPC_CALCULUS_SERVICE_H_
