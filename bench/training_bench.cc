// training_bench: training jobs through a real slope-server against the same
// jobs in PyTorch (section 4 of BENCHMARKS.md), and what watching a job
// costs it (section 5).
//
//   training_bench --write-data DIR [--quick]
//   training_bench --server PATH --data DIR [--torch FILE] [--reps N]
//                  [--watchers N] [--quick]
//
// The first form writes the benchmark's data sets as CSV (spiral.csv,
// linear.csv, moons.csv, from Slope's own generators) and tasks.json, the
// jobs' definitions, which references/torch_train.py reads so that both
// sides train the same models on the same rows with the same settings.
//
// The second starts PATH with --threads=1 on a loopback port, uploads the
// CSV files with UploadDataset and runs every job with CreateJob, as a user
// of the service would. Figures are the jobs' own final results
// (JobResult.samples_per_second, final_loss, accuracy or r2), which time the
// training loop and the final clean pass over the rows, not the RPCs.
// Training jobs run single-threaded on a runner thread of their own
// (server/jobs/job_registry.h); --threads=1 sizes the compute pool, so the
// server uses one compute thread as PyTorch does.
//
// Section 5 runs job (a) again with 0, 1 and N (--watchers, 100) WatchJob
// clients, each on its own channel (its own HTTP/2 connection) reading the
// stream from sequence 0 to the end, and compares the job's wall time; the
// CPU time the server and this client spend per job shows the watchers'
// cost even when a spare core keeps it out of the wall time. The
// configurations alternate so that drift on a shared machine spreads over
// all of them.
//
// Ratios are printed next to their targets with met/MISSED; nothing is
// asserted.
#include <grpcpp/grpcpp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "Eigen/Core"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/bench_util.h"
#include "server/training/generators.h"
#include "slope/v1/info.grpc.pb.h"
#include "slope/v1/training.grpc.pb.h"

