// The server as a whole over a real loopback channel: startup, port
// handling, info, health, reflection, message limits and shutdown.
#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "google/protobuf/unknown_field_set.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "server/calculus/functions.h"
#include "slope/v1/calculus.grpc.pb.h"
#include "slope/v1/info.grpc.pb.h"
#include "tests/rpc/test_server.h"

namespace slope::rpc {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

TEST(ServerTest, PortZeroPicksAFreePortAndReportsIt) {
  TestServer test;
  EXPECT_GT(test.server().port(), 0);
  EXPECT_EQ(test.server().address(),
            "127.0.0.1:" + std::to_string(test.server().port()));
}

TEST(ServerTest, BusyPortIsAnErrorNotASharedPort) {
  TestServer first;
  ServerOptions options;
  options.address = first.server().address();
  auto second = SlopeServer::Start(options);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("already in use"),
            absl::string_view::npos);
}

TEST(ServerTest, GetServerInfoReportsVersionLimitsAndFunctions) {
  ServerOptions options;
  options.threads = 3;
  options.expression.max_depth = 77;
  options.calculus.max_points_per_request = 12345;
  options.jobs.max_queued_jobs = 9;
  TestServer test(options);
  auto stub = slope::v1::InfoService::NewStub(test.channel());
  grpc::ClientContext context;
  slope::v1::ServerInfo info;
  ASSERT_TRUE(stub->GetServerInfo(&context, {}, &info).ok());
  EXPECT_FALSE(info.version().empty());
  EXPECT_NE(info.build().find("grpc 1."), std::string::npos) << info.build();
  EXPECT_EQ(info.threads(), 3u);
  EXPECT_EQ(info.limits().max_expression_depth(), 77u);
  EXPECT_EQ(info.limits().max_points_per_request(), 12345u);
  EXPECT_EQ(info.limits().max_queued_jobs(), 9u);
  EXPECT_EQ(info.limits().max_message_bytes(), 16u << 20);

  ASSERT_EQ(static_cast<size_t>(info.functions_size()),
            calculus::AllFunctions().size());
  std::set<std::string> names;
  for (const auto& f : info.functions()) {
    names.insert(f.name());
    EXPECT_FALSE(f.derivative().empty()) << f.name();
    EXPECT_GE(f.arity(), 1u);
  }
  for (const char* expected : {"sin", "atan2", "sigmoid", "softplus", "erfc",
                               "hypot", "relu", "log1p", "expm1"}) {
    EXPECT_TRUE(names.count(expected)) << expected;
  }
  EXPECT_DOUBLE_EQ(info.constants().at("pi"), 3.14159265358979323846);
  EXPECT_DOUBLE_EQ(info.constants().at("e"), 2.71828182845904523536);
  std::set<std::string> services(info.services().begin(),
                                 info.services().end());
  EXPECT_TRUE(services.count("slope.v1.CalculusService"));
  EXPECT_TRUE(services.count("slope.v1.TrainingService"));
  EXPECT_TRUE(services.count("grpc.health.v1.Health"));
}

TEST(ServerTest, HealthCheckServesEveryServiceAndRejectsUnknownOnes) {
  TestServer test;
  auto stub = Health::NewStub(test.channel());
  for (const char* service : {"", "slope.v1.CalculusService",
                              "slope.v1.TrainingService",
                              "slope.v1.InfoService"}) {
    grpc::ClientContext context;
    HealthCheckRequest request;
    request.set_service(service);
    HealthCheckResponse response;
    ASSERT_TRUE(stub->Check(&context, request, &response).ok()) << service;
    EXPECT_EQ(response.status(), HealthCheckResponse::SERVING) << service;
  }
  grpc::ClientContext context;
  HealthCheckRequest request;
  request.set_service("no.such.Service");
  HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "unknown service 'no.such.Service'");
}

TEST(ServerTest, HealthWatchSeesServingThenNotServingOnShutdown) {
  TestServer test;
  auto stub = Health::NewStub(test.channel());
  grpc::ClientContext context;
  HealthCheckRequest request;
  auto reader = stub->Watch(&context, request);
  HealthCheckResponse response;
  ASSERT_TRUE(reader->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVING);

  std::thread stopper([&] { test.server().Shutdown(absl::Seconds(5)); });
  ASSERT_TRUE(reader->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::NOT_SERVING);
  EXPECT_FALSE(reader->Read(&response));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  stopper.join();
}

