// rpc_bench: the RPC path against the gRPC floor on the same server in the
// same run, with the gRPC callback API over loopback and one connection.
//
//   rpc_bench --server PATH [--seconds S] [--soak S] [--quick]
//
// Starts PATH (build/server/slope-server) on 127.0.0.1 port 0 itself,
// reads the "listening on ADDRESS" line from its stderr, and measures:
//  * one-point Gradient (E2 at a fresh point per call) and the empty RPC
//    grpc.health.v1.Health/Check at concurrency 1, 16 and 64 (closed loop:
//    each of C slots issues its next call when the previous one returns):
//    p50, p99, QPS, and Gradient's ratios against Check;
//  * EvaluateBatch value+gradient throughput for 1k, 100k and 1M points per
//    call;
//  * the server's RSS idle, after the benchmarks, and over a soak of mixed
//    load (--soak seconds) as growth.
// A method that answers UNIMPLEMENTED is reported as "not available yet"
// with the server's message; the floor is measured regardless. The server
// is stopped with SIGTERM. Ratios are reported, never asserted.

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "bench/bench_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "slope/v1/calculus.grpc.pb.h"

namespace slope::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string server = "build/server/slope-server";
  double seconds = 5;  // per load level
  double soak = 60;
  bool quick = false;
};

struct LoadResult {
  std::vector<double> latencies;  // seconds
  double seconds = 0;
  long calls = 0;
  long errors = 0;
  grpc::Status first_error;
  double Qps() const { return seconds > 0 ? calls / seconds : 0; }
  double Percentile(double q) const {
    if (latencies.empty()) return 0;
    std::vector<double> v = latencies;
    const size_t k = std::min(v.size() - 1, static_cast<size_t>(q * v.size()));
    std::nth_element(v.begin(), v.begin() + k, v.end());
    return v[k];
  }
};

// Closed-loop load with `concurrency` slots. issue(slot, done) must start
// one call and invoke done(status) when it completes (from any thread).
class ClosedLoop {
 public:
  using Issue = std::function<void(int, std::function<void(grpc::Status)>)>;
  LoadResult Run(int concurrency, double warmup, double seconds,
                 const Issue& issue) {
    issue_ = issue;
    start_ = Clock::now();
    measure_from_ = start_ + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(warmup));
    stop_at_ = measure_from_ + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(seconds));
    active_ = concurrency;
    for (int s = 0; s < concurrency; ++s) Next(s);
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return active_ == 0; });
    result_.seconds = seconds;
    return std::move(result_);
  }

 private:
  void Next(int slot) {
    const auto t0 = Clock::now();
    issue_(slot, [this, slot, t0](grpc::Status status) {
      const auto t1 = Clock::now();
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (t0 >= measure_from_ && t1 <= stop_at_) {
          if (status.ok()) {
            result_.latencies.push_back(
                std::chrono::duration<double>(t1 - t0).count());
            ++result_.calls;
          } else {
            if (result_.errors++ == 0) result_.first_error = status;
          }
        }
        if (t1 >= stop_at_ || (!status.ok() && result_.errors > 100)) {
          if (--active_ == 0) cv_.notify_all();
          return;
        }
      }
      Next(slot);
    });
  }

  Issue issue_;
  Clock::time_point start_, measure_from_, stop_at_;
  std::mutex mu_;
  std::condition_variable cv_;
  int active_ = 0;
  LoadResult result_;
};

std::string Micros(double s) { return Fmt("%.0f us", s * 1e6); }