namespace slope::bench {
namespace {

namespace v1 = ::slope::v1;

struct Options {
  std::string write_data;  // the first form: where to write
  std::string server;
  std::string data;
  std::string torch_file;
  int reps = 5;
  int watchers = 100;
  bool quick = false;
};

// One data set of the benchmark, drawn by Slope's generator.
struct DataSetDef {
  std::string name;  // DIR/<name>.csv
  training::GeneratedData generated;
};

std::vector<DataSetDef> DataSets() {
  using training::GeneratorKind;
  // {kind, n, noise, classes, features, seed}
  return {
      {"spiral", {GeneratorKind::kSpiral, 3000, 0.05, 3, 0, 7}},
      {"linear", {GeneratorKind::kLinear, 10000, 0.1, 0, 8, 7}},
      {"moons", {GeneratorKind::kMoons, 10000, 0.1, 0, 0, 7}},
  };
}

enum class ModelKind { kLinear, kLogistic, kMlp };

// One job of section 4, defined once for both sides (see tasks.json).
struct Task {
  std::string name;   // the key of its PyTorch figures
  std::string label;  // as printed in the tables
  std::string data;   // a DataSetDef name
  ModelKind model;
  std::vector<uint32_t> layers;  // inputs ... outputs
  v1::Loss loss;
  double learning_rate;
  uint32_t batch_size;
  uint32_t epochs;  // the full run; --quick runs a tenth
};

// Every job: Adam, batch 64, tanh hidden layers, all rows trained on.
std::vector<Task> Tasks(bool quick) {
  // One job per line reads best as a table.
  // clang-format off
  std::vector<Task> tasks = {
      {"spiral_mlp", "(a) spiral 3 classes, MLP 2-64-64-3 tanh", "spiral",
       ModelKind::kMlp, {2, 64, 64, 3}, v1::LOSS_SOFTMAX_CROSS_ENTROPY, 0.01,
       64, 100},
      {"linear", "(b) linear regression, 8 features", "linear",
       ModelKind::kLinear, {8, 1}, v1::LOSS_MSE, 0.01, 64, 20},
      {"moons_logistic", "(c) moons, logistic", "moons", ModelKind::kLogistic,
       {2, 1}, v1::LOSS_BINARY_CROSS_ENTROPY, 0.01, 64, 20},
      {"moons_mlp", "(d) moons, MLP 2-16-16-1 tanh", "moons", ModelKind::kMlp,
       {2, 16, 16, 1}, v1::LOSS_BINARY_CROSS_ENTROPY, 0.01, 64, 50},
  };
  // clang-format on
  if (quick) {
    for (Task& t : tasks) t.epochs = std::max<uint32_t>(1, t.epochs / 10);
  }
  return tasks;
}

const char* LossKey(v1::Loss loss) {
  switch (loss) {
    case v1::LOSS_SOFTMAX_CROSS_ENTROPY:
      return "softmax_ce";
    case v1::LOSS_BINARY_CROSS_ENTROPY:
      return "bce";
    default:
      return "mse";
  }
}

const char* ModelKey(ModelKind kind) {
  switch (kind) {
    case ModelKind::kLinear:
      return "linear";
    case ModelKind::kLogistic:
      return "logistic";
    case ModelKind::kMlp:
      return "mlp";
  }
  return "mlp";
}

const char* MetricName(v1::Loss loss) {
  return loss == v1::LOSS_MSE ? "r2" : "accuracy";
}

// False after printing why the file could not be written.
bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (out.flush()) return true;
  absl::FPrintF(stderr, "training_bench: cannot write %s\n", path);
  return false;
}

// Writes the CSV files, with every double printed exactly (%.17g) so that
// Slope and PyTorch read bit-identical values, and tasks.json.
int WriteData(const std::string& dir, bool quick) {
  for (const DataSetDef& def : DataSets()) {
    absl::StatusOr<training::Dataset> data =
        training::GenerateDataset(def.generated);
    if (!data.ok()) {
      absl::FPrintF(stderr, "training_bench: %s: %s\n", def.name,
                    data.status().ToString());
      return 1;
    }
    std::string csv = absl::StrJoin(data->column_names(), ",") + "\n";
    const Eigen::MatrixXd& v = data->values();
    for (Eigen::Index i = 0; i < v.rows(); ++i) {
      for (Eigen::Index j = 0; j < v.cols(); ++j) {
        absl::StrAppendFormat(&csv, "%s%.17g", j ? "," : "", v(i, j));
      }
      csv += "\n";
    }
    if (!WriteFile(dir + "/" + def.name + ".csv", csv)) return 1;
  }
  std::vector<std::string> entries;
  for (const Task& t : Tasks(quick)) {
    entries.push_back(absl::StrFormat(
        R"(    {"name": "%s", "data": "%s.csv", "target": "y", "model": "%s", )"
        R"("layers": [%s], "activation": "tanh", "loss": "%s", )"
        R"("optimizer": "adam", "lr": %g, "batch": %d, "epochs": %d})",
        t.name, t.data, ModelKey(t.model), absl::StrJoin(t.layers, ", "),
        LossKey(t.loss), t.learning_rate, t.batch_size, t.epochs));
  }
  const std::string json =
      "{\"tasks\": [\n" + absl::StrJoin(entries, ",\n") + "\n]}\n";
  return WriteFile(dir + "/tasks.json", json) ? 0 : 1;
}

// "message (gRPC code N)" of a failed call.
std::string Describe(const grpc::Status& status) {
  return absl::StrFormat("%s (gRPC code %d)", status.error_message(),
                         static_cast<int>(status.error_code()));
}

absl::Time ToTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

bool Finished(v1::JobState state) {
  return state == v1::JOB_STATE_SUCCEEDED || state == v1::JOB_STATE_FAILED ||
         state == v1::JOB_STATE_CANCELLED;
}

// Uploads a CSV file as the client's `slope train --data FILE` does; the
// stored data set, or one with an empty id after printing why not.
v1::Dataset Upload(v1::TrainingService::Stub& stub, const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    absl::FPrintF(stderr, "training_bench: cannot read %s\n", path);
    return v1::Dataset();
  }
  std::stringstream text;
  text << file.rdbuf();
  const std::string csv = text.str();
  grpc::ClientContext context;
  v1::Dataset dataset;
  auto writer = stub.UploadDataset(&context, &dataset);
  constexpr size_t kChunk = 64 << 10;
  v1::UploadDatasetRequest request;
  request.set_name(path.substr(path.find_last_of('/') + 1));
  for (size_t at = 0; at < csv.size(); at += kChunk) {
    request.set_csv_chunk(csv.substr(at, kChunk));
    if (!writer->Write(request)) break;  // Finish says why
    request.clear_name();
  }
  writer->WritesDone();
  const grpc::Status status = writer->Finish();
  if (!status.ok()) {
    absl::FPrintF(stderr, "training_bench: upload %s: %s\n", path,
                  Describe(status));
    return v1::Dataset();
  }
  return dataset;
}