TEST(ServerTest, HealthWatchOfUnknownServiceSaysServiceUnknown) {
  TestServer test;
  auto stub = Health::NewStub(test.channel());
  grpc::ClientContext context;
  HealthCheckRequest request;
  request.set_service("no.such.Service");
  auto reader = stub->Watch(&context, request);
  HealthCheckResponse response;
  ASSERT_TRUE(reader->Read(&response));
  EXPECT_EQ(response.status(), HealthCheckResponse::SERVICE_UNKNOWN);
  context.TryCancel();
  while (reader->Read(&response)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST(ServerTest, RequestLargerThanTheMessageLimitIsResourceExhausted) {
  ServerOptions options;
  options.max_message_bytes = 64 * 1024;
  TestServer test(options);
  auto stub = slope::v1::CalculusService::NewStub(test.channel());
  slope::v1::EvaluateBatchRequest request;
  request.set_expression("x");
  request.add_variables("x");
  for (int i = 0; i < 20000; ++i) request.add_points(i);  // ~160 KB
  slope::v1::EvaluateBatchResponse response;
  grpc::ClientContext context;
  grpc::Status status = stub->EvaluateBatch(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << status.error_message();
}

TEST(ServerTest, ShutdownRefusesNewCalls) {
  TestServer test;
  auto stub = slope::v1::InfoService::NewStub(test.channel());
  test.server().Shutdown(absl::Seconds(1));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(2));
  slope::v1::ServerInfo info;
  EXPECT_FALSE(stub->GetServerInfo(&context, {}, &info).ok());
}

// Lists services through the reflection protocol with hand-encoded
// messages: the reflection .proto is not installed by the system packages,
// and this keeps the test independent of it.
std::set<std::string> ListServicesByReflection(
    std::shared_ptr<grpc::Channel> channel) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  grpc::CompletionQueue cq;
  auto call = stub.PrepareCall(
      &context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
      &cq);
  void* tag = nullptr;
  bool ok = false;
  call->StartCall(reinterpret_cast<void*>(1));
  EXPECT_TRUE(cq.Next(&tag, &ok) && ok);
  // ServerReflectionRequest{list_services: "*"}: field 7, length 1.
  const std::string request_bytes("\x3a\x01*", 3);
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);
  call->Write(request, reinterpret_cast<void*>(2));
  EXPECT_TRUE(cq.Next(&tag, &ok) && ok);
  grpc::ByteBuffer response;
  call->Read(&response, reinterpret_cast<void*>(3));
  EXPECT_TRUE(cq.Next(&tag, &ok) && ok);
  call->WritesDone(reinterpret_cast<void*>(4));
  cq.Next(&tag, &ok);
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  cq.Next(&tag, &ok);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }

  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const auto& s : slices) bytes.append(s.begin(), s.end());
  // ServerReflectionResponse.list_services_response (6) -> service (1) ->
  // name (1).
  std::set<std::string> names;
  google::protobuf::UnknownFieldSet top;
  EXPECT_TRUE(top.ParseFromString(bytes));
  for (int i = 0; i < top.field_count(); ++i) {
    if (top.field(i).number() != 6) continue;
    google::protobuf::UnknownFieldSet list;
    list.ParseFromString(top.field(i).length_delimited());
    for (int j = 0; j < list.field_count(); ++j) {
      google::protobuf::UnknownFieldSet service;
      service.ParseFromString(list.field(j).length_delimited());
      for (int k = 0; k < service.field_count(); ++k) {
        names.insert(service.field(k).length_delimited());
      }
    }
  }
  return names;
}

TEST(ServerTest, ReflectionListsEveryService) {
  TestServer test;
  const std::set<std::string> names =
      ListServicesByReflection(test.channel());
  for (const char* expected :
       {"slope.v1.CalculusService", "slope.v1.TrainingService",
        "slope.v1.InfoService", "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection"}) {
    EXPECT_TRUE(names.count(expected)) << expected;
  }
}

}  // namespace
}  // namespace slope::rpc
