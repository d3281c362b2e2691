// A Slope server on a free loopback port for a test, with stubs over a real
// TCP channel.
#ifndef SLOPE_TESTS_RPC_TEST_SERVER_H_
#define SLOPE_TESTS_RPC_TEST_SERVER_H_

#include <memory>

#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "server/rpc/log.h"
#include "server/rpc/server.h"

namespace slope::rpc {

class TestServer {
 public:
  explicit TestServer(ServerOptions options = {}) {
    SetLogEnabled(false);
    options.address = "127.0.0.1:0";
    auto server = SlopeServer::Start(options);
    EXPECT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    args.SetMaxSendMessageSize(64 << 20);
    channel_ = grpc::CreateCustomChannel(
        server_->address(), grpc::InsecureChannelCredentials(), args);
  }

  SlopeServer& server() { return *server_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }

 private:
  std::unique_ptr<SlopeServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace slope::rpc

#endif  // SLOPE_TESTS_RPC_TEST_SERVER_H_