int Main(const Options& opt) {
  const int max_points = 1000000;
  SlopeServerProcess server;
  if (!server.Start(opt.server,
                    {"--address=127.0.0.1:0", "--max_message_bytes=134217728",
                     "--max_points_per_request=" + std::to_string(max_points),
                     "--max_elements_per_message=8000000",
                     "--shutdown_grace=2s"})) {
    std::fprintf(stderr, "rpc_bench: could not start %s\n", opt.server.c_str());
    return 2;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const long rss_idle = server.RssKb();

  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  auto channel = grpc::CreateCustomChannel(
      server.address(), grpc::InsecureChannelCredentials(), args);
  auto health = grpc::health::v1::Health::NewStub(channel);
  auto calculus = slope::v1::CalculusService::NewStub(channel);

  std::printf("## RPC: one-point Gradient against the empty RPC\n\n");
  std::printf("Server: %s on %s, client: gRPC callback API, one channel "
              "(one HTTP/2 connection) over loopback, closed loop, %.0f s "
              "per level after a warm-up.\n\n",
              opt.server.c_str(), server.address().c_str(), opt.seconds);

  // Per-slot request state lives as long as the call.
  struct HealthCall {
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
  };
  struct GradCall {
    grpc::ClientContext ctx;
    slope::v1::GradientRequest req;
    slope::v1::GradientResponse resp;
  };
  std::atomic<uint64_t> counter{0};
  auto issue_health = [&](int, std::function<void(grpc::Status)> done) {
    auto* c = new HealthCall;
    health->async()->Check(&c->ctx, &c->req, &c->resp,
                           [c, done](grpc::Status s) {
                             delete c;
                             done(s);
                           });
  };
  const std::string e2 = "sin(x)*exp(y) + log(1 + x^2)";
  auto issue_grad = [&](int, std::function<void(grpc::Status)> done) {
    auto* c = new GradCall;
    const uint64_t k = counter++;
    c->req.set_expression(e2);
    (*c->req.mutable_point())["x"] = -2 + 4 * ((k * 7919) % 1000) / 1000.0;
    (*c->req.mutable_point())["y"] = -2 + 4 * ((k * 104729) % 1000) / 1000.0;
    calculus->async()->Gradient(&c->ctx, &c->req, &c->resp,
                                [c, done](grpc::Status s) {
                                  delete c;
                                  done(s);
                                });
  };

  // Probe Gradient once.
  grpc::Status probe;
  {
    std::mutex m;
    std::condition_variable cv;
    bool finished = false;
    issue_grad(0, [&](grpc::Status s) {
      std::lock_guard<std::mutex> l(m);
      probe = s;
      finished = true;
      cv.notify_all();
    });
    std::unique_lock<std::mutex> l(m);
    cv.wait(l, [&] { return finished; });
  }
  const bool have_gradient = probe.ok();
  if (!have_gradient) {
    std::printf("Gradient: not available yet: %s: %s\n\n",
                probe.error_code() == grpc::StatusCode::UNIMPLEMENTED
                    ? "UNIMPLEMENTED"
                    : ("status " + std::to_string(probe.error_code())).c_str(),
                probe.error_message().c_str());
  }

  Table lat({"concurrency", "Check p50", "Check p99", "Check QPS",
             "Gradient p50", "Gradient p99", "Gradient QPS",
             "p50 Gradient / Check", "target", "", "QPS Gradient / Check",
             "target", ""});
  const double warmup = opt.quick ? 0.2 : 1.0;
  for (int c : {1, 16, 64}) {
    ClosedLoop floor_loop;
    LoadResult fl = floor_loop.Run(c, warmup, opt.seconds, issue_health);
    LoadResult gr;
    if (have_gradient) {
      ClosedLoop grad_loop;
      gr = grad_loop.Run(c, warmup, opt.seconds, issue_grad);
    }
    const double p50r = have_gradient && fl.calls
                            ? gr.Percentile(0.5) / fl.Percentile(0.5) : 0;
    const double qpsr = have_gradient && fl.calls ? gr.Qps() / fl.Qps() : 0;
    auto na = [&](const std::string& s) { return have_gradient ? s : "n/a"; };
    lat.Row({std::to_string(c), Micros(fl.Percentile(0.5)),
             Micros(fl.Percentile(0.99)), Human(fl.Qps()),
             na(Micros(gr.Percentile(0.5))), na(Micros(gr.Percentile(0.99))),
             na(Human(gr.Qps())), p50r > 0 ? Fmt("%.2fx", p50r) : "n/a",
             Target(1.2, true), Verdict(p50r, 1.2, true),
             qpsr > 0 ? Fmt("%.2fx", qpsr) : "n/a", Target(0.8),
             Verdict(qpsr, 0.8)});
    if (fl.errors) {
      std::printf("Check: %ld errors, first: %s\n", fl.errors,
                  fl.first_error.error_message().c_str());
    }
    if (gr.errors) {
      std::printf("Gradient at concurrency %d: %ld errors, first: %s\n", c,
                  gr.errors, gr.first_error.error_message().c_str());
    }
  }
  lat.Print();

  // EvaluateBatch throughput.
  std::printf("## RPC: EvaluateBatch throughput (E2, value + gradient)\n\n");
  Table batch({"points per call", "time per call", "points/s",
               "request MB/s"});
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> U(-2, 2);
  bool batch_available = true;
  const int reps = opt.quick ? 3 : 7;
  for (int n : {1000, 100000, 1000000}) {
    if (!batch_available) break;
    slope::v1::EvaluateBatchRequest req;
    req.set_expression(e2);
    req.add_variables("x");
    req.add_variables("y");
    req.set_gradient(true);
    req.mutable_points()->Reserve(2 * n);
    for (int i = 0; i < 2 * n; ++i) req.add_points(U(rng));
    const int calls = n <= 1000 ? 200 : n <= 100000 ? 5 : 1;
    std::string error;
    const Stats t = Time(reps, [&] {
      for (int k = 0; k < calls && error.empty(); ++k) {
        grpc::ClientContext ctx;
        slope::v1::EvaluateBatchResponse resp;
        grpc::Status s = calculus->EvaluateBatch(&ctx, req, &resp);
        if (!s.ok()) {
          error = (s.error_code() == grpc::StatusCode::UNIMPLEMENTED
                       ? std::string("UNIMPLEMENTED: ")
                       : "status " + std::to_string(s.error_code()) + ": ") +
                  s.error_message();
        } else if (resp.count() != static_cast<uint32_t>(n)) {
          error = "wrong count " + std::to_string(resp.count());
        }
      }
    });
    if (!error.empty()) {
      std::printf("EvaluateBatch: not available yet: %s\n\n", error.c_str());
      batch_available = false;
      break;
    }
    Stats per = t;
    per.median /= calls, per.min /= calls, per.max /= calls;
    const Stats rate = Rate(n, per);
    batch.Row({std::to_string(n), Duration(per), Spread(rate),
               Fmt("%.0f", rate.median * 16 / 1e6)});
  }
  if (!batch.empty()) batch.Print();
  const long rss_after = server.RssKb();

  // Soak: mixed load (Check, Gradient, small and medium EvaluateBatch) at
  // concurrency 16, RSS sampled every second.
  std::printf("## Memory: server RSS\n\n");
  std::vector<std::pair<double, long>> samples;
  {
    slope::v1::EvaluateBatchRequest small;
    small.set_expression(e2);
    small.add_variables("x");
    small.add_variables("y");
    small.set_gradient(true);
    for (int i = 0; i < 2 * 2000; ++i) small.add_points(U(rng));
    struct BatchCall {
      grpc::ClientContext ctx;
      slope::v1::EvaluateBatchResponse resp;
    };
    auto issue_mixed = [&](int slot, std::function<void(grpc::Status)> done) {
      const uint64_t k = counter++;
      if (slot % 4 == 0 || (!have_gradient && !batch_available)) {
        issue_health(slot, done);
      } else if (slot % 4 == 1 && batch_available) {
        auto* c = new BatchCall;
        calculus->async()->EvaluateBatch(&c->ctx, &small, &c->resp,
                                         [c, done](grpc::Status s) {
                                           delete c;
                                           done(s);
                                         });
      } else if (have_gradient) {
        issue_grad(slot, done);
      } else {
        issue_health(slot, done);
      }
      (void)k;
    };
    std::atomic<bool> stop{false};
    std::thread sampler([&] {
      const auto t0 = Clock::now();
      while (!stop) {
        samples.push_back(
            {std::chrono::duration<double>(Clock::now() - t0).count(),
             server.RssKb()});
        for (int i = 0; i < 10 && !stop; ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
      }
    });
    ClosedLoop soak;
    LoadResult r = soak.Run(16, 0, opt.soak, issue_mixed);
    stop = true;
    sampler.join();
    std::printf("Soak: %.0f s of mixed load (Check%s%s) at concurrency 16: "
                "%ld calls, %ld errors.\n\n",
                opt.soak, have_gradient ? ", one-point Gradient" : "",
                batch_available ? ", 2000-point EvaluateBatch" : "", r.calls,
                r.errors);
  }
  // Growth: the mean of the last fifth of the soak against the mean of its
  // second fifth (the first fifth is warm-up: allocator pools fill).
  double growth = 0;
  long first = 0, last = 0;
  if (samples.size() >= 5) {
    const size_t k = samples.size() / 5;
    double a = 0, b = 0;
    for (size_t i = k; i < 2 * k; ++i) a += samples[i].second;
    for (size_t i = samples.size() - k; i < samples.size(); ++i)
      b += samples[i].second;
    first = static_cast<long>(a / k);
    last = static_cast<long>(b / k);
    growth = first > 0 ? (b - a) / a : 0;
  }
  Table mem({"measure", "RSS", "target", ""});
  mem.Row({"idle (0.5 s after start)", Fmt("%.1f MB", rss_idle / 1024.0),
           "<= 20 MB", rss_idle / 1024.0 <= 20 ? "met" : "MISSED"});
  mem.Row({"after the RPC benchmarks", Fmt("%.1f MB", rss_after / 1024.0),
           "", ""});
  mem.Row({"soak: 2nd fifth mean -> last fifth mean",
           Fmt("%.1f", first / 1024.0) + " -> " + Fmt("%.1f MB", last / 1024.0),
           "", ""});
  mem.Row({"soak growth", Fmt("%+.1f%%", growth * 100), "<= 5%",
           samples.size() >= 5 ? (growth <= 0.05 ? "met" : "MISSED") : "n/a"});
  mem.Print();

  server.StopAndNoteExit();
  return 0;
}

}  // namespace
}  // namespace slope::bench

int main(int argc, char** argv) {
  slope::bench::Options opt;
  CLI::App app{"One-point Gradient against an empty RPC, EvaluateBatch "
               "throughput and server memory (BENCHMARKS.md sections 3 and 6)",
               "rpc_bench"};
  app.add_option("--server", opt.server, "the slope-server binary to start")
      ->required();
  app.add_option("--seconds", opt.seconds, "seconds per measurement");
  app.add_option("--soak", opt.soak, "seconds of mixed load for the soak");
  app.add_flag("--quick", opt.quick, "a smoke run");
  if (int code = slope::bench::ParseFlags(app, argc, argv); code >= 0) {
    return code;
  }
  if (opt.quick) {
    opt.seconds = std::min(opt.seconds, 1.0);
    opt.soak = std::min(opt.soak, 20.0);
  }
  return slope::bench::Main(opt);
}
