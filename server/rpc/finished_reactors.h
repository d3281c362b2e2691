// Reactors for streaming calls that are answered at once with a final
// status (a validation error, or UNIMPLEMENTED), so that handlers need not
// write a class for every early exit.
#ifndef SLOPE_SERVER_RPC_FINISHED_REACTORS_H_
#define SLOPE_SERVER_RPC_FINISHED_REACTORS_H_

#include "grpcpp/support/server_callback.h"

namespace slope::rpc {

template <typename Response>
class FinishedWriteReactor final : public grpc::ServerWriteReactor<Response> {
 public:
  explicit FinishedWriteReactor(const grpc::Status& status) {
    this->Finish(status);
  }
  void OnDone() override { delete this; }
};

template <typename Request, typename Response>
class FinishedBidiReactor final
    : public grpc::ServerBidiReactor<Request, Response> {
 public:
  explicit FinishedBidiReactor(const grpc::Status& status) {
    this->Finish(status);
  }
  void OnDone() override { delete this; }
};

template <typename Request>
class FinishedReadReactor final : public grpc::ServerReadReactor<Request> {
 public:
  explicit FinishedReadReactor(const grpc::Status& status) {
    this->Finish(status);
  }
  void OnDone() override { delete this; }
};

}  // namespace slope::rpc

#endif  // SLOPE_SERVER_RPC_FINISHED_REACTORS_H_
