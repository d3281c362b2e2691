#include "server/rpc/training_service.h"

#include "absl/strings/string_view.h"

#include "absl/strings/str_cat.h"
#include "server/rpc/finished_reactors.h"

namespace slope::rpc {
namespace {

using slope::v1::JobEvent;

grpc::Status NotYet(absl::string_view method) {
  return grpc::Status(
      grpc::StatusCode::UNIMPLEMENTED,
      absl::StrCat("slope.v1.TrainingService/", method,
                   " is not implemented by this server yet"));
}

grpc::ServerUnaryReactor* FinishNotYet(grpc::CallbackServerContext* context,
                                       absl::string_view method) {
  auto* reactor = context->DefaultReactor();
  reactor->Finish(NotYet(method));
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* TrainingService::CreateJob(
    grpc::CallbackServerContext* context, const slope::v1::CreateJobRequest*,
    slope::v1::Job*) {
  return FinishNotYet(context, "CreateJob");
}

grpc::ServerUnaryReactor* TrainingService::GetJob(
    grpc::CallbackServerContext* context, const slope::v1::GetJobRequest*,
    slope::v1::Job*) {
  return FinishNotYet(context, "GetJob");
}

grpc::ServerUnaryReactor* TrainingService::ListJobs(
    grpc::CallbackServerContext* context, const slope::v1::ListJobsRequest*,
    slope::v1::ListJobsResponse*) {
  return FinishNotYet(context, "ListJobs");
}

grpc::ServerUnaryReactor* TrainingService::CancelJob(
    grpc::CallbackServerContext* context, const slope::v1::CancelJobRequest*,
    slope::v1::Job*) {
  return FinishNotYet(context, "CancelJob");
}

grpc::ServerUnaryReactor* TrainingService::DeleteJob(
    grpc::CallbackServerContext* context, const slope::v1::DeleteJobRequest*,
    slope::v1::DeleteJobResponse*) {
  return FinishNotYet(context, "DeleteJob");
}

grpc::ServerWriteReactor<JobEvent>* TrainingService::WatchJob(
    grpc::CallbackServerContext* /*context*/,
    const slope::v1::WatchJobRequest*) {
  return new FinishedWriteReactor<JobEvent>(NotYet("WatchJob"));
}

grpc::ServerWriteReactor<JobEvent>* TrainingService::Train(
    grpc::CallbackServerContext* /*context*/, const slope::v1::TrainRequest*) {
  return new FinishedWriteReactor<JobEvent>(NotYet("Train"));
}

grpc::ServerUnaryReactor* TrainingService::Predict(
    grpc::CallbackServerContext* context, const slope::v1::PredictRequest*,
    slope::v1::PredictResponse*) {
  return FinishNotYet(context, "Predict");
}

grpc::ServerUnaryReactor* TrainingService::GetModel(
    grpc::CallbackServerContext* context, const slope::v1::GetModelRequest*,
    slope::v1::Model*) {
  return FinishNotYet(context, "GetModel");
}

grpc::ServerReadReactor<slope::v1::UploadDatasetRequest>*
TrainingService::UploadDataset(grpc::CallbackServerContext* /*context*/,
                               slope::v1::Dataset*) {
  return new FinishedReadReactor<slope::v1::UploadDatasetRequest>(
      NotYet("UploadDataset"));
}

}  // namespace slope::rpc
