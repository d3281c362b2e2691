#include "client/training_commands.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "client/point_args.h"
#include "client/table.h"
#include "client/training_spec.h"
#include "client/training_watch.h"
#include "slope/v1/training.grpc.pb.h"

namespace slope::cli {
namespace {

namespace v1 = slope::v1;

constexpr size_t kUploadChunkBytes = 64 << 10;

int BadInput(const std::string& message) {
  absl::FPrintF(stderr, "slope: %s\n", message);
  return kBadInput;
}

std::string StateName(v1::JobState state) {
  std::string name = v1::JobState_Name(state);
  const std::string prefix = "JOB_STATE_";
  return name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
}

// Uploads a CSV file with UploadDataset, in chunks.
int Upload(CliContext& cli, const std::string& path, v1::Dataset* dataset) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return BadInput(absl::StrFormat(
        "--data: cannot read '%s' (a CSV file, or a generator such as "
        "moons:n=1000,noise=0.1)",
        path));
  }
  std::stringstream buffer;
  buffer << file.rdbuf();
  const std::string text = buffer.str();
  auto context = cli.NewCallContext();
  auto writer = v1::TrainingService::NewStub(cli.channel())
                    ->UploadDataset(context.get(), dataset);
  v1::UploadDatasetRequest request;
  request.set_name(path.substr(path.find_last_of('/') + 1));
  for (size_t at = 0; at < text.size() || at == 0; at += kUploadChunkBytes) {
    request.set_csv_chunk(text.substr(at, kUploadChunkBytes));
    if (!writer->Write(request)) break;  // Finish says why
    request.clear_name();
    if (text.empty()) break;
  }
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!status.ok()) return cli.ReportError(status);
  return kOk;
}

// Queues one job per learning rate and watches them together.
int SubmitAndWatch(CliContext& cli, const TrainArgs& args,
                   const v1::JobSpec& base) {
  auto rates = ParseLearningRates(args.lr);
  if (!rates.ok()) return BadInput(std::string(rates.status().message()));
  const bool sweep = rates->size() > 1;
  auto stub = v1::TrainingService::NewStub(cli.channel());
  std::vector<WatchedJob> watched;
  for (double rate : *rates) {
    v1::JobSpec spec = base;
    spec.mutable_optimizer()->set_learning_rate(rate);
    const std::string label = sweep ? absl::StrFormat("lr=%g", rate) : "";
    if (sweep && spec.display_name().empty()) spec.set_display_name(label);
    v1::CreateJobRequest request;
    *request.mutable_spec() = spec;
    v1::Job job;
    auto context = cli.NewCallContext();
    grpc::Status status = stub->CreateJob(context.get(), request, &job);
    if (!status.ok()) {
      // Do not leave half a sweep running behind an error.
      for (const WatchedJob& started : watched) {
        v1::CancelJobRequest cancel;
        cancel.set_job_id(started.id);
        v1::Job ignored;
        auto cancel_context = cli.NewCallContext();
        stub->CancelJob(cancel_context.get(), cancel, &ignored);
      }
      return cli.ReportError(status);
    }
    if (args.detach) {
      if (cli.options().json) {
        cli.PrintJson(job);
      } else {
        absl::PrintF("%s\n", job.id());
      }
    } else if (!cli.options().json) {
      absl::PrintF("%s%s%s: %s\n", label, sweep ? " " : "", job.id(),
                   DescribeSpec(spec));
    }
    watched.push_back({job.id(), label, 0});
  }
  if (args.detach) return kOk;
  WatchOptions options;
  options.plot = !args.no_plot;
  return WatchJobs(cli, watched, options);
}

int RunTrain(CliContext& cli, const TrainArgs& args) {
  v1::JobSpec spec;
  std::vector<std::string> columns;
  if (args.data.empty()) {
    return BadInput(
        "--data is required: a generator (moons:n=1000,noise=0.1) or a CSV "
        "file");
  }
  if (IsGeneratorSpec(args.data)) {
    auto generated = ParseGenerator(args.data);
    if (!generated.ok()) {
      return BadInput(std::string(generated.status().message()));
    }
    columns = GeneratedFeatureNames(*generated);
    *spec.mutable_data()->mutable_generated() = *generated;
  } else {
    v1::Dataset dataset;
    if (int code = Upload(cli, args.data, &dataset); code != kOk) return code;
    columns.assign(dataset.columns().begin(), dataset.columns().end());
    spec.mutable_data()->set_dataset_id(dataset.id());
    if (!cli.options().json && !args.detach) {
      absl::PrintF("uploaded %s as %s: %d rows, columns %s\n", args.data,
                   dataset.id(), dataset.rows(),
                   absl::StrJoin(dataset.columns(), ", "));
    }
  }
  if (absl::Status s = BuildTrainSpec(args, columns, &spec); !s.ok()) {
    return BadInput(std::string(s.message()));
  }
  return SubmitAndWatch(cli, args, spec);
}

