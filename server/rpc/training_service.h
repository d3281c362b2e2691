// slope.v1.TrainingService: the gRPC face of the job system. Handlers are
// thin: they translate the request (training_convert.h), call the
// JobRegistry or DatasetStore, and translate the answer or the error.
#ifndef SLOPE_SERVER_RPC_TRAINING_SERVICE_H_
#define SLOPE_SERVER_RPC_TRAINING_SERVICE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "server/jobs/compute_pool.h"
#include "server/jobs/job_registry.h"
#include "server/rpc/server_options.h"
#include "server/training/dataset_store.h"
#include "server/training/spec.h"
#include "slope/v1/training.grpc.pb.h"

namespace slope::rpc {

// The core's per-job limits from the server's flags.
training::TrainingLimits TrainingLimitsFrom(const JobLimitsOptions& options);

class TrainingService final
    : public slope::v1::TrainingService::CallbackService {
 public:
  // Owns the job registry and the data set store, so that the server needs
  // one member for all of training. `pool` may be null; see JobRegistry.
  TrainingService(const JobLimitsOptions& options, jobs::ComputePool* pool);
  // Shutdown().
  ~TrainingService() override;

  TrainingService(const TrainingService&) = delete;
  TrainingService& operator=(const TrainingService&) = delete;

  // Refuses new jobs and cancels running ones; every job's event log then
  // ends, so WatchJob and Train streams finish by themselves. Blocks until
  // the jobs have stopped (about 100 ms). Idempotent.
  void Shutdown();

  grpc::ServerUnaryReactor* CreateJob(grpc::CallbackServerContext* context,
                                      const slope::v1::CreateJobRequest*,
                                      slope::v1::Job*) override;
  grpc::ServerUnaryReactor* GetJob(grpc::CallbackServerContext* context,
                                   const slope::v1::GetJobRequest*,
                                   slope::v1::Job*) override;
  grpc::ServerUnaryReactor* ListJobs(grpc::CallbackServerContext* context,
                                     const slope::v1::ListJobsRequest*,
                                     slope::v1::ListJobsResponse*) override;
  grpc::ServerUnaryReactor* CancelJob(grpc::CallbackServerContext* context,
                                      const slope::v1::CancelJobRequest*,
                                      slope::v1::Job*) override;
  grpc::ServerUnaryReactor* DeleteJob(grpc::CallbackServerContext* context,
                                      const slope::v1::DeleteJobRequest*,
                                      slope::v1::DeleteJobResponse*) override;
  grpc::ServerWriteReactor<slope::v1::JobEvent>* WatchJob(
      grpc::CallbackServerContext* context,
      const slope::v1::WatchJobRequest*) override;
  grpc::ServerWriteReactor<slope::v1::JobEvent>* Train(
      grpc::CallbackServerContext* context,
      const slope::v1::TrainRequest*) override;
  grpc::ServerUnaryReactor* Predict(grpc::CallbackServerContext* context,
                                    const slope::v1::PredictRequest*,
                                    slope::v1::PredictResponse*) override;
  grpc::ServerUnaryReactor* GetModel(grpc::CallbackServerContext* context,
                                     const slope::v1::GetModelRequest*,
                                     slope::v1::Model*) override;
  grpc::ServerReadReactor<slope::v1::UploadDatasetRequest>* UploadDataset(
      grpc::CallbackServerContext* context, slope::v1::Dataset*) override;

 private:
  // Validates and queues a job: INVALID_ARGUMENT naming the spec field,
  // RESOURCE_EXHAUSTED for a limit or a full queue.
  grpc::Status Submit(const slope::v1::JobSpec& proto, jobs::JobSnapshot* job);

  const training::TrainingLimits limits_;
  const uint64_t max_upload_bytes_;
  // Runs the WatchJob and Train streams' pumps that a job's event log asks
  // for, so that training threads never start gRPC writes themselves (see
  // training_watch.h). One thread: a pump is a few microseconds. Declared
  // first, so it outlives the registry whose logs post to it, and runs
  // what is still posted before it goes.
  jobs::ComputePool watch_pump_thread_{1};
  // Declared before the registry: queued work refers to the store, so the
  // registry (and its runner threads) must go first.
  training::DatasetStore store_;
  jobs::JobRegistry registry_;
};

}  // namespace slope::rpc

#endif  // SLOPE_SERVER_RPC_TRAINING_SERVICE_H_
