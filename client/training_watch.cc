#include "client/training_watch.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <csignal>
#include <cstdio>
#include <deque>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/loss_plot.h"
#include "client/progress_display.h"
#include "client/table.h"
#include "slope/v1/training.grpc.pb.h"

namespace slope::cli {
namespace {

namespace v1 = slope::v1;

std::atomic<int> g_interrupts{0};

extern "C" void OnInterrupt(int) {
  // The first Ctrl-C is answered by the watch loop (cancel or detach); a
  // second one means "just quit", which must work even if the loop is
  // stuck in the prompt. _exit is async-signal-safe.
  if (g_interrupts.fetch_add(1) >= 1) _exit(130);
}

// Events from every stream, in arrival order, for the main thread.
struct Inbox {
  explicit Inbox(size_t streams) : streams(streams) {}
  const size_t streams;
  absl::Mutex mu;
  std::deque<std::pair<size_t, v1::JobEvent>> events ABSL_GUARDED_BY(mu);
  size_t finished_streams ABSL_GUARDED_BY(mu) = 0;
  // Cleared once the first Ctrl-C has been answered.
  bool watch_interrupts ABSL_GUARDED_BY(mu) = true;
};

// Whether the main loop has something to do: events, every stream ended,
// or a Ctrl-C to answer.
bool InboxReady(Inbox* inbox) ABSL_EXCLUSIVE_LOCKS_REQUIRED(inbox->mu) {
  return !inbox->events.empty() || inbox->finished_streams == inbox->streams ||
         (inbox->watch_interrupts &&
          g_interrupts.load(std::memory_order_relaxed) > 0);
}

// One WatchJob stream, read on its own thread (the sync API blocks).
class StreamReader {
 public:
  StreamReader(std::shared_ptr<grpc::Channel> channel, WatchedJob job,
               size_t index, Inbox* inbox)
      : channel_(std::move(channel)), job_(std::move(job)), index_(index),
        inbox_(inbox) {
    thread_ = std::thread([this] { Run(); });
  }
  ~StreamReader() { Join(); }

  void Cancel() { context_.TryCancel(); }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  // Valid after Join.
  const grpc::Status& status() const { return status_; }

 private:
  void Run() {
    v1::WatchJobRequest request;
    request.set_job_id(job_.id);
    request.set_after_sequence(job_.after_sequence);
    // No deadline: a job may train for an hour. --timeout bounds unary
    // calls only.
    auto reader =
        v1::TrainingService::NewStub(channel_)->WatchJob(&context_, request);
    v1::JobEvent event;
    while (reader->Read(&event)) {
      absl::MutexLock lock(&inbox_->mu);
      inbox_->events.emplace_back(index_, event);
    }
    status_ = reader->Finish();
    absl::MutexLock lock(&inbox_->mu);
    ++inbox_->finished_streams;
  }

  std::shared_ptr<grpc::Channel> channel_;
  const WatchedJob job_;
  const size_t index_;
  Inbox* const inbox_;
  grpc::ClientContext context_;
  grpc::Status status_;
  std::thread thread_;
};

// What the client has seen of one job.
struct JobView {
  PlotSeries series;
  std::optional<v1::Job> final_job;
  bool minimize = false;
};

std::string StateName(v1::JobState state) {
  std::string name = v1::JobState_Name(state);
  const std::string prefix = "JOB_STATE_";
  return name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
}

std::string MetricsText(const google::protobuf::Map<std::string, double>& m) {
  std::vector<std::pair<std::string, double>> sorted(m.begin(), m.end());
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::string> parts;
  for (const auto& [name, value] : sorted) {
    parts.push_back(absl::StrFormat("%s %.4f", name, value));
  }
  return absl::StrJoin(parts, "  ");
}

std::string PositionText(const google::protobuf::Map<std::string, double>& p) {
  std::vector<std::pair<std::string, double>> sorted(p.begin(), p.end());
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::string> parts;
  for (const auto& [name, value] : sorted) {
    parts.push_back(absl::StrCat(name, " = ", FormatNumber(value)));
  }
  return absl::StrJoin(parts, ", ");
}

void PrintSummary(const v1::Job& job) {
  const v1::JobResult& r = job.result();
  absl::PrintF("%s %s", job.id(), StateName(job.state()));
  if (job.has_result()) {
    if (job.spec().has_minimize()) {
      absl::PrintF(" in %.2fs: %d steps, %s steps/s\n", r.wall_seconds(),
                   r.steps_completed(), FormatRate(r.samples_per_second()));
      absl::PrintF("  minimum %.6g at %s\n", r.final_loss(),
                   PositionText(r.position()));
    } else {
      absl::PrintF(" in %.2fs: %d epochs, %d steps, %s samples/s\n",
                   r.wall_seconds(), r.epochs_completed(), r.steps_completed(),
                   FormatRate(r.samples_per_second()));
      absl::PrintF("  final loss %.6g", r.final_loss());
      if (r.has_validation_loss()) {
        absl::PrintF("  validation loss %.6g", r.validation_loss());
      }
      if (r.metrics_size() > 0) absl::PrintF("  %s", MetricsText(r.metrics()));
      absl::PrintF("\n");
    }
  } else {
    absl::PrintF("\n");
  }
  if (!job.message().empty()) absl::PrintF("  %s\n", job.message());
}

void PrintSweepSummary(const std::vector<WatchedJob>& jobs,
                       const std::vector<JobView>& views) {
  Table table({"run", "job", "state", "final loss", "metrics", "samples/s",
               "seconds"});
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (!views[i].final_job) continue;
    const v1::Job& job = *views[i].final_job;
    const v1::JobResult& r = job.result();
    table.AddRow({absl::StrCat(std::string(1, PlotMarker(i)), " ", jobs[i].label), job.id(),
                  StateName(job.state()),
                  job.has_result() ? absl::StrFormat("%.6g", r.final_loss())
                                   : "-",
                  MetricsText(r.metrics()), FormatRate(r.samples_per_second()),
                  absl::StrFormat("%.2f", r.wall_seconds())});
  }
  absl::PrintF("%s", table.Render());
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (views[i].final_job && !views[i].final_job->message().empty()) {
      absl::PrintF("%s: %s\n", jobs[i].label, views[i].final_job->message());
    }
  }
}

