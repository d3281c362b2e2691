// CalculusService over a real loopback channel: the seed examples, every
// method, every class of error with its code, position and details, limits,
// cancellation and deadlines, streaming, and concurrent clients.
#include <chrono>
#include <cmath>
#include <thread>
#include <vector>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "slope/v1/calculus.grpc.pb.h"
#include "tests/rpc/test_server.h"
#include "tests/timing.h"

namespace slope::rpc {
namespace {

using ::slope::test_support::kTimingSlack;

using slope::v1::CalculusService;

class CalculusServiceTest : public ::testing::Test {
 protected:
  explicit CalculusServiceTest(ServerOptions options = {})
      : server_(options), stub_(CalculusService::NewStub(server_.channel())) {}

  TestServer server_;
  std::unique_ptr<CalculusService::Stub> stub_;
};

google::rpc::ErrorInfo ErrorInfoOf(const grpc::Status& status) {
  google::rpc::Status details;
  google::rpc::ErrorInfo info;
  if (details.ParseFromString(status.error_details())) {
    for (const auto& any : details.details()) {
      if (any.UnpackTo(&info)) break;
    }
  }
  return info;
}

TEST_F(CalculusServiceTest, DerivativeOfXSquaredIsTwoXAndSixAtThree) {
  slope::v1::DifferentiateRequest request;
  request.set_expression("x^2");
  request.set_variable("x");
  (*request.mutable_point())["x"] = 3;
  slope::v1::DifferentiateResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->Differentiate(&context, request, &response).ok());
  EXPECT_EQ(response.formula(), "2*x");
  EXPECT_EQ(response.latex(), "2 x");
  EXPECT_EQ(response.expression(), "x^2");
  EXPECT_EQ(response.value(), 6);
  EXPECT_EQ(response.function_value(), 9);
  EXPECT_TRUE(response.limit_table().empty());
}

TEST_F(CalculusServiceTest, DifferentiateWithoutAPointGivesOnlyTheFormula) {
  slope::v1::DifferentiateRequest request;
  request.set_expression("sin(x)*y");
  request.set_variable("x");
  request.set_order(2);
  slope::v1::DifferentiateResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->Differentiate(&context, request, &response).ok());
  EXPECT_EQ(response.formula(), "-(sin(x)*y)");
  EXPECT_FALSE(response.has_value());
  EXPECT_FALSE(response.has_function_value());
}

TEST_F(CalculusServiceTest, LimitTableShowsTheSecantConverging) {
  slope::v1::DifferentiateRequest request;
  request.set_expression("x^2");
  request.set_variable("x");
  (*request.mutable_point())["x"] = 3;
  request.set_limit_table(true);
  slope::v1::DifferentiateResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->Differentiate(&context, request, &response).ok());
  ASSERT_EQ(response.limit_table_size(), 9);
  EXPECT_EQ(response.limit_table(0).h(), 1);
  EXPECT_EQ(response.limit_table(0).forward_slope(), 7);
  EXPECT_EQ(response.limit_table(0).forward_error(), 1);
  EXPECT_EQ(response.limit_table(0).central_slope(), 6);
  EXPECT_EQ(response.limit_table(8).h(), 1e-8);
  for (const auto& row : response.limit_table()) EXPECT_EQ(row.exact(), 6);
  EXPECT_LT(response.limit_table(4).forward_error(),
            response.limit_table(1).forward_error());
}

TEST_F(CalculusServiceTest, ExplainNamesEachRuleOutermostFirst) {
  slope::v1::DifferentiateRequest request;
  request.set_expression("x^2 + sin(x)");
  request.set_variable("x");
  request.set_explain(true);
  slope::v1::DifferentiateResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->Differentiate(&context, request, &response).ok());
  ASSERT_GE(response.steps_size(), 3);
  EXPECT_EQ(response.steps(0).rule(), "sum");
  EXPECT_EQ(response.steps(0).depth(), 0u);
  EXPECT_EQ(response.steps(0).after(), response.formula());
  bool saw_power = false, saw_sin = false;
  for (const auto& step : response.steps()) {
    if (step.rule() == "power") {
      saw_power = true;
      EXPECT_EQ(step.before(), "x^2");
      EXPECT_EQ(step.after(), "2*x");
      EXPECT_EQ(step.depth(), 1u);
      EXPECT_FALSE(step.explanation().empty());
      EXPECT_FALSE(step.after_latex().empty());
    }
    if (step.rule() == "sin") saw_sin = true;
  }
  EXPECT_TRUE(saw_power);
  EXPECT_TRUE(saw_sin);
}

