#include "server/rpc/training_convert.h"

#include <cstdint>
#include <type_traits>
#include <utility>
#include <variant>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "server/rpc/status.h"

namespace slope::rpc {
namespace {

namespace v1 = slope::v1;

// The top-level JobSpec fields the core's messages may start with. A
// message that starts with anything else is reported against "spec" as a
// whole rather than guessing a field from its first word.
constexpr absl::string_view kSpecFields[] = {
    "objective",   "model",          "minimize",
    "loss",        "l2",             "huber_delta",
    "optimizer",   "schedule",       "data",
    "epochs",      "batch_size",     "seed",
    "no_shuffle",  "report_every_steps", "report_every_ms",
    "max_wall_seconds", "display_name",
};

bool IsPathChar(char c) {
  return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_' ||
         c == '.' || c == '[' || c == ']' || c == '\'';
}

void StringMapToProto(const std::map<std::string, double>& values,
                      google::protobuf::Map<std::string, double>* proto) {
  for (const auto& [name, value] : values) (*proto)[name] = value;
}

std::map<std::string, double> StringMapFromProto(
    const google::protobuf::Map<std::string, double>& proto) {
  return std::map<std::string, double>(proto.begin(), proto.end());
}

training::ModelSpec ModelFromProto(const v1::ModelSpec& proto) {
  switch (proto.kind_case()) {
    case v1::ModelSpec::kLinear:
      return training::LinearModelSpec{};
    case v1::ModelSpec::kLogistic:
      return training::LogisticModelSpec{};
    case v1::ModelSpec::kSoftmax:
      return training::SoftmaxModelSpec{proto.softmax().classes()};
    case v1::ModelSpec::kMlp: {
      training::MlpModelSpec mlp;
      mlp.layer_sizes.assign(proto.mlp().layer_sizes().begin(),
                             proto.mlp().layer_sizes().end());
      mlp.activation =
          static_cast<training::Activation>(proto.mlp().activation());
      mlp.initialization =
          static_cast<training::Initialization>(proto.mlp().initialization());
      return mlp;
    }
    case v1::ModelSpec::kExpression: {
      const v1::ExpressionModel& e = proto.expression();
      training::ExpressionModelSpec expression;
      expression.expression = e.expression();
      expression.inputs.assign(e.inputs().begin(), e.inputs().end());
      expression.initial_parameters =
          StringMapFromProto(e.initial_parameters());
      expression.default_initial_value = e.default_initial_value();
      return expression;
    }
    case v1::ModelSpec::KIND_NOT_SET:
      break;
  }
  return std::monostate{};
}

training::DataSpec DataFromProto(const v1::DataSpec& proto) {
  training::DataSpec data;
  switch (proto.source_case()) {
    case v1::DataSpec::kInline:
      data.source = training::InlineData{ColumnsFromProto(
          proto.inline_().columns())};
      break;
    case v1::DataSpec::kDatasetId:
      data.source = training::DatasetRef{proto.dataset_id()};
      break;
    case v1::DataSpec::kGenerated: {
      const v1::GeneratedData& g = proto.generated();
      training::GeneratedData generated;
      generated.kind = static_cast<training::GeneratorKind>(g.kind());
      generated.n = g.n();
      generated.noise = g.noise();
      generated.classes = g.classes();
      generated.features = g.features();
      generated.seed = g.seed();
      data.source = generated;
      break;
    }
    case v1::DataSpec::SOURCE_NOT_SET:
      break;
  }
  data.features.assign(proto.features().begin(), proto.features().end());
  data.target = proto.target();
  data.validation_fraction = proto.validation_fraction();
  return data;
}

void ModelToProtoSpec(const training::ModelSpec& model, v1::ModelSpec* proto) {
  std::visit(
      [proto](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, training::LinearModelSpec>) {
          proto->mutable_linear();
        } else if constexpr (std::is_same_v<T, training::LogisticModelSpec>) {
          proto->mutable_logistic();
        } else if constexpr (std::is_same_v<T, training::SoftmaxModelSpec>) {
          proto->mutable_softmax()->set_classes(m.classes);
        } else if constexpr (std::is_same_v<T, training::MlpModelSpec>) {
          v1::MlpModel* mlp = proto->mutable_mlp();
          for (uint32_t size : m.layer_sizes) mlp->add_layer_sizes(size);
          mlp->set_activation(static_cast<v1::Activation>(m.activation));
          mlp->set_initialization(
              static_cast<v1::Initialization>(m.initialization));
        } else if constexpr (std::is_same_v<T,
                                            training::ExpressionModelSpec>) {
          v1::ExpressionModel* e = proto->mutable_expression();
          e->set_expression(m.expression);
          for (const std::string& input : m.inputs) e->add_inputs(input);
          StringMapToProto(m.initial_parameters,
                           e->mutable_initial_parameters());
          e->set_default_initial_value(m.default_initial_value);
        }
      },
      model);
}

void DataToProto(const training::DataSpec& data, v1::DataSpec* proto,
                 SpecDetail detail) {
  std::visit(
      [proto, detail](const auto& source) {
        using T = std::decay_t<decltype(source)>;
        if constexpr (std::is_same_v<T, training::InlineData>) {
          auto* columns = proto->mutable_inline_()->mutable_columns();
          for (const auto& [name, values] : source.columns) {
            v1::Column& column = (*columns)[name];
            if (detail == SpecDetail::kFull) {
              column.mutable_values()->Add(values.begin(), values.end());
            }
          }
        } else if constexpr (std::is_same_v<T, training::DatasetRef>) {
          proto->set_dataset_id(source.id);
        } else if constexpr (std::is_same_v<T, training::GeneratedData>) {
          v1::GeneratedData* g = proto->mutable_generated();
          g->set_kind(static_cast<v1::Generator>(source.kind));
          g->set_n(source.n);
          g->set_noise(source.noise);
          g->set_classes(source.classes);
          g->set_features(source.features);
          g->set_seed(source.seed);
        }
      },
      data.source);
  for (const std::string& feature : data.features) proto->add_features(feature);
  proto->set_target(data.target);
  proto->set_validation_fraction(data.validation_fraction);
}

void JobSpecToProtoImpl(const training::JobSpec& spec, v1::JobSpec* proto,
                        SpecDetail detail) {
  proto->set_display_name(spec.display_name);
  if (const auto* model = std::get_if<training::ModelSpec>(&spec.objective)) {
    ModelToProtoSpec(*model, proto->mutable_model());
  } else if (const auto* minimize =
                 std::get_if<training::MinimizeSpec>(&spec.objective)) {
    v1::MinimizeSpec* m = proto->mutable_minimize();
    m->set_expression(minimize->expression);
    StringMapToProto(minimize->start, m->mutable_start());
    m->set_steps(minimize->steps);
    m->set_tolerance(minimize->tolerance);
  }
  proto->set_loss(static_cast<v1::Loss>(spec.loss));
  proto->set_l2(spec.l2);
  proto->set_huber_delta(spec.huber_delta);
  v1::OptimizerSpec* o = proto->mutable_optimizer();
  o->set_kind(static_cast<v1::Optimizer>(spec.optimizer.kind));
  o->set_learning_rate(spec.optimizer.learning_rate);
  o->set_momentum(spec.optimizer.momentum);
  o->set_beta1(spec.optimizer.beta1);
  o->set_beta2(spec.optimizer.beta2);
  o->set_epsilon(spec.optimizer.epsilon);
  o->set_weight_decay(spec.optimizer.weight_decay);
  o->set_clip_norm(spec.optimizer.clip_norm);
  v1::ScheduleSpec* s = proto->mutable_schedule();
  s->set_kind(static_cast<v1::Schedule>(spec.schedule.kind));
  s->set_warmup_steps(spec.schedule.warmup_steps);
  s->set_step_size(spec.schedule.step_size);
  s->set_gamma(spec.schedule.gamma);
  s->set_min_learning_rate(spec.schedule.min_learning_rate);
  // A minimize job has no data; an empty DataSpec would only be noise.
  if (!std::holds_alternative<training::MinimizeSpec>(spec.objective)) {
    DataToProto(spec.data, proto->mutable_data(), detail);
  }
  proto->set_epochs(spec.epochs);
  proto->set_batch_size(spec.batch_size);
  proto->set_seed(spec.seed);
  proto->set_no_shuffle(spec.no_shuffle);
  proto->set_report_every_steps(spec.report_every_steps);
  proto->set_report_every_ms(spec.report_every_ms);
  proto->set_max_wall_seconds(spec.max_wall_seconds);
}

}  // namespace

