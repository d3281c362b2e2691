// A running Slope server: the gRPC server with every service, reflection and
// health, on the address and limits of ServerOptions. Used by main.cc and,
// in-process, by the tests.
#ifndef SLOPE_SERVER_RPC_SERVER_H_
#define SLOPE_SERVER_RPC_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"
#include "server/rpc/server_options.h"

namespace slope::calculus {
class ExpressionCache;
}  // namespace slope::calculus
namespace slope::jobs {
class ComputePool;
}  // namespace slope::jobs

namespace slope::rpc {

class HealthService;
class InfoService;
class CalculusService;
class TrainingService;
class BatchDispatcher;

class SlopeServer {
 public:
  // Binds and starts serving. A bad address or a port in use is an error
  // (UNAVAILABLE), never a server silently sharing a port.
  static absl::StatusOr<std::unique_ptr<SlopeServer>> Start(
      const ServerOptions& options);

  SlopeServer(const SlopeServer&) = delete;
  SlopeServer& operator=(const SlopeServer&) = delete;
  // Shuts down with no grace period if Shutdown was not called.
  ~SlopeServer();

  // The address actually bound, with the chosen port when port 0 was asked.
  const std::string& address() const { return address_; }
  int port() const { return port_; }
  int threads() const { return threads_; }

  // Health turns NOT_SERVING, new calls are refused, calls in flight get
  // `grace` to finish before they are cancelled. Blocks until done.
  void Shutdown(absl::Duration grace);

  // An in-process channel, for tests.
  std::shared_ptr<grpc::Channel> InProcessChannel();

 private:
  SlopeServer();

  ServerOptions options_;
  std::string address_;
  int port_ = 0;
  int threads_ = 0;
  bool shut_down_ = false;
  // The compute core, built before and destroyed after the services that
  // borrow it.
  std::unique_ptr<jobs::ComputePool> pool_;
  std::unique_ptr<calculus::ExpressionCache> cache_;
  std::unique_ptr<BatchDispatcher> dispatcher_;
  std::unique_ptr<HealthService> health_;
  std::unique_ptr<InfoService> info_;
  std::unique_ptr<CalculusService> calculus_;
  std::unique_ptr<TrainingService> training_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace slope::rpc

#endif  // SLOPE_SERVER_RPC_SERVER_H_