TEST_F(CalculusServiceTest, LimitTableNeedsAPoint) {
  slope::v1::DifferentiateRequest request;
  request.set_expression("x^2");
  request.set_variable("x");
  request.set_limit_table(true);
  slope::v1::DifferentiateResponse response;
  grpc::ClientContext context;
  grpc::Status status = stub_->Differentiate(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("limit_table needs a point"),
            std::string::npos);
}

TEST_F(CalculusServiceTest, GradientOfSumOfSquaresAtOneTwoIsTwoFour) {
  slope::v1::GradientRequest request;
  request.set_expression("x^2 + y^2");
  (*request.mutable_point())["x"] = 1;
  (*request.mutable_point())["y"] = 2;
  request.set_formulas(true);
  slope::v1::GradientResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->Gradient(&context, request, &response).ok());
  EXPECT_EQ(response.value(), 5);
  EXPECT_EQ(response.gradient().at("x"), 2);
  EXPECT_EQ(response.gradient().at("y"), 4);
  ASSERT_EQ(response.variables_size(), 2);
  EXPECT_EQ(response.variables(0), "x");
  EXPECT_EQ(response.values(1), 4);
  EXPECT_DOUBLE_EQ(response.norm(), std::sqrt(20.0));
  EXPECT_EQ(response.formulas().at("x"), "2*x");
  EXPECT_EQ(response.formulas().at("y"), "2*y");
}

TEST_F(CalculusServiceTest, GradientFollowsTheRequestedOrderWithZeroForUnused) {
  slope::v1::GradientRequest request;
  request.set_expression("x*y");
  request.add_variables("y");
  request.add_variables("z");
  (*request.mutable_point())["x"] = 3;
  (*request.mutable_point())["y"] = 5;
  slope::v1::GradientResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->Gradient(&context, request, &response).ok());
  ASSERT_EQ(response.variables_size(), 2);
  EXPECT_EQ(response.variables(0), "y");
  EXPECT_EQ(response.values(0), 3);
  EXPECT_EQ(response.variables(1), "z");
  EXPECT_EQ(response.values(1), 0);
  EXPECT_FALSE(response.gradient().contains("x"));
}

TEST_F(CalculusServiceTest, EvaluateMatchesLibmToTheLastBit) {
  slope::v1::EvaluateRequest request;
  request.set_expression("sin(x)*exp(y) + x^2");
  (*request.mutable_point())["x"] = 1;
  (*request.mutable_point())["y"] = 2;
  slope::v1::EvaluateResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->Evaluate(&context, request, &response).ok());
  EXPECT_EQ(response.value(), std::sin(1.0) * std::exp(2.0) + 1.0);
  EXPECT_TRUE(response.warnings().empty());
  ASSERT_EQ(response.variables_size(), 2);
}

TEST_F(CalculusServiceTest, DomainErrorsGiveIeeeValuesAndAPositionedWarning) {
  slope::v1::EvaluateRequest request;
  request.set_expression("1 + log(x)");
  (*request.mutable_point())["x"] = 0;
  slope::v1::EvaluateResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->Evaluate(&context, request, &response).ok());
  EXPECT_EQ(response.value(), -INFINITY);
  ASSERT_EQ(response.warnings_size(), 1);
  EXPECT_EQ(response.warnings(0).operation(), "log");
  EXPECT_EQ(response.warnings(0).line(), 1u);
  EXPECT_EQ(response.warnings(0).column(), 5u);
  EXPECT_NE(response.warnings(0).message().find("-inf"), std::string::npos);
}