v1::JobSpec SpecFor(const Task& task, const std::string& dataset_id,
                    uint32_t seed) {
  v1::JobSpec spec;
  spec.set_display_name(task.name);
  v1::ModelSpec* model = spec.mutable_model();
  switch (task.model) {
    case ModelKind::kLinear:
      model->mutable_linear();
      break;
    case ModelKind::kLogistic:
      model->mutable_logistic();
      break;
    case ModelKind::kMlp: {
      v1::MlpModel* mlp = model->mutable_mlp();
      for (uint32_t size : task.layers) mlp->add_layer_sizes(size);
      mlp->set_activation(v1::ACTIVATION_TANH);
      mlp->set_initialization(v1::INITIALIZATION_XAVIER);
      break;
    }
  }
  spec.set_loss(task.loss);
  spec.mutable_optimizer()->set_kind(v1::OPTIMIZER_ADAM);
  spec.mutable_optimizer()->set_learning_rate(task.learning_rate);
  spec.mutable_data()->set_dataset_id(dataset_id);
  spec.mutable_data()->set_target("y");
  spec.set_epochs(task.epochs);
  spec.set_batch_size(task.batch_size);
  spec.set_seed(seed);
  return spec;
}

// One WatchJob client: reads the job's stream from sequence 0 to its end,
// as a client showing the falling loss would. Signals `done` from OnDone,
// after which the library no longer touches it.
class Watcher final : public grpc::ClientReadReactor<v1::JobEvent> {
 public:
  Watcher(v1::TrainingService::Stub& stub, const std::string& job_id,
          absl::BlockingCounter& done)
      : done_(done) {
    request_.set_job_id(job_id);
    request_.set_after_sequence(0);
    stub.async()->WatchJob(&context_, &request_, this);
    StartRead(&event_);
    StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream ended; OnDone follows
    ++events_;
    skipped_ += event_.skipped();
    if (event_.has_finished()) finished_at_ = absl::Now();
    StartRead(&event_);
  }
  void OnDone(const grpc::Status& status) override {
    status_ = status;
    done_.DecrementCount();
  }

  int events() const { return events_; }
  int64_t skipped() const { return skipped_; }
  // When the finished event arrived (InfinitePast if it never did).
  absl::Time finished_at() const { return finished_at_; }
  const grpc::Status& status() const { return status_; }

 private:
  absl::BlockingCounter& done_;
  grpc::ClientContext context_;
  v1::WatchJobRequest request_;
  v1::JobEvent event_;
  int events_ = 0;
  int64_t skipped_ = 0;
  absl::Time finished_at_ = absl::InfinitePast();
  grpc::Status status_;
};

