// slope.v1.TrainingService. Until training jobs land every method answers
// UNIMPLEMENTED with a message that says so, never fake data.
#ifndef SLOPE_SERVER_RPC_TRAINING_SERVICE_H_
#define SLOPE_SERVER_RPC_TRAINING_SERVICE_H_

#include "slope/v1/training.grpc.pb.h"

namespace slope::rpc {

class TrainingService final
    : public slope::v1::TrainingService::CallbackService {
 public:
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
};

}  // namespace slope::rpc

#endif  // SLOPE_SERVER_RPC_TRAINING_SERVICE_H_