TEST_F(CalculusServiceTest, HessianOfAMixedExpression) {
  slope::v1::HessianRequest request;
  request.set_expression("x^2*y + sin(x)");
  (*request.mutable_point())["x"] = 1;
  (*request.mutable_point())["y"] = 2;
  slope::v1::HessianResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->Hessian(&context, request, &response).ok());
  ASSERT_EQ(response.hessian().rows(), 2u);
  ASSERT_EQ(response.hessian().values_size(), 4);
  EXPECT_NEAR(response.hessian().values(0), 4 - std::sin(1.0), 1e-15);
  EXPECT_EQ(response.hessian().values(1), 2);
  EXPECT_EQ(response.hessian().values(2), 2);
  EXPECT_EQ(response.hessian().values(3), 0);
  EXPECT_NEAR(response.gradient(0), 4 + std::cos(1.0), 1e-15);
  EXPECT_EQ(response.gradient(1), 1);
}

TEST_F(CalculusServiceTest, JacobianOfTwoExpressions) {
  slope::v1::JacobianRequest request;
  request.add_expressions("x*y");
  request.add_expressions("x + y^2");
  (*request.mutable_point())["x"] = 3;
  (*request.mutable_point())["y"] = 2;
  slope::v1::JacobianResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->Jacobian(&context, request, &response).ok());
  EXPECT_EQ(response.values(0), 6);
  EXPECT_EQ(response.values(1), 7);
  ASSERT_EQ(response.jacobian().rows(), 2u);
  ASSERT_EQ(response.jacobian().cols(), 2u);
  const std::vector<double> expected = {2, 3, 1, 4};
  for (int i = 0; i < 4; ++i) EXPECT_EQ(response.jacobian().values(i), expected[i]);
}

TEST_F(CalculusServiceTest, SyntaxErrorsCarryPositionAndDetails) {
  slope::v1::EvaluateRequest request;
  request.set_expression("x +* 2");
  slope::v1::EvaluateResponse response;
  grpc::ClientContext context;
  grpc::Status status = stub_->Evaluate(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "expression 1:4: unexpected '*'");
  const google::rpc::ErrorInfo info = ErrorInfoOf(status);
  EXPECT_EQ(info.reason(), "SYNTAX_ERROR");
  EXPECT_EQ(info.metadata().at("column"), "4");
}

TEST_F(CalculusServiceTest, EachErrorClassHasItsReason) {
  struct Case {
    std::string expression;
    std::map<std::string, double> point;
    grpc::StatusCode code;
    std::string reason;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"sni(x)", {{"x", 1}}, grpc::StatusCode::INVALID_ARGUMENT,
       "UNKNOWN_FUNCTION", "expression 1:1: unknown function 'sni' (did you mean 'sin'?)"},
      {"sin(x, y)", {{"x", 1}}, grpc::StatusCode::INVALID_ARGUMENT,
       "WRONG_ARITY", "expression 1:4: sin takes 1 argument, got 2"},
      {"x*y", {{"x", 1}}, grpc::StatusCode::INVALID_ARGUMENT,
       "MISSING_VARIABLE", "point has no value for 'y', which the expression uses"},
      {"x", {{"x", NAN}}, grpc::StatusCode::INVALID_ARGUMENT, "INVALID_VALUE",
       "point.x is NaN; every coordinate must be a number"},
      {std::string(300, '(') + "x" + std::string(300, ')'), {{"x", 1}},
       grpc::StatusCode::RESOURCE_EXHAUSTED, "LIMIT_EXCEEDED", ""},
  };
  for (const Case& c : cases) {
    slope::v1::EvaluateRequest request;
    request.set_expression(c.expression);
    for (const auto& [name, value] : c.point) (*request.mutable_point())[name] = value;
    slope::v1::EvaluateResponse response;
    grpc::ClientContext context;
    grpc::Status status = stub_->Evaluate(&context, request, &response);
    EXPECT_EQ(status.error_code(), c.code) << c.expression;
    EXPECT_EQ(ErrorInfoOf(status).reason(), c.reason) << c.expression;
    if (!c.message.empty()) {
      EXPECT_EQ(status.error_message(), c.message);
    }
  }
}

