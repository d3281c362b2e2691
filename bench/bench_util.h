// Small helpers shared by the C++ benchmark programs: flags, timing with
// median/min/max over repetitions, the points files, reference figures
// written by the Python scripts, and Markdown tables whose every figure is a
// ratio against a reference measured in the same run.
#ifndef SLOPE_BENCH_BENCH_UTIL_H_
#define SLOPE_BENCH_BENCH_UTIL_H_

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"

namespace slope::bench {

// Parses the command line with CLI11, as the `slope` CLI does. Returns the
// exit code when the program should stop here: 0 after --help, 2 after a
// usage error (with CLI11's message), else -1.
inline int ParseFlags(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return -1;
}

// Median, min and max of a set of samples (seconds, or anything else).
struct Stats {
  double median = 0, min = 0, max = 0;
  bool ok() const { return median > 0; }
};

inline Stats Summarize(std::vector<double> samples) {
  Stats s;
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  const size_t n = samples.size();
  s.median = n % 2 ? samples[n / 2]
                   : (samples[n / 2 - 1] + samples[n / 2]) / 2;
  s.min = samples.front();
  s.max = samples.back();
  return s;
}

inline double Now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Runs fn() once to warm up, then `reps` timed times; seconds per run.
template <typename Fn>
Stats Time(int reps, Fn&& fn) {
  fn();
  std::vector<double> samples;
  for (int r = 0; r < reps; ++r) {
    const double t0 = Now();
    fn();
    samples.push_back(Now() - t0);
  }
  return Summarize(samples);
}

// A rate (per second) from a time: median/min/max swap places.
inline Stats Rate(double count, const Stats& seconds) {
  Stats r;
  if (!seconds.ok()) return r;
  r.median = count / seconds.median;
  r.min = count / seconds.max;
  r.max = count / seconds.min;
  return r;
}

// "12.3M", "456k", "7.89".
inline std::string Human(double v) {
  char buf[64];
  const double a = v < 0 ? -v : v;
  if (a >= 1e9) std::snprintf(buf, sizeof buf, "%.3gG", v / 1e9);
  else if (a >= 1e6) std::snprintf(buf, sizeof buf, "%.3gM", v / 1e6);
  else if (a >= 1e4) std::snprintf(buf, sizeof buf, "%.3gk", v / 1e3);
  else std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

inline std::string Fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// "12.3M [11.9M, 12.6M]": median [min, max].
inline std::string Spread(const Stats& s) {
  if (!s.ok()) return "n/a";
  return Human(s.median) + " [" + Human(s.min) + ", " + Human(s.max) + "]";
}

// Seconds as "1.23 ms [1.20, 1.31]".
inline std::string Duration(const Stats& s) {
  if (!s.ok()) return "n/a";
  double scale = 1;
  const char* unit = "s";
  if (s.median < 1e-6) scale = 1e9, unit = "ns";
  else if (s.median < 1e-3) scale = 1e6, unit = "us";
  else if (s.median < 1) scale = 1e3, unit = "ms";
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.3g %s [%.3g, %.3g]", s.median * scale,
                unit, s.min * scale, s.max * scale);
  return buf;
}

// A ratio against a target: "met" when ratio >= target (or <= for
// at_most targets). Ratios are reported, never asserted.
inline std::string Verdict(double ratio, double target, bool at_most = false) {
  if (!(ratio > 0)) return "n/a";
  const bool met = at_most ? ratio <= target : ratio >= target;
  return met ? "met" : "MISSED";
}

inline std::string Target(double target, bool at_most = false) {
  return std::string(at_most ? "<= " : ">= ") + Fmt("%g", target) + "x";
}

// Markdown table printer.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void Row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  bool empty() const { return rows_.empty(); }
  void Print(std::FILE* out = stdout) const {
    auto line = [&](const std::vector<std::string>& cells) {
      std::fputs("|", out);
      for (const auto& c : cells) std::fprintf(out, " %s |", c.c_str());
      std::fputs("\n", out);
    };
    line(header_);
    std::fputs("|", out);
    for (size_t i = 0; i < header_.size(); ++i) std::fputs(" --- |", out);
    std::fputs("\n", out);
    for (const auto& r : rows_) line(r);
    std::fputs("\n", out);
  }

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// Reads a raw little-endian float64 file of n x d values (row-major).
inline bool ReadPoints(const std::string& path, size_t d,
                       std::vector<double>* rows, size_t* n) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return false;
  const auto bytes = static_cast<size_t>(in.tellg());
  if (bytes % (d * sizeof(double)) != 0) return false;
  *n = bytes / (d * sizeof(double));
  rows->resize(*n * d);
  in.seekg(0);
  in.read(reinterpret_cast<char*>(rows->data()),
          static_cast<std::streamsize>(bytes));
  return static_cast<bool>(in);
}

