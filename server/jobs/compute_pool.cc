#include "server/jobs/compute_pool.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/str_format.h"

namespace slope::jobs {
namespace {

// Upper bound on the chunks of one call, so that a tiny grain over a huge
// range does not spend more time claiming chunks than computing them.
constexpr size_t kMaxChunks = size_t{1} << 16;

}  // namespace

// The shared state of one ParallelFor call. Helpers still sitting in the
// queue when the call returns keep it alive through a shared_ptr, but they
// only ever dereference `body` and `should_stop` while holding a claim, and
// the caller does not return while a claim is outstanding.
struct ComputePool::Loop {
  Loop(size_t n, size_t chunk, const std::function<void(size_t, size_t)>* body,
       const std::function<bool()>* should_stop)
      : n(n), chunk(chunk), body(body), should_stop(should_stop) {}

  // Claims the next chunk; false once the range is used up or the call is
  // closed or stopped.
  bool Claim(size_t* begin, size_t* end) {
    absl::MutexLock lock(&mu);
    if (closed || stopped || next >= n) return false;
    *begin = next;
    *end = std::min(n, next + chunk);
    next = *end;
    ++active;
    return true;
  }

  // Runs one claimed chunk unless the caller asked to stop.
  void Run(size_t begin, size_t end) {
    const bool stop = *should_stop && (*should_stop)();
    if (!stop) (*body)(begin, end);
    absl::MutexLock lock(&mu);
    if (stop) {
      stopped = true;
    } else {
      done += end - begin;
    }
    --active;
  }

  bool HasMore() {
    absl::MutexLock lock(&mu);
    return !closed && !stopped && next < n;
  }

  // Hands out no more chunks and waits for the running ones.
  void CloseAndWait() {
    absl::MutexLock lock(&mu);
    closed = true;
    mu.Await(absl::Condition(
        +[](size_t* active) { return *active == 0; }, &active));
  }

  const size_t n;
  const size_t chunk;
  const std::function<void(size_t, size_t)>* const body;
  const std::function<bool()>* const should_stop;

  absl::Mutex mu;
  size_t next ABSL_GUARDED_BY(mu) = 0;
  size_t active ABSL_GUARDED_BY(mu) = 0;  // claims not yet finished
  size_t done ABSL_GUARDED_BY(mu) = 0;    // elements computed
  bool closed ABSL_GUARDED_BY(mu) = false;
  bool stopped ABSL_GUARDED_BY(mu) = false;
};

ComputePool::ComputePool(int threads) {
  if (threads <= 0) {
    threads = static_cast<int>(std::thread::hardware_concurrency());
  }
  threads = std::max(threads, 1);
  workers_.reserve(threads);
  for (int i = 0; i < threads; ++i) {
    workers_.emplace_back([this] { WorkerMain(); });
  }
}

ComputePool::~ComputePool() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& worker : workers_) worker.join();
}

void ComputePool::Schedule(std::function<void()> task) {
  absl::MutexLock lock(&mu_);
  queue_.push_back(std::move(task));
  queued_.fetch_add(1, std::memory_order_relaxed);
}

void ComputePool::WorkerMain() {
  while (true) {
    std::function<void()> task;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !queue_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      // Drain before exiting so that no scheduled task is silently dropped.
      if (queue_.empty()) return;
      task = std::move(queue_.front());
      queue_.pop_front();
      queued_.fetch_sub(1, std::memory_order_relaxed);
    }
    task();
  }
}

void ComputePool::RunHelper(const std::shared_ptr<Loop>& loop) {
  size_t begin = 0;
  size_t end = 0;
  while (loop->Claim(&begin, &end)) {
    loop->Run(begin, end);
    if (queued_.load(std::memory_order_relaxed) > 0) {
      // Someone else is waiting for a worker: give this one up and queue
      // behind them, so that competing requests take turns chunk by chunk.
      if (loop->HasMore()) Schedule([this, loop] { RunHelper(loop); });
      return;
    }
  }
}

absl::Status ComputePool::ParallelFor(
    size_t n, size_t grain, const std::function<void(size_t, size_t)>& body,
    const std::function<bool()>& should_stop) {
  if (n == 0) return absl::OkStatus();
  const size_t chunk =
      std::max({grain, size_t{1}, (n + kMaxChunks - 1) / kMaxChunks});
  if (n <= chunk) {
    // One chunk: handing it to another thread would only add latency.
    if (should_stop && should_stop()) {
      return absl::CancelledError("stopped before computing anything");
    }
    body(0, n);
    return absl::OkStatus();
  }

  auto loop = std::make_shared<Loop>(n, chunk, &body, &should_stop);
  const size_t chunks = (n + chunk - 1) / chunk;
  const size_t helpers =
      std::min(static_cast<size_t>(num_threads()), chunks - 1);
  {
    absl::MutexLock lock(&mu_);
    for (size_t i = 0; i < helpers; ++i) {
      queue_.push_back([this, loop] { RunHelper(loop); });
    }
    queued_.fetch_add(helpers, std::memory_order_relaxed);
  }

  size_t begin = 0;
  size_t end = 0;
  while (loop->Claim(&begin, &end)) loop->Run(begin, end);
  loop->CloseAndWait();

  absl::MutexLock lock(&loop->mu);
  if (loop->stopped) {
    return absl::CancelledError(absl::StrFormat(
        "stopped after computing %d of %d items", loop->done, n));
  }
  return absl::OkStatus();
}

}  // namespace slope::jobs
