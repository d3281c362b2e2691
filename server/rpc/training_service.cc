#include "server/rpc/training_service.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "server/rpc/finished_reactors.h"
#include "server/rpc/status.h"
#include "server/rpc/training_convert.h"
#include "server/rpc/training_upload.h"
#include "server/rpc/training_watch.h"
#include "server/training/trainer.h"

namespace slope::rpc {
namespace {

namespace v1 = slope::v1;

jobs::JobLimits RegistryLimitsFrom(const JobLimitsOptions& options) {
  jobs::JobLimits limits;
  limits.max_running_jobs = options.max_running_jobs;
  limits.max_queued_jobs = options.max_queued_jobs;
  limits.max_retained_jobs = options.max_retained_jobs;
  limits.max_events_per_job = options.max_events_per_job;
  limits.max_job_wall_seconds = options.max_job_wall_seconds;
  return limits;
}

training::DatasetStore::Options StoreOptionsFrom(
    const JobLimitsOptions& options) {
  training::DatasetStore::Options store;
  store.per_dataset.max_rows = options.max_dataset_rows;
  store.per_dataset.max_bytes = options.max_dataset_bytes;
  // Room for a few data sets of the largest allowed size.
  store.max_total_bytes =
      std::max<uint64_t>(store.max_total_bytes,
                         4 * static_cast<uint64_t>(options.max_dataset_bytes));
  return store;
}

grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* context,
                                 const grpc::Status& status) {
  auto* reactor = context->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

// An empty id cannot name a job: say which field is missing rather than
// answering NOT_FOUND for "".
bool MissingId(const std::string& id, grpc::Status* status) {
  if (!id.empty()) return false;
  *status = InvalidArgument("job_id", "must not be empty");
  return true;
}

}  // namespace

training::TrainingLimits TrainingLimitsFrom(const JobLimitsOptions& options) {
  training::TrainingLimits limits;
  limits.max_epochs = options.max_epochs;
  limits.max_dataset_rows = options.max_dataset_rows;
  limits.max_dataset_bytes = options.max_dataset_bytes;
  limits.max_parameters = options.max_parameters;
  limits.max_job_wall_seconds = options.max_job_wall_seconds;
  return limits;
}

TrainingService::TrainingService(const JobLimitsOptions& options,
                                 jobs::ComputePool* pool)
    : limits_(TrainingLimitsFrom(options)),
      max_upload_bytes_(options.max_dataset_bytes),
      store_(StoreOptionsFrom(options)),
      registry_(RegistryLimitsFrom(options), pool) {}

TrainingService::~TrainingService() { Shutdown(); }

void TrainingService::Shutdown() { registry_.Shutdown(); }

grpc::Status TrainingService::Submit(const v1::JobSpec& proto,
                                     jobs::JobSnapshot* job) {
  auto spec =
      std::make_shared<const training::JobSpec>(JobSpecFromProto(proto));
  // Everything checkable is checked before the job exists, so a bad spec
  // never shows up in listings as a FAILED job.
  if (absl::Status valid = training::ValidateSpec(*spec, limits_, &store_);
      !valid.ok()) {
    return SpecErrorToGrpc(valid);
  }
  jobs::SubmitOptions options;
  options.max_wall_time = absl::Seconds(spec->max_wall_seconds);
  const training::DatasetStore* store = &store_;
  const training::TrainingLimits limits = limits_;
  absl::StatusOr<jobs::JobSnapshot> submitted = registry_.Submit(
      spec->display_name, spec,
      [spec, store, limits](training::ProgressSink& sink) {
        return training::RunJob(*spec, store, sink, limits);
      },
      options);
  if (!submitted.ok()) return ToGrpcStatus(submitted.status());
  *job = *std::move(submitted);
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* TrainingService::CreateJob(
    grpc::CallbackServerContext* context, const v1::CreateJobRequest* request,
    v1::Job* response) {
  jobs::JobSnapshot job;
  grpc::Status status = Submit(request->spec(), &job);
  if (status.ok()) JobToProto(job, response);
  return Answer(context, status);
}

grpc::ServerUnaryReactor* TrainingService::GetJob(
    grpc::CallbackServerContext* context, const v1::GetJobRequest* request,
    v1::Job* response) {
  grpc::Status status;
  if (MissingId(request->job_id(), &status)) return Answer(context, status);
  absl::StatusOr<jobs::JobSnapshot> job = registry_.Get(request->job_id());
  if (!job.ok()) return Answer(context, ToGrpcStatus(job.status()));
  JobToProto(*job, response);
  return Answer(context, grpc::Status::OK);
}

grpc::ServerUnaryReactor* TrainingService::ListJobs(
    grpc::CallbackServerContext* context, const v1::ListJobsRequest* request,
    v1::ListJobsResponse* response) {
  auto filter = JobStateFilterFromProto(request->state());
  if (!filter.ok()) return Answer(context, ToGrpcStatus(filter.status(), "state"));
  absl::StatusOr<jobs::JobPage> page = registry_.List(
      request->page_size(), request->page_token(), *filter);
  if (!page.ok()) {
    return Answer(context, ToGrpcStatus(page.status(), "page_token"));
  }
  for (const jobs::JobSnapshot& job : page->jobs) {
    JobToProto(job, response->add_jobs(), SpecDetail::kWithoutInlineValues);
  }
  response->set_next_page_token(page->next_page_token);
  return Answer(context, grpc::Status::OK);
}

grpc::ServerUnaryReactor* TrainingService::CancelJob(
    grpc::CallbackServerContext* context, const v1::CancelJobRequest* request,
    v1::Job* response) {
  grpc::Status status;
  if (MissingId(request->job_id(), &status)) return Answer(context, status);
  absl::StatusOr<jobs::JobSnapshot> job = registry_.Cancel(request->job_id());
  if (!job.ok()) return Answer(context, ToGrpcStatus(job.status()));
  JobToProto(*job, response);
  return Answer(context, grpc::Status::OK);
}

grpc::ServerUnaryReactor* TrainingService::DeleteJob(
    grpc::CallbackServerContext* context, const v1::DeleteJobRequest* request,
    v1::DeleteJobResponse* /*response*/) {
  grpc::Status status;
  if (MissingId(request->job_id(), &status)) return Answer(context, status);
  return Answer(context, ToGrpcStatus(registry_.Delete(request->job_id())));
}

grpc::ServerWriteReactor<v1::JobEvent>* TrainingService::WatchJob(
    grpc::CallbackServerContext* /*context*/,
    const v1::WatchJobRequest* request) {
  grpc::Status status;
  if (MissingId(request->job_id(), &status)) {
    return new FinishedWriteReactor<v1::JobEvent>(status);
  }
  auto log = registry_.Events(request->job_id());
  if (!log.ok()) {
    return new FinishedWriteReactor<v1::JobEvent>(ToGrpcStatus(log.status()));
  }
  return new JobWatchReactor(*std::move(log), request->job_id(),
                             request->after_sequence(), &watch_pump_thread_);
}

grpc::ServerWriteReactor<v1::JobEvent>* TrainingService::Train(
    grpc::CallbackServerContext* /*context*/, const v1::TrainRequest* request) {
  jobs::JobSnapshot job;
  if (grpc::Status status = Submit(request->spec(), &job); !status.ok()) {
    return new FinishedWriteReactor<v1::JobEvent>(status);
  }
  // The stream only watches: cancelling the call leaves the job running,
  // so a client that loses its connection can re-attach with WatchJob.
  auto log = registry_.Events(job.id);
  if (!log.ok()) {
    return new FinishedWriteReactor<v1::JobEvent>(ToGrpcStatus(log.status()));
  }
  return new JobWatchReactor(*std::move(log), job.id, /*after_sequence=*/0,
                             &watch_pump_thread_);
}

grpc::ServerUnaryReactor* TrainingService::Predict(
    grpc::CallbackServerContext* context, const v1::PredictRequest* request,
    v1::PredictResponse* response) {
  grpc::Status status;
  if (MissingId(request->job_id(), &status)) return Answer(context, status);
  auto model = registry_.Model(request->job_id());
  if (!model.ok()) return Answer(context, ToGrpcStatus(model.status()));
  absl::StatusOr<training::Prediction> prediction =
      training::PredictColumns(**model, ColumnsFromProto(request->inputs()));
  if (!prediction.ok()) {
    return Answer(context, ToGrpcStatus(prediction.status(), "inputs"));
  }
  PredictionToProto(*prediction, response);
  return Answer(context, grpc::Status::OK);
}

grpc::ServerUnaryReactor* TrainingService::GetModel(
    grpc::CallbackServerContext* context, const v1::GetModelRequest* request,
    v1::Model* response) {
  grpc::Status status;
  if (MissingId(request->job_id(), &status)) return Answer(context, status);
  auto model = registry_.Model(request->job_id());
  if (!model.ok()) return Answer(context, ToGrpcStatus(model.status()));
  ModelToProto(**model, request->job_id(), response);
  return Answer(context, grpc::Status::OK);
}

grpc::ServerReadReactor<v1::UploadDatasetRequest>*
TrainingService::UploadDataset(grpc::CallbackServerContext* /*context*/,
                               v1::Dataset* response) {
  return new DatasetUploadReactor(&store_, max_upload_bytes_, response);
}

}  // namespace slope::rpc