// Asks what to do about the first Ctrl-C. True: detach.
bool AskDetach() {
  absl::FPrintF(stderr, "\ncancel the job or detach? [C/d] ");
  std::fflush(stderr);
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  const auto first = answer.find_first_not_of(" \t");
  return first != std::string::npos &&
         std::tolower(static_cast<unsigned char>(answer[first])) == 'd';
}

}  // namespace

void InstallInterruptHandler() {
  struct sigaction action = {};
  action.sa_handler = OnInterrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
}

int WatchJobs(CliContext& cli, const std::vector<WatchedJob>& jobs,
              const WatchOptions& options) {
  const bool json = cli.options().json;
  const bool tty = isatty(STDOUT_FILENO) != 0;
  std::vector<std::string> labels;
  for (const WatchedJob& job : jobs) labels.push_back(job.label);
  ProgressDisplay display(labels, stdout, tty);
  std::vector<JobView> views(jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) views[i].series.label = jobs[i].label;

  Inbox inbox(jobs.size());
  std::vector<std::unique_ptr<StreamReader>> readers;
  for (size_t i = 0; i < jobs.size(); ++i) {
    readers.push_back(
        std::make_unique<StreamReader>(cli.channel(), jobs[i], i, &inbox));
  }

  bool interrupted = false;
  for (;;) {
    std::deque<std::pair<size_t, v1::JobEvent>> events;
    bool all_done = false;
    {
      absl::MutexLock lock(&inbox.mu);
      // The signal handler cannot wake the mutex: poll for Ctrl-C.
      inbox.mu.AwaitWithTimeout(absl::Condition(&InboxReady, &inbox),
                                absl::Milliseconds(100));
      events.swap(inbox.events);
      all_done = inbox.finished_streams == jobs.size();
    }
    for (auto& [index, event] : events) {
      if (json) cli.PrintJson(event);
      JobView& view = views[index];
      if (event.has_progress()) {
        const v1::Progress& p = event.progress();
        view.minimize = p.total_epochs() == 0;
        const double x = p.total_epochs() > 0 && p.total_steps() > 0
                             ? static_cast<double>(p.step()) *
                                   p.total_epochs() / p.total_steps()
                             : p.step();
        view.series.points.emplace_back(x, p.loss());
        if (!json) display.Update(index, p);
      } else if (event.has_finished()) {
        view.final_job = event.finished();
        if (!json) display.SetState(index, StateName(event.finished().state()));
      }
    }
    if (all_done && events.empty()) break;

    if (!interrupted && g_interrupts.load() > 0) {
      interrupted = true;
      {
        absl::MutexLock lock(&inbox.mu);
        inbox.watch_interrupts = false;
      }
      if (!json) display.Release();
      const bool detach =
          !options.offer_cancel || (isatty(STDIN_FILENO) && AskDetach());
      auto stub = v1::TrainingService::NewStub(cli.channel());
      for (size_t i = 0; i < jobs.size(); ++i) {
        if (views[i].final_job) continue;
        if (detach) {
          absl::FPrintF(stderr,
                        "detached: %s keeps running; re-attach with: slope "
                        "watch %s\n",
                        jobs[i].id, jobs[i].id);
          continue;
        }
        v1::CancelJobRequest request;
        request.set_job_id(jobs[i].id);
        v1::Job job;
        auto context = cli.NewCallContext();
        grpc::Status status = stub->CancelJob(context.get(), request, &job);
        if (!status.ok()) return cli.ReportError(status);
        absl::FPrintF(stderr, "cancelling %s\n", jobs[i].id);
      }
      if (detach) {
        for (auto& reader : readers) reader->Cancel();
        for (auto& reader : readers) reader->Join();
        return kOk;
      }
    }
  }
  for (auto& reader : readers) reader->Join();
  if (!json) display.Release();

  int code = kOk;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const grpc::Status& status = readers[i]->status();
    if (!status.ok()) {
      code = std::max(code, cli.ReportError(status));
      continue;
    }
    if (!views[i].final_job) {
      code = std::max<int>(code, kServerError);
      absl::FPrintF(stderr, "slope: the stream of %s ended early\n",
                    jobs[i].id);
      continue;
    }
    if (views[i].final_job->state() != v1::JOB_STATE_SUCCEEDED) {
      code = std::max<int>(code, kBadInput);
    }
  }

  if (json) {
    // Scripts read the last line(s) for the outcome: the final jobs.
    for (const JobView& view : views) {
      if (view.final_job) cli.PrintJson(*view.final_job);
    }
    return code;
  }
  if (options.plot) {
    std::vector<PlotSeries> series;
    bool any = false;
    bool minimize = false;
    for (const JobView& view : views) {
      series.push_back(view.series);
      any = any || view.series.points.size() >= 2;
      minimize = minimize || view.minimize;
    }
    PlotOptions plot_options;
    if (minimize) {
      plot_options.x_label = "step";
      plot_options.y_label = "f";
    }
    if (any) absl::PrintF("\n%s\n", RenderPlot(series, plot_options));
  }
  if (jobs.size() == 1) {
    if (views[0].final_job) PrintSummary(*views[0].final_job);
  } else {
    PrintSweepSummary(jobs, views);
  }
  return code;
}

}  // namespace slope::cli