TEST_F(CalculusServiceTest, DuplicateAndMalformedVariablesAreRejected) {
  slope::v1::GradientRequest request;
  request.set_expression("x");
  request.add_variables("x");
  request.add_variables("x");
  (*request.mutable_point())["x"] = 1;
  slope::v1::GradientResponse response;
  grpc::ClientContext context;
  grpc::Status status = stub_->Gradient(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "variables[1] 'x' is listed twice");

  request.set_variables(1, "2y");
  grpc::ClientContext context2;
  status = stub_->Gradient(&context2, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("'2y' is not a variable name"),
            std::string::npos);
}

TEST_F(CalculusServiceTest, DerivativeOrderIsBounded) {
  slope::v1::DifferentiateRequest request;
  request.set_expression("x^2");
  request.set_variable("x");
  request.set_order(11);
  slope::v1::DifferentiateResponse response;
  grpc::ClientContext context;
  grpc::Status status = stub_->Differentiate(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(status.error_message().find("max_derivative_order"), std::string::npos);
}

std::vector<double> RandomPoints(size_t count, size_t dims, double lo, double hi) {
  std::vector<double> points(count * dims);
  uint64_t state = 12345;
  for (double& p : points) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    p = lo + (hi - lo) * static_cast<double>(state >> 11) / 9007199254740992.0;
  }
  return points;
}

TEST_F(CalculusServiceTest, BatchEqualsOnePointCallsBitForBit) {
  // 5000 points: above the inline threshold, so this runs on the pool.
  const size_t count = 5000;
  const std::vector<double> points = RandomPoints(count, 2, -2, 2);
  slope::v1::EvaluateBatchRequest request;
  request.set_expression("sin(x)*exp(y) + log(1 + x^2)");
  request.add_variables("x");
  request.add_variables("y");
  request.mutable_points()->Add(points.begin(), points.end());
  request.set_gradient(true);
  slope::v1::EvaluateBatchResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->EvaluateBatch(&context, request, &response).ok());
  ASSERT_EQ(response.count(), count);
  ASSERT_EQ(response.gradients_size(), static_cast<int>(2 * count));
  for (size_t i = 0; i < count; i += 499) {
    slope::v1::GradientRequest one;
    one.set_expression(request.expression());
    (*one.mutable_point())["x"] = points[2 * i];
    (*one.mutable_point())["y"] = points[2 * i + 1];
    slope::v1::GradientResponse answer;
    grpc::ClientContext one_context;
    ASSERT_TRUE(stub_->Gradient(&one_context, one, &answer).ok());
    EXPECT_EQ(response.values(i), answer.value()) << i;
    EXPECT_EQ(response.gradients(2 * i), answer.values(0)) << i;
    EXPECT_EQ(response.gradients(2 * i + 1), answer.values(1)) << i;
  }
}

TEST_F(CalculusServiceTest, BatchHessiansArePerPointRowMajor) {
  slope::v1::EvaluateBatchRequest request;
  request.set_expression("x^2*y");
  request.add_variables("x");
  request.add_variables("y");
  for (double v : {1.0, 2.0, 3.0, 4.0}) request.add_points(v);
  request.set_hessian(true);
  slope::v1::EvaluateBatchResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(stub_->EvaluateBatch(&context, request, &response).ok());
  ASSERT_EQ(response.hessians_size(), 8);
  const std::vector<double> expected = {4, 2, 2, 0, 8, 6, 6, 0};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(response.hessians(i), expected[i]) << i;
  EXPECT_TRUE(response.gradients().empty());
}

TEST_F(CalculusServiceTest, BatchShapeErrors) {
  slope::v1::EvaluateBatchRequest request;
  request.set_expression("x*y");
  request.add_variables("x");
  for (double v : {1.0, 2.0}) request.add_points(v);
  slope::v1::EvaluateBatchResponse response;
  grpc::ClientContext context;
  grpc::Status status = stub_->EvaluateBatch(&context, request, &response);
  EXPECT_EQ(status.error_message(),
            "variables does not list 'y', which the expression uses");

  request.add_variables("y");
  request.add_points(3);
  grpc::ClientContext context2;
  status = stub_->EvaluateBatch(&context2, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "points has 3 numbers, not a multiple of the 2 variables of each point");
}