// Figures written by the Python references, one per line:
//   KEY median min max
// e.g. "torch/1/E2/eval_grad 0.41 0.40 0.43"; and
//   KEY v1 v2 ...
// for checksums ("torch/checksum/E2 <value sum> <grad sums...>").
class Figures {
 public:
  void Load(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream ls(line);
      std::string key;
      if (!(ls >> key) || key[0] == '#') continue;
      std::vector<double> v;
      double x;
      while (ls >> x) v.push_back(x);
      values_[key] = v;
    }
  }
  const std::vector<double>* Get(const std::string& key) const {
    auto it = values_.find(key);
    return it == values_.end() ? nullptr : &it->second;
  }
  // Seconds as Stats (median min max).
  Stats GetStats(const std::string& key) const {
    Stats s;
    const auto* v = Get(key);
    if (v && v->size() >= 3) s = {(*v)[0], (*v)[1], (*v)[2]};
    return s;
  }
  bool empty() const { return values_.empty(); }

 private:
  std::map<std::string, std::vector<double>> values_;
};

// A slope-server child process on a free loopback port. Start() runs
// `path` with `flags` (which should include --address=127.0.0.1:0) and reads
// its stderr up to the "listening on ADDRESS" log line; the rest of stderr is
// drained on a thread so that the server never blocks on a full pipe.
// Stop() (and the destructor) sends SIGTERM and waits.
class SlopeServerProcess {
 public:
  SlopeServerProcess() = default;
  SlopeServerProcess(const SlopeServerProcess&) = delete;
  SlopeServerProcess& operator=(const SlopeServerProcess&) = delete;
  ~SlopeServerProcess() { Stop(); }

  bool Start(const std::string& path, const std::vector<std::string>& flags) {
    int fds[2];
    if (pipe(fds) != 0) return false;
    pid_ = fork();
    if (pid_ < 0) return false;
    if (pid_ == 0) {
      dup2(fds[1], 2);
      close(fds[0]);
      close(fds[1]);
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(path.c_str()));
      for (const auto& f : flags) argv.push_back(const_cast<char*>(f.c_str()));
      argv.push_back(nullptr);
      execv(path.c_str(), argv.data());
      std::perror("exec slope-server");
      _exit(127);
    }
    close(fds[1]);
    FILE* err = fdopen(fds[0], "r");
    const char* const marker = "listening on ";
    char line[4096];
    while (std::fgets(line, sizeof line, err)) {
      const char* p = std::strstr(line, marker);
      if (p) {
        p += std::strlen(marker);
        address_.assign(p, p + std::strcspn(p, " \n"));
        break;
      }
      std::fputs(line, stderr);
    }
    drain_ = std::thread([err] {
      char buf[4096];
      while (std::fgets(buf, sizeof buf, err)) {
      }
      std::fclose(err);
    });
    return !address_.empty();
  }
  const std::string& address() const { return address_; }
  pid_t pid() const { return pid_; }
  // Resident set size in kB, from /proc (0 if unknown).
  long RssKb() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    std::string key;
    while (in >> key) {
      if (key == "VmRSS:") {
        long kb = 0;
        in >> kb;
        return kb;
      }
      std::string rest;
      std::getline(in, rest);
    }
    return 0;
  }
  // Stops the server, noting in the report if it did not exit cleanly: a
  // benchmark whose server crashed at the end is worth a second look.
  void StopAndNoteExit() {
    const int status = Stop();
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      std::printf("note: the server exited with status %d on SIGTERM\n\n",
                  status);
    }
  }
  // The wait status of the server (0 before Start).
  int Stop() {
    int status = 0;
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    if (drain_.joinable()) drain_.join();
    return status;
  }

 private:
  pid_t pid_ = -1;
  std::string address_;
  std::thread drain_;
};

}  // namespace slope::bench

#endif  // SLOPE_BENCH_BENCH_UTIL_H_
