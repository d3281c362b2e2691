// Translation between slope.v1 training messages and the gRPC-free core
// (server/training, server/jobs). Kept apart from the service so that the
// handlers stay thin and the mapping can be tested on its own.
#ifndef SLOPE_SERVER_RPC_TRAINING_CONVERT_H_
#define SLOPE_SERVER_RPC_TRAINING_CONVERT_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "grpcpp/support/status.h"
#include "server/jobs/event_log.h"
#include "server/jobs/job_snapshot.h"
#include "server/training/dataset_store.h"
#include "server/training/model.h"
#include "server/training/progress.h"
#include "server/training/spec.h"
#include "slope/v1/training.pb.h"

namespace slope::rpc {

// ---- Requests -> core ----------------------------------------------------

// A straight field-by-field copy. Nothing is checked here: enum values the
// core does not know are passed through and rejected by ValidateSpec, which
// names the field, so there is one place that decides what is valid.
training::JobSpec JobSpecFromProto(const slope::v1::JobSpec& proto);

// UNSPECIFIED -> nullopt (no filter); an unknown value is INVALID_ARGUMENT.
absl::StatusOr<std::optional<jobs::JobState>> JobStateFilterFromProto(
    slope::v1::JobState state);

std::map<std::string, std::vector<double>> ColumnsFromProto(
    const google::protobuf::Map<std::string, slope::v1::Column>& columns);

// A ValidateSpec (or other spec) error as the client sees it: the core's
// messages start with the field path ("optimizer.learning_rate must be >
// 0"), which becomes "spec.optimizer.learning_rate" both in the message and
// in the BadRequest field violation.
grpc::Status SpecErrorToGrpc(const absl::Status& status);

// ---- Core -> responses ---------------------------------------------------

// InfinitePast (the job's "not yet") leaves the timestamp unset.
void TimeToProto(absl::Time time, google::protobuf::Timestamp* proto);

slope::v1::JobState JobStateToProto(jobs::JobState state);

void JobSpecToProto(const training::JobSpec& spec, slope::v1::JobSpec* proto);
void ProgressToProto(const training::Progress& progress,
                     slope::v1::Progress* proto);
void ResultToProto(const training::Result& result,
                   slope::v1::JobResult* proto);

// How much of the spec a Job message carries.
enum class SpecDetail {
  kFull,
  // Inline data columns keep their names but lose their values: a listing
  // of 50 jobs must not resend 50 data sets (GetJob has them).
  kWithoutInlineValues,
};

void JobToProto(const jobs::JobSnapshot& job, slope::v1::Job* proto,
                SpecDetail detail = SpecDetail::kFull);

// `skipped` is the count of progress events this watcher missed just before
// this event (0 when none).
void JobEventToProto(const jobs::JobEvent& event, const std::string& job_id,
                     uint32_t skipped, slope::v1::JobEvent* proto);

void ModelToProto(const training::TrainedModel& model,
                  const std::string& job_id, slope::v1::Model* proto);
void PredictionToProto(const training::Prediction& prediction,
                       slope::v1::PredictResponse* proto);
void DatasetInfoToProto(const training::DatasetInfo& info,
                        slope::v1::Dataset* proto);

}  // namespace slope::rpc

#endif  // SLOPE_SERVER_RPC_TRAINING_CONVERT_H_