class LimitedCalculusTest : public CalculusServiceTest {
 protected:
  static ServerOptions Options() {
    ServerOptions options;
    options.calculus.max_points_per_request = 1000;
    options.calculus.max_elements_per_message = 2500;
    options.max_message_bytes = 64 * 1024;
    return options;
  }
  LimitedCalculusTest() : CalculusServiceTest(Options()) {}
};

TEST_F(LimitedCalculusTest, PointAndElementLimitsNameTheirFlags) {
  slope::v1::EvaluateBatchRequest request;
  request.set_expression("x");
  request.add_variables("x");
  for (int i = 0; i < 1001; ++i) request.add_points(i);
  slope::v1::EvaluateBatchResponse response;
  grpc::ClientContext context;
  grpc::Status status = stub_->EvaluateBatch(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(status.error_message().find("max_points_per_request"), std::string::npos);

  request.clear_points();
  for (int i = 0; i < 1000; ++i) request.add_points(i);
  request.set_gradient(true);
  request.set_hessian(true);  // 1000 * (1 + 1 + 1) = 3000 > 2500
  grpc::ClientContext context2;
  status = stub_->EvaluateBatch(&context2, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(status.error_message().find("max_elements_per_message"), std::string::npos);
}

TEST_F(LimitedCalculusTest, StreamCarriesMoreThanOneMessageAllows) {
  // 200 chunks of 1000 points: 1.6 MB in all, 25 times the message limit.
  grpc::ClientContext context;
  auto stream = stub_->EvaluateStream(&context);
  std::thread writer([&] {
    slope::v1::EvaluateStreamRequest request;
    request.mutable_config()->set_expression("2*x");
    request.mutable_config()->add_variables("x");
    for (int chunk = 0; chunk < 200; ++chunk) {
      for (int i = 0; i < 1000; ++i) request.add_points(chunk * 1000 + i);
      ASSERT_TRUE(stream->Write(request));
      request.Clear();
    }
    stream->WritesDone();
  });
  slope::v1::EvaluateStreamResponse response;
  uint32_t chunks = 0;
  uint64_t next_point = 0;
  while (stream->Read(&response)) {
    EXPECT_EQ(response.chunk(), chunks);
    EXPECT_EQ(response.first_point(), next_point);
    ASSERT_EQ(response.count(), 1000u);
    EXPECT_EQ(response.values(0), 2.0 * next_point);
    EXPECT_EQ(response.values(999), 2.0 * (next_point + 999));
    next_point += response.count();
    ++chunks;
  }
  writer.join();
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(chunks, 200u);
}

TEST_F(CalculusServiceTest, StreamWithoutConfigIsRejected) {
  grpc::ClientContext context;
  auto stream = stub_->EvaluateStream(&context);
  slope::v1::EvaluateStreamRequest request;
  request.add_points(1);
  stream->Write(request);
  stream->WritesDone();
  slope::v1::EvaluateStreamResponse response;
  EXPECT_FALSE(stream->Read(&response));
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(status.error_message().find("config"), std::string::npos);
}

// A batch heavy enough to take seconds: Hessians of a long expression.
slope::v1::EvaluateBatchRequest HeavyBatch(size_t count) {
  slope::v1::EvaluateBatchRequest request;
  std::string expression = "0";
  for (int i = 1; i <= 40; ++i) {
    expression += " + sin(" + std::to_string(i) + "*x + y)*exp(-y^2/" +
                  std::to_string(i) + ")";
  }
  request.set_expression(expression);
  request.add_variables("x");
  request.add_variables("y");
  const std::vector<double> points = RandomPoints(count, 2, -1, 1);
  request.mutable_points()->Add(points.begin(), points.end());
  request.set_hessian(true);
  request.set_gradient(true);
  return request;
}

TEST_F(CalculusServiceTest, CancelledBatchStopsEarlyAndFreesItsThreads) {
  const auto request = HeavyBatch(250000);
  slope::v1::EvaluateBatchResponse response;
  grpc::ClientContext context;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    context.TryCancel();
  });
  const auto start = std::chrono::steady_clock::now();
  grpc::Status status = stub_->EvaluateBatch(&context, request, &response);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  canceller.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
  // The whole batch takes seconds; stopping must come within ~50 ms of the
  // cancel (generous margin for a loaded 2-core machine).
  EXPECT_LT(elapsed, std::chrono::milliseconds(150 + 400 * kTimingSlack));

  // The pool is free again: a small batch is answered at once.
  slope::v1::EvaluateBatchRequest small = HeavyBatch(4000);
  grpc::ClientContext small_context;
  small_context.set_deadline(std::chrono::system_clock::now() +
                             std::chrono::seconds(20));
  EXPECT_TRUE(stub_->EvaluateBatch(&small_context, small, &response).ok());
}

