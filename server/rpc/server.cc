#include "server/rpc/server.h"

#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "server/calculus/expression_cache.h"
#include "server/jobs/compute_pool.h"
#include "server/rpc/batch_dispatcher.h"
#include "server/rpc/calculus_service.h"
#include "server/rpc/health_service.h"
#include "server/rpc/info_service.h"
#include "server/rpc/log.h"
#include "server/rpc/training_service.h"

namespace slope::rpc {
namespace {

constexpr const char* kServices[] = {
    "slope.v1.CalculusService",
    "slope.v1.TrainingService",
    "slope.v1.InfoService",
    "grpc.health.v1.Health",
    "grpc.reflection.v1alpha.ServerReflection",
};

// The host part of "host:port", to print the bound address with its port.
std::string HostOf(const std::string& address) {
  const size_t colon = address.rfind(':');
  return colon == std::string::npos ? address : address.substr(0, colon);
}

}  // namespace

SlopeServer::SlopeServer() = default;

SlopeServer::~SlopeServer() {
  if (!shut_down_) Shutdown(absl::ZeroDuration());
}

absl::StatusOr<std::unique_ptr<SlopeServer>> SlopeServer::Start(
    const ServerOptions& options) {
  if (options.max_message_bytes <= 0) {
    return absl::InvalidArgumentError("max_message_bytes must be positive");
  }
  std::unique_ptr<SlopeServer> server(new SlopeServer());
  server->options_ = options;
  server->pool_ = std::make_unique<jobs::ComputePool>(options.threads);
  server->threads_ = server->pool_->num_threads();
  server->cache_ = std::make_unique<calculus::ExpressionCache>(
      calculus::ExpressionCacheOptions{options.calculus.cache_entries,
                                       options.calculus.cache_bytes},
      options.expression);
  // As many again may wait for a slot; beyond that, RESOURCE_EXHAUSTED.
  server->dispatcher_ = std::make_unique<BatchDispatcher>(
      options.calculus.max_concurrent_batches,
      options.calculus.max_concurrent_batches * 4);

  std::vector<std::string> services;
  for (const char* name : kServices) {
    if (!options.reflection &&
        std::string_view(name).find("reflection") != std::string_view::npos) {
      continue;
    }
    services.push_back(name);
  }
  server->health_ = std::make_unique<HealthService>();
  server->info_ = std::make_unique<InfoService>(
      options, server->threads_, services,
      std::vector<std::string>{"info", "health", "reflection", "evaluate",
                               "differentiate", "gradient", "hessian",
                               "jacobian", "batch", "stream", "training"});
  server->calculus_ = std::make_unique<CalculusService>(
      options, server->cache_.get(), server->pool_.get(),
      server->dispatcher_.get());
  server->training_ =
      std::make_unique<TrainingService>(options.jobs, server->pool_.get());

  if (options.reflection) grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // Two servers on one port would split traffic silently: refuse instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  int port = 0;
  builder.AddListeningPort(options.address, grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(server->health_.get());
  builder.RegisterService(server->info_.get());
  builder.RegisterService(server->calculus_.get());
  builder.RegisterService(server->training_.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || port == 0) {
    server->server_.reset();
    server->shut_down_ = true;
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options.address,
        ": the address is invalid or the port is already in use"));
  }
  server->port_ = port;
  server->address_ = absl::StrCat(HostOf(options.address), ":", port);

  server->health_->SetStatus("", grpc::health::v1::HealthCheckResponse::SERVING);
  for (const std::string& name : services) {
    server->health_->SetStatus(name,
                               grpc::health::v1::HealthCheckResponse::SERVING);
  }
  return server;
}

void SlopeServer::Shutdown(absl::Duration grace) {
  if (shut_down_) return;
  shut_down_ = true;
  health_->Shutdown();
  // Cancel the jobs first: their event logs end, so WatchJob and Train
  // streams finish by themselves instead of holding the grace period.
  training_->Shutdown();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_->Wait();
  // Cancelled calls make their batches stop; wait for those threads.
  dispatcher_->WaitIdle();
}

std::shared_ptr<grpc::Channel> SlopeServer::InProcessChannel() {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options_.max_message_bytes);
  args.SetMaxSendMessageSize(options_.max_message_bytes);
  return server_->InProcessChannel(args);
}

}  // namespace slope::rpc