// User + system CPU seconds a process has used so far, from
// /proc/PID/stat (fields 14 and 15, in clock ticks); 0 if unreadable.
double ProcessCpuSeconds(pid_t pid) {
  std::ifstream in(absl::StrFormat("/proc/%d/stat", pid));
  std::string stat((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  // The command name (field 2) is in parentheses and may hold spaces.
  std::istringstream fields(stat.substr(stat.rfind(')') + 1));
  std::string skip;
  for (int field = 3; field < 14; ++field) fields >> skip;
  double utime = 0, stime = 0;
  fields >> utime >> stime;
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double OwnCpuSeconds() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec * 1e-6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// What one job run reports, plus what its watchers saw.
struct Run {
  v1::Job job;
  // CPU time (user + system) the server and this client spent from
  // CreateJob to the last watcher's end: what the watchers cost, whether or
  // not a spare core hides it from the job's wall time.
  double server_cpu = 0;
  double client_cpu = 0;
  int min_events = 0;  // the fewest events any watcher read
  int64_t skipped = 0;
  // From the job's end_time to the last watcher's finished event.
  double last_watcher_lag = 0;
  std::string error;
};

class Bench {
 public:
  Bench(const Options& options, pid_t server_pid,
        std::shared_ptr<grpc::Channel> channel)
      : options_(options),
        server_pid_(server_pid),
        training_(v1::TrainingService::NewStub(channel)) {}

  // Uploads every data set; false after printing why not.
  bool UploadAll() {
    for (const DataSetDef& def : DataSets()) {
      const v1::Dataset dataset =
          Upload(*training_, options_.data + "/" + def.name + ".csv");
      if (dataset.id().empty()) return false;
      datasets_[def.name] = dataset;
    }
    return true;
  }

  // Opens `count` channels, each with a connection of its own (a local
  // subchannel pool keeps gRPC from sharing one), for the watchers.
  bool ConnectWatchers(const std::string& address, int count) {
    for (int i = 0; i < count; ++i) {
      grpc::ChannelArguments args;
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      auto channel = grpc::CreateCustomChannel(
          address, grpc::InsecureChannelCredentials(), args);
      if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                     std::chrono::seconds(10))) {
        return false;
      }
      watcher_stubs_.push_back(v1::TrainingService::NewStub(channel));
    }
    return true;
  }

  // Runs one job to its end with `watchers` WatchJob clients following it.
  Run RunJob(const Task& task, uint32_t seed, int watchers) {
    Run run;
    const double server_cpu0 = ProcessCpuSeconds(server_pid_);
    const double client_cpu0 = OwnCpuSeconds();
    v1::CreateJobRequest create;
    *create.mutable_spec() = SpecFor(task, datasets_[task.data].id(), seed);
    {
      grpc::ClientContext context;
      const grpc::Status s = training_->CreateJob(&context, create, &run.job);
      if (!s.ok()) {
        run.error = "CreateJob: " + Describe(s);
        return run;
      }
    }
    const std::string id = run.job.id();
    absl::BlockingCounter done(watchers);
    std::vector<std::unique_ptr<Watcher>> clients;
    for (int i = 0; i < watchers; ++i) {
      clients.push_back(
          std::make_unique<Watcher>(*watcher_stubs_[i], id, done));
    }
    // Polling GetJob costs the server far less than a stream would, and the
    // same whatever the number of watchers.
    while (!Finished(run.job.state())) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      grpc::ClientContext context;
      v1::GetJobRequest get;
      get.set_job_id(id);
      const grpc::Status s = training_->GetJob(&context, get, &run.job);
      if (!s.ok()) {
        run.error = "GetJob: " + Describe(s);
        break;
      }
    }
    done.Wait();
    run.server_cpu = ProcessCpuSeconds(server_pid_) - server_cpu0;
    run.client_cpu = OwnCpuSeconds() - client_cpu0;
    if (run.error.empty() && run.job.state() != v1::JOB_STATE_SUCCEEDED) {
      run.error = absl::StrFormat("job %s ended %s: %s", id,
                                  v1::JobState_Name(run.job.state()),
                                  run.job.message());
    }
    run.min_events = watchers ? clients[0]->events() : 0;
    absl::Time last = absl::InfinitePast();
    for (const auto& c : clients) {
      if (!c->status().ok() && run.error.empty()) {
        run.error = "WatchJob: " + Describe(c->status());
      }
      run.min_events = std::min(run.min_events, c->events());
      run.skipped += c->skipped();
      last = std::max(last, c->finished_at());
    }
    if (watchers) {
      run.last_watcher_lag =
          absl::ToDoubleSeconds(last - ToTime(run.job.end_time()));
    }
    return run;
  }

  void TrainingSection(const Figures& torch);
  void StreamingSection();

 private:
  const Options& options_;
  const pid_t server_pid_;
  std::unique_ptr<v1::TrainingService::Stub> training_;
  std::map<std::string, v1::Dataset> datasets_;  // by DataSetDef name
  std::vector<std::unique_ptr<v1::TrainingService::Stub>> watcher_stubs_;
};

