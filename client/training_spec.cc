#include "client/training_spec.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "client/point_args.h"

namespace slope::cli {
namespace {

namespace v1 = slope::v1;

absl::Status Bad(const std::string& message) {
  return absl::InvalidArgumentError(message);
}

// Looks `word` up in `table`, case-insensitively; an unknown word is an
// error listing the choices.
template <typename Enum>
absl::StatusOr<Enum> Choose(const std::string& flag, const std::string& word,
                            const std::vector<std::pair<std::string, Enum>>&
                                table) {
  const std::string lower = absl::AsciiStrToLower(word);
  std::vector<std::string> names;
  for (const auto& [name, value] : table) {
    if (name == lower) return value;
    names.push_back(name);
  }
  return Bad(absl::StrFormat("%s: unknown value '%s' (choose from %s)", flag,
                             word, absl::StrJoin(names, ", ")));
}

const std::vector<std::pair<std::string, v1::Generator>>& Generators() {
  static const auto* table = new std::vector<std::pair<std::string,
                                                       v1::Generator>>{
      {"linear", v1::GENERATOR_LINEAR}, {"moons", v1::GENERATOR_MOONS},
      {"circles", v1::GENERATOR_CIRCLES}, {"spiral", v1::GENERATOR_SPIRAL},
      {"xor", v1::GENERATOR_XOR}};
  return *table;
}

absl::Status ParseModel(const TrainArgs& args,
                        const std::vector<std::string>& data_columns,
                        v1::ModelSpec* model) {
  const std::string& text = args.model;
  const size_t colon = text.find(':');
  const std::string kind = absl::AsciiStrToLower(text.substr(0, colon));
  const std::string rest =
      colon == std::string::npos ? "" : text.substr(colon + 1);
  if (kind == "linear") {
    model->mutable_linear();
  } else if (kind == "logistic") {
    model->mutable_logistic();
  } else if (kind == "softmax") {
    uint32_t classes = 0;
    if (!rest.empty() && !absl::SimpleAtoi(rest, &classes)) {
      return Bad("--model softmax:K needs a number of classes, got '" + rest +
                 "'");
    }
    model->mutable_softmax()->set_classes(classes);
  } else if (kind == "mlp") {
    v1::MlpModel* mlp = model->mutable_mlp();
    for (absl::string_view piece : absl::StrSplit(rest, absl::ByAnyChar("-,x"))) {
      uint32_t size = 0;
      if (!absl::SimpleAtoi(piece, &size)) {
        return Bad("--model mlp:SIZES takes layer widths like mlp:2-16-16-1, "
                   "got '" + text + "'");
      }
      mlp->add_layer_sizes(size);
    }
    if (!args.activation.empty()) {
      auto activation = Choose<v1::Activation>(
          "--activation", args.activation,
          {{"tanh", v1::ACTIVATION_TANH},
           {"relu", v1::ACTIVATION_RELU},
           {"sigmoid", v1::ACTIVATION_SIGMOID},
           {"identity", v1::ACTIVATION_IDENTITY}});
      if (!activation.ok()) return activation.status();
      mlp->set_activation(*activation);
    }
    if (!args.init.empty()) {
      auto init = Choose<v1::Initialization>(
          "--init", args.init,
          {{"xavier", v1::INITIALIZATION_XAVIER},
           {"he", v1::INITIALIZATION_HE}});
      if (!init.ok()) return init.status();
      mlp->set_initialization(*init);
    }
  } else if (kind == "expr" || kind == "expression") {
    v1::ExpressionModel* e = model->mutable_expression();
    if (rest.empty()) {
      return Bad("--model expr:EXPRESSION needs an expression, e.g. "
                 "'expr:a*exp(-b*x)+c'");
    }
    e->set_expression(rest);
    std::vector<std::string> inputs = ParseNameList(args.inputs);
    if (inputs.empty()) inputs = ParseNameList(args.features);
    if (inputs.empty()) {
      const std::string target = args.target.empty() ? "y" : args.target;
      for (const std::string& column : data_columns) {
        if (column != target) inputs.push_back(column);
      }
    }
    for (const std::string& input : inputs) e->add_inputs(input);
    if (!args.params.empty()) {
      auto params = ParsePoint({args.params});
      if (!params.ok()) {
        return Bad("--params: " + std::string(params.status().message()));
      }
      for (const auto& [name, value] : *params) {
        (*e->mutable_initial_parameters())[name] = value;
      }
    }
  } else {
    return Bad("--model: unknown model '" + text +
               "' (linear, logistic, softmax[:K], mlp:2-16-1, expr:EXPR)");
  }
  if (kind != "mlp" && (!args.activation.empty() || !args.init.empty())) {
    return Bad("--activation and --init apply to --model mlp:... only");
  }
  return absl::OkStatus();
}

absl::Status FillOptimizer(const TrainArgs& args, v1::JobSpec* spec) {
  v1::OptimizerSpec* o = spec->mutable_optimizer();
  if (!args.optimizer.empty()) {
    auto kind = Choose<v1::Optimizer>(
        "--optimizer", args.optimizer,
        {{"sgd", v1::OPTIMIZER_SGD},
         {"momentum", v1::OPTIMIZER_MOMENTUM},
         {"nesterov", v1::OPTIMIZER_NESTEROV},
         {"adam", v1::OPTIMIZER_ADAM},
         {"adamw", v1::OPTIMIZER_ADAMW}});
    if (!kind.ok()) return kind.status();
    o->set_kind(*kind);
  }
  o->set_momentum(args.momentum);
  o->set_weight_decay(args.weight_decay);
  o->set_clip_norm(args.clip_norm);
  v1::ScheduleSpec* s = spec->mutable_schedule();
  if (!args.schedule.empty()) {
    auto kind = Choose<v1::Schedule>(
        "--schedule", args.schedule,
        {{"constant", v1::SCHEDULE_CONSTANT},
         {"step", v1::SCHEDULE_STEP},
         {"exponential", v1::SCHEDULE_EXPONENTIAL},
         {"cosine", v1::SCHEDULE_COSINE}});
    if (!kind.ok()) return kind.status();
    s->set_kind(*kind);
  }
  s->set_warmup_steps(args.warmup);
  s->set_step_size(args.step_size);
  s->set_gamma(args.gamma);
  spec->set_report_every_steps(args.report_every);
  spec->set_report_every_ms(args.report_ms);
  spec->set_max_wall_seconds(args.max_seconds);
  spec->set_seed(args.seed);
  spec->set_display_name(args.name);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<double>> ParseLearningRates(const std::string& text) {
  std::vector<double> rates;
  for (absl::string_view piece :
       absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    double rate = 0;
    if (!absl::SimpleAtod(absl::StripAsciiWhitespace(piece), &rate)) {
      return Bad(absl::StrCat("--lr: '", piece, "' is not a number"));
    }
    rates.push_back(rate);
  }
  if (rates.empty()) rates.push_back(0);
  return rates;
}

bool IsGeneratorSpec(const std::string& data) {
  const std::string kind =
      absl::AsciiStrToLower(data.substr(0, data.find(':')));
  for (const auto& [name, value] : Generators()) {
    if (name == kind) return true;
  }
  return false;
}

absl::StatusOr<v1::GeneratedData> ParseGenerator(const std::string& data) {
  const size_t colon = data.find(':');
  auto kind = Choose<v1::Generator>("--data", data.substr(0, colon),
                                    Generators());
  if (!kind.ok()) return kind.status();
  v1::GeneratedData generated;
  generated.set_kind(*kind);
  if (colon == std::string::npos) return generated;
  auto values = ParsePoint({data.substr(colon + 1)});
  if (!values.ok()) {
    return Bad("--data: " + std::string(values.status().message()));
  }
  for (const auto& [key, value] : *values) {
    const bool whole = value >= 0 && value == static_cast<uint32_t>(value);
    if (key == "noise") {
      generated.set_noise(value);
    } else if (key == "n" || key == "classes" || key == "features" ||
               key == "seed") {
      if (!whole) {
        return Bad(absl::StrFormat("--data: %s must be a whole number", key));
      }
      const auto v = static_cast<uint32_t>(value);
      if (key == "n") generated.set_n(v);
      if (key == "classes") generated.set_classes(v);
      if (key == "features") generated.set_features(v);
      if (key == "seed") generated.set_seed(v);
    } else {
      return Bad("--data: unknown key '" + key +
                 "' (n, noise, classes, features, seed)");
    }
  }
  return generated;
}

std::vector<std::string> GeneratedFeatureNames(
    const v1::GeneratedData& generated) {
  const uint32_t count = generated.kind() == v1::GENERATOR_LINEAR
                             ? std::max<uint32_t>(generated.features(), 1)
                             : 2;
  std::vector<std::string> names;
  for (uint32_t i = 1; i <= count; ++i) names.push_back(absl::StrCat("x", i));
  names.push_back("y");
  return names;
}

absl::Status BuildTrainSpec(const TrainArgs& args,
                            const std::vector<std::string>& data_columns,
                            v1::JobSpec* spec) {
  if (args.model.empty()) return Bad("--model is required");
  if (absl::Status s = ParseModel(args, data_columns, spec->mutable_model());
      !s.ok()) {
    return s;
  }
  if (!args.loss.empty()) {
    auto loss = Choose<v1::Loss>(
        "--loss", args.loss,
        {{"mse", v1::LOSS_MSE},
         {"mae", v1::LOSS_MAE},
         {"huber", v1::LOSS_HUBER},
         {"bce", v1::LOSS_BINARY_CROSS_ENTROPY},
         {"ce", v1::LOSS_SOFTMAX_CROSS_ENTROPY},
         {"softmax-ce", v1::LOSS_SOFTMAX_CROSS_ENTROPY}});
    if (!loss.ok()) return loss.status();
    spec->set_loss(*loss);
  }
  spec->set_l2(args.l2);
  spec->set_huber_delta(args.huber_delta);
  if (absl::Status s = FillOptimizer(args, spec); !s.ok()) return s;
  v1::DataSpec* data = spec->mutable_data();
  for (const std::string& f : ParseNameList(args.features)) {
    data->add_features(f);
  }
  data->set_target(args.target);
  data->set_validation_fraction(args.validation);
  spec->set_epochs(args.epochs);
  spec->set_batch_size(args.batch_size);
  spec->set_no_shuffle(args.no_shuffle);
  return absl::OkStatus();
}

absl::Status BuildMinimizeSpec(const TrainArgs& args, v1::JobSpec* spec) {
  v1::MinimizeSpec* m = spec->mutable_minimize();
  m->set_expression(args.expression);
  if (!args.from.empty()) {
    auto start = ParsePoint({args.from});
    if (!start.ok()) {
      return Bad("--from: " + std::string(start.status().message()));
    }
    for (const auto& [name, value] : *start) (*m->mutable_start())[name] = value;
  }
  m->set_steps(args.steps);
  m->set_tolerance(args.tolerance);
  return FillOptimizer(args, spec);
}

std::string DescribeSpec(const v1::JobSpec& spec) {
  std::string what;
  if (spec.has_minimize()) {
    what = absl::StrCat("minimize ", spec.minimize().expression());
  } else {
    const v1::ModelSpec& m = spec.model();
    switch (m.kind_case()) {
      case v1::ModelSpec::kLinear:
        what = "linear";
        break;
      case v1::ModelSpec::kLogistic:
        what = "logistic";
        break;
      case v1::ModelSpec::kSoftmax:
        what = "softmax";
        break;
      case v1::ModelSpec::kMlp:
        what = absl::StrCat("mlp ", absl::StrJoin(m.mlp().layer_sizes(), "-"));
        break;
      case v1::ModelSpec::kExpression:
        what = absl::StrCat("expr ", m.expression().expression());
        break;
      default:
        what = "?";
    }
    const v1::DataSpec& d = spec.data();
    if (d.has_generated()) {
      std::string kind = v1::Generator_Name(d.generated().kind());
      absl::string_view short_kind(kind);
      absl::ConsumePrefix(&short_kind, "GENERATOR_");
      absl::StrAppend(&what, " on ", absl::AsciiStrToLower(short_kind));
    } else if (!d.dataset_id().empty()) {
      absl::StrAppend(&what, " on ", d.dataset_id());
    }
  }
  std::string optimizer = v1::Optimizer_Name(spec.optimizer().kind());
  absl::string_view short_optimizer(optimizer);
  absl::ConsumePrefix(&short_optimizer, "OPTIMIZER_");
  if (short_optimizer == "UNSPECIFIED") short_optimizer = "ADAM";
  absl::StrAppendFormat(&what, ", %s lr %g",
                        absl::AsciiStrToLower(short_optimizer),
                        spec.optimizer().learning_rate() == 0
                            ? 0.01
                            : spec.optimizer().learning_rate());
  return what;
}

}  // namespace slope::cli