int RunMinimize(CliContext& cli, const TrainArgs& args) {
  v1::JobSpec spec;
  if (absl::Status s = BuildMinimizeSpec(args, &spec); !s.ok()) {
    return BadInput(std::string(s.message()));
  }
  return SubmitAndWatch(cli, args, spec);
}

std::string CreatedText(const google::protobuf::Timestamp& time) {
  if (time.seconds() == 0 && time.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S",
                          absl::FromUnixSeconds(time.seconds()),
                          absl::LocalTimeZone());
}

int RunJobs(CliContext& cli, const std::string& state_name, unsigned limit) {
  v1::ListJobsRequest request;
  if (!state_name.empty()) {
    v1::JobState state;
    std::string upper = absl::StrCat("JOB_STATE_", state_name);
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    if (!v1::JobState_Parse(upper, &state)) {
      return BadInput("--state: one of queued, running, succeeded, failed, "
                      "cancelled");
    }
    request.set_state(state);
  }
  auto stub = v1::TrainingService::NewStub(cli.channel());
  v1::ListJobsResponse all;
  do {
    request.set_page_size(std::min<unsigned>(limit - all.jobs_size(), 500));
    v1::ListJobsResponse page;
    auto context = cli.NewCallContext();
    grpc::Status status = stub->ListJobs(context.get(), request, &page);
    if (!status.ok()) return cli.ReportError(status);
    for (auto& job : *page.mutable_jobs()) *all.add_jobs() = std::move(job);
    request.set_page_token(page.next_page_token());
    all.set_next_page_token(page.next_page_token());
  } while (!request.page_token().empty() &&
           static_cast<unsigned>(all.jobs_size()) < limit);
  if (cli.options().json) {
    cli.PrintJson(all);
    return kOk;
  }
  Table table({"job", "state", "name", "what", "epoch", "loss", "metrics",
               "created"});
  for (const v1::Job& job : all.jobs()) {
    const v1::Progress& p = job.progress();
    const bool done = job.has_result();
    std::vector<std::string> metrics;
    const auto& m = done ? job.result().metrics() : p.metrics();
    for (const auto& [name, value] : m) {
      metrics.push_back(absl::StrFormat("%s %.4f", name, value));
    }
    std::sort(metrics.begin(), metrics.end());
    table.AddRow(
        {job.id(), StateName(job.state()), job.display_name(),
         DescribeSpec(job.spec()),
         job.has_progress() && p.total_epochs() > 0
             ? absl::StrFormat("%d/%d", p.epoch(), p.total_epochs())
             : "-",
         done ? absl::StrFormat("%.5g", job.result().final_loss())
              : (job.has_progress() ? absl::StrFormat("%.5g", p.loss()) : "-"),
         absl::StrJoin(metrics, " "), CreatedText(job.create_time())});
  }
  absl::PrintF("%s", table.Render());
  if (!all.next_page_token().empty()) {
    absl::PrintF("(more jobs: raise --limit)\n");
  }
  return kOk;
}

int RunWatch(CliContext& cli, const std::string& id, unsigned after,
             bool no_plot) {
  if (!cli.options().json) {
    absl::PrintF("watching %s (Ctrl-C detaches; the job keeps running)\n", id);
  }
  WatchOptions options;
  options.plot = !no_plot;
  options.offer_cancel = false;
  return WatchJobs(cli, {{id, "", after}}, options);
}