// A loss or metric as "0.0123 [0.0101, 0.0150]".
std::string Value(const Stats& s) {
  if (!s.ok()) return "n/a";
  return absl::StrFormat("%.4g [%.4g, %.4g]", s.median, s.min, s.max);
}

std::string Ratio(double r) {
  return r > 0 ? absl::StrFormat("%.2fx", r) : "n/a";
}

void Bench::TrainingSection(const Figures& torch) {
  const std::vector<Task> tasks = Tasks(options_.quick);
  std::printf("### Training: Slope jobs against PyTorch, 1 thread\n\n");
  std::printf(
      "Slope: CreateJob on the server above (uploaded CSV, every row "
      "trained on, no validation split), the job's own samples/s and final "
      "loss (a clean pass over the rows after the last epoch), float64. "
      "PyTorch%s: the same rows, model, loss, Adam settings, batch size, "
      "epochs and Xavier-uniform init, eager mode, float32 and float64 "
      "(references/torch_train.py). %d run(s) per job with seeds 1..%d, "
      "median [min, max].\n\n",
      torch.empty() ? " (not available: no --torch figures)" : "",
      options_.reps, options_.reps);

  Table speed({"job", "rows x epochs", "Slope samples/s",
               "PyTorch f32 samples/s", "PyTorch f64 samples/s", "Slope / f32",
               "target", "", "Slope / f64", "target", ""});
  Table quality({"job", "loss", "Slope final loss", "PyTorch f32 loss",
                 "PyTorch f64 loss", "Slope / f32", "target", "", "Slope / f64",
                 "target", "", "metric", "Slope", "PyTorch f32",
                 "PyTorch f64"});
  for (const Task& task : tasks) {
    std::vector<double> rate, loss, metric;
    for (int r = 0; r < options_.reps; ++r) {
      const Run run = RunJob(task, r + 1, 0);
      if (!run.error.empty()) {
        std::printf("%s: %s\n\n", task.label.c_str(), run.error.c_str());
        break;
      }
      const v1::JobResult& result = run.job.result();
      rate.push_back(result.samples_per_second());
      loss.push_back(result.final_loss());
      const auto m = result.metrics().find(MetricName(task.loss));
      if (m != result.metrics().end()) metric.push_back(m->second);
    }
    const Stats slope_rate = Summarize(rate), slope_loss = Summarize(loss),
                slope_metric = Summarize(metric);
    Stats torch_rate[2], torch_loss[2], torch_metric[2];
    double speedup[2] = {0, 0}, loss_ratio[2] = {0, 0};
    const char* dtypes[2] = {"float32", "float64"};
    for (int d = 0; d < 2; ++d) {
      const std::string key = absl::StrCat("torch/", dtypes[d], "/", task.name);
      const auto* epochs = torch.Get(key + "/epochs");
      if (!epochs || epochs->empty() || (*epochs)[0] != task.epochs) {
        if (!torch.empty()) {
          std::printf("%s: no PyTorch figures for %d epochs (%s)\n\n",
                      task.label.c_str(), task.epochs, key.c_str());
        }
        continue;
      }
      torch_rate[d] = torch.GetStats(key + "/samples_per_s");
      torch_loss[d] = torch.GetStats(key + "/loss");
      torch_metric[d] = torch.GetStats(key + "/metric");
      if (slope_rate.ok() && torch_rate[d].ok()) {
        speedup[d] = slope_rate.median / torch_rate[d].median;
      }
      if (slope_loss.ok() && torch_loss[d].ok()) {
        loss_ratio[d] = slope_loss.median / torch_loss[d].median;
      }
    }
    speed.Row(
        {task.label,
         absl::StrFormat("%d x %d", datasets_[task.data].rows(), task.epochs),
         Spread(slope_rate), Spread(torch_rate[0]), Spread(torch_rate[1]),
         Ratio(speedup[0]), Target(3), Verdict(speedup[0], 3),
         Ratio(speedup[1]), Target(3), Verdict(speedup[1], 3)});
    quality.Row({task.label, LossKey(task.loss), Value(slope_loss),
                 Value(torch_loss[0]), Value(torch_loss[1]),
                 Ratio(loss_ratio[0]), Target(1.5, true),
                 Verdict(loss_ratio[0], 1.5, true), Ratio(loss_ratio[1]),
                 Target(1.5, true), Verdict(loss_ratio[1], 1.5, true),
                 MetricName(task.loss), Value(slope_metric),
                 Value(torch_metric[0]), Value(torch_metric[1])});
  }
  std::printf("Samples per second (ratio > 1: Slope is faster):\n\n");
  speed.Print();
  std::printf("Final training loss (ratio < 1: Slope's loss is lower):\n\n");
  quality.Print();
}

