// What `slope train` and `slope minimize` users type, turned into a
// slope.v1.JobSpec: "--model mlp:2-16-16-1", "--data moons:n=2000,noise=0.1",
// "--loss bce", ... Parsing only; the server validates the result.
#ifndef SLOPE_CLIENT_TRAINING_SPEC_H_
#define SLOPE_CLIENT_TRAINING_SPEC_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "slope/v1/training.pb.h"

namespace slope::cli {

// The flags of `slope train` and `slope minimize` (each uses some).
struct TrainArgs {
  std::string model;       // linear | logistic | softmax[:K] | mlp:2-16-1 |
                           // expr:EXPR
  std::string activation;  // tanh | relu | sigmoid | identity
  std::string init;        // xavier | he
  std::string loss;        // mse | mae | huber | bce | ce
  std::string optimizer;   // sgd | momentum | nesterov | adam | adamw
  std::string lr;          // one rate, or a comma-separated sweep
  std::string schedule;    // constant | step | exponential | cosine
  std::string data;        // generator:key=value,... or a CSV file
  std::string target;
  std::string features;  // comma-separated
  std::string inputs;    // expression models: the variables fed from data
  std::string params;    // expression models: a=1,b=1
  std::string name;
  double momentum = 0;
  double weight_decay = 0;
  double clip_norm = 0;
  double l2 = 0;
  double huber_delta = 0;
  double validation = 0;
  double gamma = 0;
  unsigned warmup = 0;
  unsigned step_size = 0;
  unsigned epochs = 0;
  unsigned batch_size = 0;
  unsigned seed = 0;
  unsigned report_every = 0;
  unsigned report_ms = 0;
  unsigned max_seconds = 0;
  bool no_shuffle = false;

  // minimize
  std::string expression;
  std::string from;
  unsigned steps = 0;
  double tolerance = 0;

  // What the command does with the job.
  bool detach = false;
  bool no_plot = false;
};

// "0.001,0.01,0.1" -> {0.001, 0.01, 0.1}; "" -> {0} (the server's default).
absl::StatusOr<std::vector<double>> ParseLearningRates(const std::string& text);

// True when --data names a server-side generator rather than a CSV file.
bool IsGeneratorSpec(const std::string& data);

// "moons:n=2000,noise=0.1" -> GeneratedData. Keys: n, noise, classes,
// features, seed.
absl::StatusOr<slope::v1::GeneratedData> ParseGenerator(const std::string& data);

// The column names a generator produces (x1..xN, y), so that an expression
// model's inputs can default to them.
std::vector<std::string> GeneratedFeatureNames(
    const slope::v1::GeneratedData& generated);

// Fills everything but the data source and the learning rate (which the
// command sets per job). `data_columns` are the columns of the data, when
// known, used to default an expression model's inputs. Errors name the flag.
absl::Status BuildTrainSpec(const TrainArgs& args,
                            const std::vector<std::string>& data_columns,
                            slope::v1::JobSpec* spec);

// The spec of `slope minimize EXPR --from x=1,y=1`, without learning rate.
absl::Status BuildMinimizeSpec(const TrainArgs& args, slope::v1::JobSpec* spec);

// "mlp 2-16-16-1 tanh, adam lr 0.01" for headers and listings.
std::string DescribeSpec(const slope::v1::JobSpec& spec);

}  // namespace slope::cli

#endif  // SLOPE_CLIENT_TRAINING_SPEC_H_