TEST_F(CalculusServiceTest, DeadlineStopsABatch) {
  const auto request = HeavyBatch(250000);
  slope::v1::EvaluateBatchResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(100));
  const auto start = std::chrono::steady_clock::now();
  grpc::Status status = stub_->EvaluateBatch(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(std::chrono::steady_clock::now() - start,
            std::chrono::seconds(2) * kTimingSlack);
}

TEST_F(CalculusServiceTest, ShutdownLetsAnInFlightBatchFinish) {
  // Long enough (about 2 s) that the call is surely in flight after the
  // pause below even on a loaded machine; either way it must succeed.
  const auto request = HeavyBatch(60000);
  slope::v1::EvaluateBatchResponse response;
  grpc::ClientContext context;
  grpc::Status status;
  std::thread call([&] {
    status = stub_->EvaluateBatch(&context, request, &response);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  server_.server().Shutdown(absl::Seconds(60));
  call.join();
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.count(), 60000u);
}

TEST_F(CalculusServiceTest, ShutdownCancelsWhatOutlivesTheGracePeriod) {
  const auto request = HeavyBatch(250000);
  slope::v1::EvaluateBatchResponse response;
  grpc::ClientContext context;
  grpc::Status status;
  std::thread call([&] {
    status = stub_->EvaluateBatch(&context, request, &response);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto start = std::chrono::steady_clock::now();
  server_.server().Shutdown(absl::Milliseconds(100));
  call.join();
  EXPECT_FALSE(status.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start,
            std::chrono::seconds(2) * kTimingSlack);
}

TEST_F(CalculusServiceTest, ConcurrentClientsGetCorrectAnswers) {
  std::vector<std::thread> clients;
  std::atomic<int> failures{0};
  for (int t = 0; t < 6; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 60; ++i) {
        const double x = t + i * 0.01;
        if (i % 10 == 0) {
          slope::v1::EvaluateBatchRequest request;
          request.set_expression("x^3");
          request.add_variables("x");
          for (int k = 0; k < 3000; ++k) request.add_points(x + k);
          request.set_gradient(true);
          slope::v1::EvaluateBatchResponse response;
          grpc::ClientContext context;
          const double last = x + 2999;
          if (!stub_->EvaluateBatch(&context, request, &response).ok() ||
              std::abs(response.gradients(2999) - 3 * last * last) >
                  1e-14 * 3 * last * last) {
            ++failures;
          }
          continue;
        }
        slope::v1::GradientRequest request;
        request.set_expression("x^3 + " + std::to_string(t) + "*y");
        (*request.mutable_point())["x"] = x;
        (*request.mutable_point())["y"] = 1;
        slope::v1::GradientResponse response;
        grpc::ClientContext context;
        if (!stub_->Gradient(&context, request, &response).ok() ||
            std::abs(response.gradient().at("x") - 3 * x * x) >
                1e-14 * 3 * x * x ||
            response.gradient().at("y") != t) {
          ++failures;
        }
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace slope::rpc