void Bench::StreamingSection() {
  const Task job = Tasks(options_.quick)[0];
  const int configs[3] = {0, 1, options_.watchers};
  std::printf("### Streaming cost: job (a) with 0, 1 and %d watchers\n\n",
              options_.watchers);
  std::printf(
      "Job (a), seed 1, %d epochs (a progress event per epoch), through the "
      "same server; each watcher is a WatchJob client on a channel (an "
      "HTTP/2 connection) of its own, reading the stream from sequence 0 to "
      "the job's finished event, started right after CreateJob. The job's "
      "own wall time (JobResult.wall_seconds), %d run(s) per configuration "
      "after one warm-up job, the configurations alternating, median [min, "
      "max].\n\n",
      job.epochs, options_.reps);
  RunJob(job, 1, 0);  // warm-up: caches, allocator pools, connections
  std::vector<double> wall[3], server_cpu[3], client_cpu[3];
  std::vector<Run> last(3);
  for (int r = 0; r < options_.reps; ++r) {
    for (int k = 0; k < 3; ++k) {
      const int c = (r + k) % 3;
      Run run = RunJob(job, 1, configs[c]);
      if (!run.error.empty()) {
        std::printf("%d watchers: %s\n\n", configs[c], run.error.c_str());
        return;
      }
      wall[c].push_back(run.job.result().wall_seconds());
      server_cpu[c].push_back(run.server_cpu);
      client_cpu[c].push_back(run.client_cpu);
      last[c] = std::move(run);
    }
  }
  const Stats base = Summarize(wall[0]);
  Table table({"watchers", "job wall time", "/ 0 watchers", "target", "",
               "server CPU per job", "client CPU per job", "events per watcher",
               "skipped", "last watcher done after the job"});
  for (int c = 0; c < 3; ++c) {
    const Stats s = Summarize(wall[c]);
    const double ratio = c && base.ok() ? s.median / base.median : 0;
    const bool watched = configs[c] > 0;
    table.Row(
        {std::to_string(configs[c]), Duration(s),
         c ? absl::StrFormat("%.3fx", ratio) : "1", c ? Target(1.05, true) : "",
         c ? Verdict(ratio, 1.05, true) : "",
         Duration(Summarize(server_cpu[c])), Duration(Summarize(client_cpu[c])),
         watched ? std::to_string(last[c].min_events) : "",
         watched ? std::to_string(last[c].skipped) : "",
         watched ? absl::StrFormat("%.1f ms", last[c].last_watcher_lag * 1e3)
                 : ""});
  }
  table.Print();
  std::printf(
      "CPU time is user + system from CreateJob until every watcher has "
      "finished (the server's includes the training itself; the client's "
      "is this process, polling GetJob and reading the streams). Events "
      "per watcher, skipped events and the last watcher's delay are those "
      "of each configuration's last run. Target: %d watchers slow the job "
      "by <= 5%%.\n\n",
      options_.watchers);
}

