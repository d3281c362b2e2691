// The translation of core errors into gRPC statuses with details.
#include "server/rpc/status.h"

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace slope::rpc {
namespace {

google::rpc::Status Details(const grpc::Status& status) {
  google::rpc::Status details;
  EXPECT_TRUE(details.ParseFromString(status.error_details()));
  return details;
}

TEST(StatusTest, SyntaxErrorNamesFieldPositionAndReason) {
  const grpc::Status status = ToGrpcStatus(
      absl::InvalidArgumentError("1:5: unexpected '*'"), "expression");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "expression 1:5: unexpected '*'");

  const google::rpc::Status details = Details(status);
  EXPECT_EQ(details.code(), 3);
  ASSERT_EQ(details.details_size(), 2);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(details.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "SYNTAX_ERROR");
  EXPECT_EQ(info.domain(), "slope.v1");
  EXPECT_EQ(info.metadata().at("line"), "1");
  EXPECT_EQ(info.metadata().at("column"), "5");
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(details.details(1).UnpackTo(&bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "expression");
  EXPECT_EQ(bad_request.field_violations(0).description(),
            "1:5: unexpected '*'");
}

TEST(StatusTest, ReasonsFollowTheKindOfError) {
  EXPECT_EQ(ErrorReason(absl::InvalidArgumentError(
                "1:9: unknown function 'sni' (did you mean 'sin'?)")),
            "UNKNOWN_FUNCTION");
  EXPECT_EQ(ErrorReason(absl::InvalidArgumentError(
                "1:4: sin takes 1 argument, got 2")),
            "WRONG_ARITY");
  EXPECT_EQ(ErrorReason(absl::InvalidArgumentError("unbalanced '(' opened at 1:3")),
            "SYNTAX_ERROR");
  EXPECT_EQ(ErrorReason(absl::ResourceExhaustedError("too deep")),
            "LIMIT_EXCEEDED");
  EXPECT_EQ(ErrorReason(absl::NotFoundError("job 'x' not found")), "NOT_FOUND");
  absl::Status explicit_reason = absl::InvalidArgumentError("whatever");
  explicit_reason.SetPayload(kReasonPayloadUrl, absl::Cord("MISSING_VARIABLE"));
  EXPECT_EQ(ErrorReason(explicit_reason), "MISSING_VARIABLE");
}

TEST(StatusTest, LimitErrorsAreResourceExhaustedWithoutBadRequest) {
  const grpc::Status status = ToGrpcStatus(
      absl::ResourceExhaustedError("expression nests deeper than 256 levels"),
      "expression");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  const google::rpc::Status details = Details(status);
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(details.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "LIMIT_EXCEEDED");
}

TEST(StatusTest, OkStaysOk) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus(), "expression").ok());
}

}  // namespace
}  // namespace slope::rpc