int RunCancel(CliContext& cli, const std::string& id) {
  auto stub = v1::TrainingService::NewStub(cli.channel());
  v1::CancelJobRequest request;
  request.set_job_id(id);
  v1::Job job;
  {
    auto context = cli.NewCallContext();
    grpc::Status status = stub->CancelJob(context.get(), request, &job);
    if (!status.ok()) return cli.ReportError(status);
  }
  // A running job stops at its next mini-batch; wait briefly so the answer
  // is the final state rather than "still RUNNING".
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while ((job.state() == v1::JOB_STATE_QUEUED ||
          job.state() == v1::JOB_STATE_RUNNING) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    v1::GetJobRequest get;
    get.set_job_id(id);
    auto context = cli.NewCallContext();
    grpc::Status status = stub->GetJob(context.get(), get, &job);
    if (!status.ok()) return cli.ReportError(status);
  }
  if (cli.options().json) {
    cli.PrintJson(job);
  } else {
    absl::PrintF("%s %s%s%s\n", job.id(), StateName(job.state()),
                 job.message().empty() ? "" : ": ", job.message());
  }
  return kOk;
}

int RunDelete(CliContext& cli, const std::string& id) {
  v1::DeleteJobRequest request;
  request.set_job_id(id);
  v1::DeleteJobResponse response;
  auto context = cli.NewCallContext();
  grpc::Status status = v1::TrainingService::NewStub(cli.channel())
                            ->DeleteJob(context.get(), request, &response);
  if (!status.ok()) return cli.ReportError(status);
  if (cli.options().json) {
    cli.PrintJson(response);
  } else {
    absl::PrintF("deleted %s\n", id);
  }
  return kOk;
}

int RunPredict(CliContext& cli, const std::string& id,
               const std::vector<std::string>& rows) {
  if (rows.empty()) {
    return BadInput("--inputs is required: one row per flag, e.g. --inputs "
                    "x1=0.5,x2=-0.2");
  }
  v1::PredictRequest request;
  request.set_job_id(id);
  std::vector<std::map<std::string, double>> parsed;
  for (const std::string& row : rows) {
    auto point = ParsePoint({row});
    if (!point.ok()) {
      return BadInput("--inputs: " + std::string(point.status().message()));
    }
    if (!parsed.empty() && point->size() != parsed[0].size()) {
      return BadInput("--inputs: every row must name the same columns");
    }
    for (const auto& [name, value] : *point) {
      (*request.mutable_inputs())[name].add_values(value);
    }
    parsed.push_back(*std::move(point));
  }
  v1::PredictResponse response;
  auto context = cli.NewCallContext();
  grpc::Status status = v1::TrainingService::NewStub(cli.channel())
                            ->Predict(context.get(), request, &response);
  if (!status.ok()) return cli.ReportError(status);
  if (cli.options().json) {
    cli.PrintJson(response);
    return kOk;
  }
  const bool classifier = response.classes_size() > 0;
  Table table({"inputs", classifier ? "class" : "prediction",
               classifier ? "probabilities" : ""});
  const uint32_t width = std::max<uint32_t>(response.outputs_per_row(), 1);
  for (uint32_t r = 0; r < response.rows() && r < parsed.size(); ++r) {
    std::vector<std::string> assignments;
    for (const auto& [name, value] : parsed[r]) {
      assignments.push_back(absl::StrCat(name, "=", FormatNumber(value)));
    }
    std::vector<std::string> outputs;
    for (uint32_t j = 0; j < width; ++j) {
      outputs.push_back(absl::StrFormat("%.4g", response.outputs(r * width + j)));
    }
    if (classifier) {
      table.AddRow({absl::StrJoin(assignments, ","),
                    absl::StrCat(response.classes(r)),
                    absl::StrJoin(outputs, " ")});
    } else {
      table.AddRow({absl::StrJoin(assignments, ","),
                    absl::StrJoin(outputs, " "), ""});
    }
  }
  absl::PrintF("%s", table.Render());
  return kOk;
}

int RunModel(CliContext& cli, const std::string& id) {
  v1::GetModelRequest request;
  request.set_job_id(id);
  v1::Model model;
  auto context = cli.NewCallContext();
  grpc::Status status = v1::TrainingService::NewStub(cli.channel())
                            ->GetModel(context.get(), request, &model);
  if (!status.ok()) return cli.ReportError(status);
  if (cli.options().json) {
    cli.PrintJson(model);
    return kOk;
  }
  absl::PrintF("%s: %s -> %s\n", model.job_id(),
               absl::StrJoin(model.features(), ", "), model.target());
  if (!model.fitted_expression().empty()) {
    absl::PrintF("fitted: %s\n", model.fitted_expression());
  }
  std::vector<std::string> names;
  for (const auto& [name, tensor] : model.parameters()) names.push_back(name);
  std::sort(names.begin(), names.end());
  constexpr int kShown = 8;
  for (const std::string& name : names) {
    const v1::Tensor& t = model.parameters().at(name);
    std::vector<std::string> values;
    for (int i = 0; i < t.values_size() && i < kShown; ++i) {
      values.push_back(absl::StrFormat("%.6g", t.values(i)));
    }
    if (t.values_size() > kShown) values.push_back("...");
    absl::PrintF("  %-16s [%s]  %s\n", name, absl::StrJoin(t.shape(), "x"),
                 absl::StrJoin(values, " "));
  }
  return kOk;
}

