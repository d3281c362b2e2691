// slope.v1.CalculusService: thin handlers over the expression engine.
//
// One-point calls (Evaluate, Differentiate, Gradient, Hessian, Jacobian)
// run inline on the calling gRPC thread: parsing and compiling are skipped
// on a cache hit, and the evaluation itself takes microseconds, so a hand-
// off to another thread would cost more than it saves. Batches larger than
// kInlineBatchPoints go through the BatchDispatcher onto the compute pool.
#ifndef SLOPE_SERVER_RPC_CALCULUS_SERVICE_H_
#define SLOPE_SERVER_RPC_CALCULUS_SERVICE_H_

#include "server/calculus/evaluator.h"
#include "server/calculus/expression_cache.h"
#include "server/jobs/compute_pool.h"
#include "server/rpc/batch_dispatcher.h"
#include "server/rpc/server_options.h"
#include "slope/v1/calculus.grpc.pb.h"

namespace slope::rpc {

class CalculusService final : public slope::v1::CalculusService::CallbackService {
 public:
  // Batches up to this many points are computed on the calling thread.
  static constexpr size_t kInlineBatchPoints = 2048;

  // Borrows everything; the server owns it and outlives the service.
  CalculusService(const ServerOptions& options,
                  calculus::ExpressionCache* cache, jobs::ComputePool* pool,
                  BatchDispatcher* dispatcher);

  using StreamRequest = slope::v1::EvaluateStreamRequest;
  using StreamResponse = slope::v1::EvaluateStreamResponse;

  grpc::ServerUnaryReactor* Evaluate(grpc::CallbackServerContext* context,
                                     const slope::v1::EvaluateRequest* request,
                                     slope::v1::EvaluateResponse* response) override;
  grpc::ServerUnaryReactor* Differentiate(
      grpc::CallbackServerContext* context,
      const slope::v1::DifferentiateRequest* request,
      slope::v1::DifferentiateResponse* response) override;
  grpc::ServerUnaryReactor* Gradient(grpc::CallbackServerContext* context,
                                     const slope::v1::GradientRequest* request,
                                     slope::v1::GradientResponse* response) override;
  grpc::ServerUnaryReactor* Hessian(grpc::CallbackServerContext* context,
                                    const slope::v1::HessianRequest* request,
                                    slope::v1::HessianResponse* response) override;
  grpc::ServerUnaryReactor* Jacobian(grpc::CallbackServerContext* context,
                                     const slope::v1::JacobianRequest* request,
                                     slope::v1::JacobianResponse* response) override;
  grpc::ServerUnaryReactor* EvaluateBatch(
      grpc::CallbackServerContext* context,
      const slope::v1::EvaluateBatchRequest* request,
      slope::v1::EvaluateBatchResponse* response) override;
  grpc::ServerBidiReactor<StreamRequest, StreamResponse>* EvaluateStream(
      grpc::CallbackServerContext* context) override;

 private:
  grpc::Status DoEvaluate(const slope::v1::EvaluateRequest& request,
                          slope::v1::EvaluateResponse* response);
  grpc::Status DoDifferentiate(const slope::v1::DifferentiateRequest& request,
                               slope::v1::DifferentiateResponse* response);
  grpc::Status DoGradient(const slope::v1::GradientRequest& request,
                          slope::v1::GradientResponse* response);
  grpc::Status DoHessian(const slope::v1::HessianRequest& request,
                         slope::v1::HessianResponse* response);
  grpc::Status DoJacobian(const slope::v1::JacobianRequest& request,
                          slope::v1::JacobianResponse* response);

  // An expression compiled over `variables` and evaluated at `point`, with
  // the number of leading inputs the response reports (the listed ones, or
  // all when none were listed).
  struct PointEvaluation {
    std::shared_ptr<const calculus::CompiledExpression> compiled;
    calculus::PointResult result;
    size_t reported = 0;
  };
  grpc::Status EvaluateAtPoint(
      const std::string& expression,
      const google::protobuf::RepeatedPtrField<std::string>& variables,
      const google::protobuf::Map<std::string, double>& point,
      calculus::Derivatives derivatives, PointEvaluation* evaluation);

  // The compiled expression for a request field, errors naming the field.
  grpc::Status Compile(
      const std::string& text,
      const google::protobuf::RepeatedPtrField<std::string>& variables,
      const char* field,
      std::shared_ptr<const calculus::CompiledExpression>* compiled);

  const ServerOptions options_;
  calculus::ExpressionCache* const cache_;
  jobs::ComputePool* const pool_;
  BatchDispatcher* const dispatcher_;

  friend class EvaluateStreamReactor;
};

}  // namespace slope::rpc

#endif  // SLOPE_SERVER_RPC_CALCULUS_SERVICE_H_