int Main(const Options& opt) {
  SlopeServerProcess server;
  if (!server.Start(opt.server, {"--address=127.0.0.1:0", "--threads=1",
                                 "--shutdown_grace=2s"})) {
    std::fprintf(stderr, "training_bench: could not start %s\n",
                 opt.server.c_str());
    return 2;
  }
  auto channel =
      grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
  v1::ServerInfo info;
  {
    grpc::ClientContext context;
    const grpc::Status s = v1::InfoService::NewStub(channel)->GetServerInfo(
        &context, v1::GetServerInfoRequest(), &info);
    if (!s.ok()) {
      std::fprintf(stderr, "training_bench: GetServerInfo: %s\n",
                   Describe(s).c_str());
      return 2;
    }
  }
  std::printf(
      "Server: %s --threads=1 on %s (GetServerInfo: %d compute "
      "thread%s; each job runs single-threaded on a runner thread).\n\n",
      opt.server.c_str(), server.address().c_str(), info.threads(),
      info.threads() == 1 ? "" : "s");

  Figures torch;
  if (!opt.torch_file.empty()) torch.Load(opt.torch_file);
  Bench bench(opt, server.pid(), channel);
  if (!bench.UploadAll()) return 2;
  bench.TrainingSection(torch);
  if (!bench.ConnectWatchers(server.address(), opt.watchers)) {
    std::fprintf(stderr, "training_bench: could not connect %d watchers\n",
                 opt.watchers);
    return 2;
  }
  bench.StreamingSection();

  server.StopAndNoteExit();
  return 0;
}

}  // namespace
}  // namespace slope::bench

int main(int argc, char** argv) {
  slope::bench::Options opt;
  CLI::App app{"Training jobs through slope-server against PyTorch, and the "
               "cost of watching them (BENCHMARKS.md sections 4-5). Either "
               "--write-data DIR, or --server PATH --data DIR.",
               "training_bench"};
  app.add_option("--write-data", opt.write_data,
                 "write the data sets and tasks.json here, then stop");
  app.add_option("--server", opt.server, "the slope-server binary to start");
  app.add_option("--data", opt.data, "where --write-data wrote");
  app.add_option("--torch", opt.torch_file, "PyTorch's figures");
  app.add_option("--reps", opt.reps, "runs per job");
  app.add_option("--watchers", opt.watchers, "watchers in section 5");
  app.add_flag("--quick", opt.quick, "a smoke run");
  if (int code = slope::bench::ParseFlags(app, argc, argv); code >= 0) {
    return code;
  }
  opt.reps = std::max(1, opt.reps);
  opt.watchers = std::max(1, opt.watchers);
  if (!opt.write_data.empty()) {
    return slope::bench::WriteData(opt.write_data, opt.quick);
  }
  if (opt.server.empty() || opt.data.empty()) {
    std::fputs("training_bench: needs --write-data DIR, or --server PATH "
               "--data DIR (--help)\n", stderr);
    return 2;
  }
  return slope::bench::Main(opt);
}