constexpr char kTrainHelp[] = R"(
Examples:
  slope train --model mlp:2-16-16-1 --activation tanh --loss bce \
      --optimizer adam --lr 0.01 --data moons:n=2000,noise=0.1 \
      --epochs 50 --batch-size 64 --seed 1
  slope train --model logistic --data moons:n=1000,noise=0.1
  slope train --model linear --data points.csv --target y
  slope train --model 'expr:a*exp(-b*x)+c' --params a=1,b=1,c=0 --data decay.csv
  slope train --model logistic --data moons --lr 0.001,0.01,0.1   (a sweep)

Shows a live progress line, then the loss curve and the final metrics.
--lr with several rates runs one job per rate side by side and plots
their curves together. --json prints one JSON event per line instead,
ending with the final job. --detach queues the job(s), prints the ids and
returns at once.

Ctrl-C: when stdin is a terminal, asks "cancel the job or detach?"
(detach leaves the job running; `slope watch ID` re-attaches). Without a
terminal (scripts, pipes) Ctrl-C cancels the job. A second Ctrl-C quits
at once and leaves the job running.

Exit status: 0 when every job SUCCEEDED (or you detached), 1 for bad input
or a job that FAILED or was CANCELLED, 2 when the server is unreachable.)";

void AddSpecFlags(CLI::App* cmd, TrainArgs* a) {
  cmd->add_option("--optimizer", a->optimizer,
                  "sgd | momentum | nesterov | adam | adamw (default adam)");
  cmd->add_option("--lr", a->lr,
                  "learning rate (default 0.01); several, comma-separated, "
                  "run side by side");
  cmd->add_option("--momentum", a->momentum, "momentum / nesterov (0.9)");
  cmd->add_option("--weight-decay", a->weight_decay, "adamw decay");
  cmd->add_option("--clip-norm", a->clip_norm, "clip the gradient's norm");
  cmd->add_option("--schedule", a->schedule,
                  "constant | step | exponential | cosine");
  cmd->add_option("--warmup", a->warmup, "warm-up steps");
  cmd->add_option("--step-size", a->step_size, "epochs per step decay");
  cmd->add_option("--gamma", a->gamma, "decay factor");
  cmd->add_option("--seed", a->seed, "seed for init, shuffling and data");
  cmd->add_option("--name", a->name, "display name shown by `slope jobs`");
  cmd->add_option("--report-every", a->report_every,
                  "progress every N steps (default: every epoch)");
  cmd->add_option("--report-ms", a->report_ms,
                  "and at least every this many ms (default 250)");
  cmd->add_option("--max-seconds", a->max_seconds, "wall-time limit");
  cmd->add_flag("--detach", a->detach, "queue, print the job id, return");
  cmd->add_flag("--no-plot", a->no_plot, "skip the loss curve");
}

}  // namespace