training::JobSpec JobSpecFromProto(const v1::JobSpec& proto) {
  training::JobSpec spec;
  spec.display_name = proto.display_name();
  switch (proto.objective_case()) {
    case v1::JobSpec::kModel:
      spec.objective = ModelFromProto(proto.model());
      break;
    case v1::JobSpec::kMinimize: {
      training::MinimizeSpec minimize;
      minimize.expression = proto.minimize().expression();
      minimize.start = StringMapFromProto(proto.minimize().start());
      minimize.steps = proto.minimize().steps();
      minimize.tolerance = proto.minimize().tolerance();
      spec.objective = std::move(minimize);
      break;
    }
    case v1::JobSpec::OBJECTIVE_NOT_SET:
      break;
  }
  spec.loss = static_cast<training::Loss>(proto.loss());
  spec.l2 = proto.l2();
  spec.huber_delta = proto.huber_delta();
  const v1::OptimizerSpec& o = proto.optimizer();
  spec.optimizer.kind = static_cast<training::OptimizerKind>(o.kind());
  spec.optimizer.learning_rate = o.learning_rate();
  spec.optimizer.momentum = o.momentum();
  spec.optimizer.beta1 = o.beta1();
  spec.optimizer.beta2 = o.beta2();
  spec.optimizer.epsilon = o.epsilon();
  spec.optimizer.weight_decay = o.weight_decay();
  spec.optimizer.clip_norm = o.clip_norm();
  const v1::ScheduleSpec& s = proto.schedule();
  spec.schedule.kind = static_cast<training::ScheduleKind>(s.kind());
  spec.schedule.warmup_steps = s.warmup_steps();
  spec.schedule.step_size = s.step_size();
  spec.schedule.gamma = s.gamma();
  spec.schedule.min_learning_rate = s.min_learning_rate();
  spec.data = DataFromProto(proto.data());
  spec.epochs = proto.epochs();
  spec.batch_size = proto.batch_size();
  spec.seed = proto.seed();
  spec.no_shuffle = proto.no_shuffle();
  spec.report_every_steps = proto.report_every_steps();
  spec.report_every_ms = proto.report_every_ms();
  spec.max_wall_seconds = proto.max_wall_seconds();
  return spec;
}

absl::StatusOr<std::optional<jobs::JobState>> JobStateFilterFromProto(
    v1::JobState state) {
  switch (state) {
    case v1::JOB_STATE_UNSPECIFIED:
      return std::optional<jobs::JobState>();
    case v1::JOB_STATE_QUEUED:
      return std::optional<jobs::JobState>(jobs::JobState::kQueued);
    case v1::JOB_STATE_RUNNING:
      return std::optional<jobs::JobState>(jobs::JobState::kRunning);
    case v1::JOB_STATE_SUCCEEDED:
      return std::optional<jobs::JobState>(jobs::JobState::kSucceeded);
    case v1::JOB_STATE_FAILED:
      return std::optional<jobs::JobState>(jobs::JobState::kFailed);
    case v1::JOB_STATE_CANCELLED:
      return std::optional<jobs::JobState>(jobs::JobState::kCancelled);
    default:
      break;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("is not a known job state: ", static_cast<int>(state)));
}

std::map<std::string, std::vector<double>> ColumnsFromProto(
    const google::protobuf::Map<std::string, v1::Column>& columns) {
  std::map<std::string, std::vector<double>> out;
  for (const auto& [name, column] : columns) {
    out[name].assign(column.values().begin(), column.values().end());
  }
  return out;
}

grpc::Status SpecErrorToGrpc(const absl::Status& status) {
  const absl::string_view message = status.message();
  size_t end = 0;
  while (end < message.size() && IsPathChar(message[end])) ++end;
  const absl::string_view path = message.substr(0, end);
  const absl::string_view head = path.substr(0, path.find_first_of(".["));
  bool known = false;
  for (absl::string_view field : kSpecFields) known = known || head == field;
  const bool at_boundary =
      end == message.size() || message[end] == ' ' || message[end] == ':';
  if (!known || !at_boundary) return ToGrpcStatus(status, "spec");

  absl::string_view rest = message.substr(end);
  if (!rest.empty() && rest.front() == ':') rest.remove_prefix(1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  absl::Status trimmed(status.code(), rest.empty() ? "is invalid" : rest);
  status.ForEachPayload(
      [&trimmed](absl::string_view url, const absl::Cord& payload) {
        trimmed.SetPayload(url, payload);
      });
  return ToGrpcStatus(trimmed, absl::StrCat("spec.", path));
}

void TimeToProto(absl::Time time, google::protobuf::Timestamp* proto) {
  if (time == absl::InfinitePast() || time == absl::InfiniteFuture()) return;
  const int64_t micros = absl::ToUnixMicros(time);
  int64_t seconds = micros / 1'000'000;
  int64_t rem = micros % 1'000'000;
  if (rem < 0) {  // Timestamp nanos must be non-negative
    rem += 1'000'000;
    --seconds;
  }
  proto->set_seconds(seconds);
  proto->set_nanos(static_cast<int32_t>(rem * 1000));
}

v1::JobState JobStateToProto(jobs::JobState state) {
  switch (state) {
    case jobs::JobState::kQueued:
      return v1::JOB_STATE_QUEUED;
    case jobs::JobState::kRunning:
      return v1::JOB_STATE_RUNNING;
    case jobs::JobState::kSucceeded:
      return v1::JOB_STATE_SUCCEEDED;
    case jobs::JobState::kFailed:
      return v1::JOB_STATE_FAILED;
    case jobs::JobState::kCancelled:
      return v1::JOB_STATE_CANCELLED;
  }
  return v1::JOB_STATE_UNSPECIFIED;
}

void JobSpecToProto(const training::JobSpec& spec, v1::JobSpec* proto) {
  JobSpecToProtoImpl(spec, proto, SpecDetail::kFull);
}

void ProgressToProto(const training::Progress& progress,
                     v1::Progress* proto) {
  proto->set_epoch(progress.epoch);
  proto->set_total_epochs(progress.total_epochs);
  proto->set_step(progress.step);
  proto->set_total_steps(progress.total_steps);
  proto->set_loss(progress.loss);
  if (progress.validation_loss) {
    proto->set_validation_loss(*progress.validation_loss);
  }
  StringMapToProto(progress.metrics, proto->mutable_metrics());
  proto->set_learning_rate(progress.learning_rate);
  proto->set_samples_per_second(progress.samples_per_second);
  proto->set_elapsed_seconds(progress.elapsed_seconds);
  proto->set_eta_seconds(progress.eta_seconds);
  StringMapToProto(progress.position, proto->mutable_position());
  proto->set_gradient_norm(progress.gradient_norm);
}

void ResultToProto(const training::Result& result, v1::JobResult* proto) {
  proto->set_final_loss(result.final_loss);
  if (result.validation_loss) {
    proto->set_validation_loss(*result.validation_loss);
  }
  StringMapToProto(result.metrics, proto->mutable_metrics());
  proto->set_epochs_completed(result.epochs_completed);
  proto->set_steps_completed(result.steps_completed);
  proto->set_samples_per_second(result.samples_per_second);
  proto->set_wall_seconds(result.wall_seconds);
  StringMapToProto(result.position, proto->mutable_position());
}

void JobToProto(const jobs::JobSnapshot& job, v1::Job* proto,
                SpecDetail detail) {
  proto->set_id(job.id);
  proto->set_display_name(job.display_name);
  proto->set_state(JobStateToProto(job.state));
  if (job.spec != nullptr) {
    JobSpecToProtoImpl(*job.spec, proto->mutable_spec(), detail);
  }
  TimeToProto(job.create_time, proto->mutable_create_time());
  if (job.start_time != absl::InfinitePast()) {
    TimeToProto(job.start_time, proto->mutable_start_time());
  }
  if (job.end_time != absl::InfinitePast()) {
    TimeToProto(job.end_time, proto->mutable_end_time());
  }
  if (job.progress) ProgressToProto(*job.progress, proto->mutable_progress());
  if (job.result) ResultToProto(*job.result, proto->mutable_result());
  proto->set_message(job.message);
  proto->set_last_sequence(job.last_sequence);
}

void JobEventToProto(const jobs::JobEvent& event, const std::string& job_id,
                     uint32_t skipped, v1::JobEvent* proto) {
  proto->Clear();
  proto->set_sequence(event.sequence);
  proto->set_job_id(job_id);
  TimeToProto(event.time, proto->mutable_time());
  proto->set_skipped(skipped);
  std::visit(
      [proto](const auto& kind) {
        using T = std::decay_t<decltype(kind)>;
        if constexpr (std::is_same_v<T, training::Progress>) {
          ProgressToProto(kind, proto->mutable_progress());
        } else if constexpr (std::is_same_v<T, jobs::StateChangeEvent>) {
          v1::StateChange* change = proto->mutable_state_change();
          change->set_state(JobStateToProto(kind.state));
          change->set_message(kind.message);
        } else if constexpr (std::is_same_v<T, jobs::FinishedEvent>) {
          JobToProto(kind.job, proto->mutable_finished());
        }
      },
      event.kind);
}

void ModelToProto(const training::TrainedModel& model,
                  const std::string& job_id, v1::Model* proto) {
  proto->set_job_id(job_id);
  for (const training::NamedTensor& tensor : model.Parameters()) {
    v1::Tensor& out = (*proto->mutable_parameters())[tensor.name];
    out.mutable_shape()->Add(tensor.shape.begin(), tensor.shape.end());
    out.mutable_values()->Add(tensor.values.begin(), tensor.values.end());
  }
  for (const std::string& feature : model.features()) {
    proto->add_features(feature);
  }
  proto->set_target(model.target());
  proto->set_fitted_expression(model.FittedExpression());
}

void PredictionToProto(const training::Prediction& prediction,
                       v1::PredictResponse* proto) {
  const auto rows = prediction.outputs.rows();
  const auto cols = prediction.outputs.cols();
  proto->set_rows(static_cast<uint32_t>(rows));
  proto->set_outputs_per_row(static_cast<uint32_t>(cols));
  proto->mutable_outputs()->Reserve(static_cast<int>(rows * cols));
  for (Eigen::Index i = 0; i < rows; ++i) {
    for (Eigen::Index j = 0; j < cols; ++j) {
      proto->add_outputs(prediction.outputs(i, j));
    }
  }
  proto->mutable_classes()->Add(prediction.classes.begin(),
                                prediction.classes.end());
}

void DatasetInfoToProto(const training::DatasetInfo& info,
                        v1::Dataset* proto) {
  proto->set_id(info.id);
  proto->set_name(info.name);
  proto->set_rows(static_cast<uint32_t>(info.rows));
  for (const std::string& column : info.columns) proto->add_columns(column);
  proto->set_bytes(static_cast<uint32_t>(info.bytes));
}

}  // namespace slope::rpc