void AddTrainingCommands(CLI::App& app, const GlobalOptions& options,
                         int* exit_code) {
  auto args = std::make_shared<TrainArgs>();
  auto run = [&options, exit_code, args](int (*fn)(CliContext&,
                                                   const TrainArgs&)) {
    return [&options, exit_code, args, fn] {
      CliContext cli(options);
      InstallInterruptHandler();
      *exit_code = fn(cli, *args);
    };
  };

  CLI::App* train = app.add_subcommand(
      "train", "Train a model by gradient descent, streaming the loss");
  train->footer(kTrainHelp);
  TrainArgs* a = args.get();
  train->add_option("--model", a->model,
                    "linear | logistic | softmax[:K] | mlp:2-16-16-1 | "
                    "expr:EXPRESSION")
      ->required();
  train->add_option("--activation", a->activation,
                    "mlp hidden layers: tanh | relu | sigmoid | identity");
  train->add_option("--init", a->init, "mlp initialisation: xavier | he");
  train->add_option("--loss", a->loss,
                    "mse | mae | huber | bce | ce (default: the model's own)");
  train->add_option("--data", a->data,
                    "a generator, linear|moons|circles|spiral|xor[:n=1000,"
                    "noise=0.1,classes=3,features=1,seed=7], or a CSV file "
                    "with a header row (uploaded first)")
      ->required();
  train->add_option("--target", a->target, "the column to predict (y)");
  train->add_option("--features", a->features,
                    "input columns, comma-separated (default: all but the "
                    "target)");
  train->add_option("--inputs", a->inputs,
                    "expression models: the variables fed from data columns");
  train->add_option("--params", a->params,
                    "expression models: starting values, a=1,b=1");
  train->add_option("--epochs", a->epochs, "passes over the data (10)");
  train->add_option("--batch-size", a->batch_size, "mini-batch size (32)");
  train->add_option("--validation", a->validation,
                    "fraction held out for validation");
  train->add_option("--l2", a->l2, "L2 penalty on the weights");
  train->add_option("--huber-delta", a->huber_delta, "huber threshold (1)");
  train->add_flag("--no-shuffle", a->no_shuffle, "keep the row order");
  AddSpecFlags(train, a);
  train->callback(run(RunTrain));

  CLI::App* minimize = app.add_subcommand(
      "minimize",
      "Minimise an expression by gradient descent from a start point, "
      "streaming the path; Ctrl-C and exit status as for `slope train`");
  minimize->add_option("expression", a->expression, "e.g. '(x-1)^2 + (y+2)^2'")
      ->required();
  minimize->add_option("--from", a->from, "start point: x=1,y=1 (default 0)");
  minimize->add_option("--steps", a->steps, "optimizer steps (1000)");
  minimize->add_option("--tolerance", a->tolerance,
                       "stop once the gradient norm is below this");
  AddSpecFlags(minimize, a);
  minimize->callback(run(RunMinimize));

  struct JobArgs {
    std::string id;
    std::string state;
    unsigned limit = 50;
    unsigned after = 0;
    bool no_plot = false;
    std::vector<std::string> inputs;
  };
  auto j = std::make_shared<JobArgs>();

  CLI::App* jobs = app.add_subcommand("jobs", "List jobs, newest first");
  jobs->add_option("--state", j->state,
                   "only queued | running | succeeded | failed | cancelled");
  jobs->add_option("--limit", j->limit, "at most this many")
      ->capture_default_str();
  jobs->callback([&options, exit_code, j] {
    CliContext cli(options);
    *exit_code = RunJobs(cli, j->state, std::max(j->limit, 1u));
  });

  CLI::App* watch = app.add_subcommand(
      "watch",
      "Re-attach to a job: replay its retained history, then follow it live "
      "(Ctrl-C detaches, the job keeps running)");
  watch->add_option("id", j->id, "job id")->required();
  watch->add_option("--after", j->after,
                    "replay only events after this sequence number");
  watch->add_flag("--no-plot", j->no_plot, "skip the loss curve");
  watch->callback([&options, exit_code, j] {
    CliContext cli(options);
    InstallInterruptHandler();
    *exit_code = RunWatch(cli, j->id, j->after, j->no_plot);
  });

  CLI::App* cancel = app.add_subcommand(
      "cancel", "Cancel a queued or running job and show its final state");
  cancel->add_option("id", j->id, "job id")->required();
  cancel->callback([&options, exit_code, j] {
    CliContext cli(options);
    *exit_code = RunCancel(cli, j->id);
  });

  CLI::App* remove = app.add_subcommand(
      "delete", "Delete a finished job and its model");
  remove->add_option("id", j->id, "job id")->required();
  remove->callback([&options, exit_code, j] {
    CliContext cli(options);
    *exit_code = RunDelete(cli, j->id);
  });

  CLI::App* predict = app.add_subcommand(
      "predict", "Run a trained model on new inputs");
  predict->add_option("id", j->id, "job id")->required();
  predict->add_option("--inputs", j->inputs,
                      "one row per flag: x1=0.5,x2=-0.2 (repeat for more "
                      "rows)")
      ->required();
  predict->callback([&options, exit_code, j] {
    CliContext cli(options);
    *exit_code = RunPredict(cli, j->id, j->inputs);
  });

  CLI::App* model = app.add_subcommand(
      "model", "Show a trained model's parameters");
  model->add_option("id", j->id, "job id")->required();
  model->callback([&options, exit_code, j] {
    CliContext cli(options);
    *exit_code = RunModel(cli, j->id);
  });
}

}  // namespace slope::cli
