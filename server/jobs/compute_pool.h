// The one server-wide pool of compute threads, shared by every batch
// request (EvaluateBatch, Jacobians, stream chunks).
//
// Design
// ------
// Workers take tasks from a single FIFO queue. ParallelFor does not hand one
// giant slice of its range to each thread; it cuts [0, n) into small chunks
// and lets up to num_threads() "helper" tasks claim chunks one at a time
// from a shared cursor, while the calling thread claims chunks too:
//
//  * Fairness. After each chunk a helper looks at the pool's queue; if other
//    tasks are waiting it puts itself back at the tail of the queue and
//    frees its worker. So while requests compete, workers rotate between
//    them chunk by chunk, and a small request that arrives behind a huge
//    one waits at most about one chunk per worker, not for the huge one to
//    finish. (When nobody waits, the helper keeps going without touching
//    the queue, so a lone request pays no re-queueing cost.)
//  * The caller works. It claims chunks like any helper, so a request
//    always makes progress even if every worker is busy (and a ParallelFor
//    issued from a pool thread cannot deadlock), and a call with n <= grain
//    runs inline with no hand-off at all.
//  * Prompt cancellation. should_stop is checked before every chunk, by
//    every participant. A cancelled call stops within about one chunk's
//    time, so grain must keep a chunk short (tens to hundreds of
//    microseconds); chunks are never larger than max(grain, n / 65536).
//
// We use our own queue rather than Eigen::ThreadPool because Eigen's
// per-thread queues are LIFO for tasks a worker schedules itself (a
// re-queued helper would jump ahead of waiting requests) and run a task
// inline in the scheduler when a queue is full, both of which defeat the
// round-robin above.
//
// Training jobs do not run here: see job_registry.h.
#ifndef SLOPE_SERVER_JOBS_COMPUTE_POOL_H_
#define SLOPE_SERVER_JOBS_COMPUTE_POOL_H_

#include <atomic>
#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace slope::jobs {

class ComputePool {
 public:
  // threads <= 0 means one per hardware core (at least one).
  explicit ComputePool(int threads = 0);
  // Runs every task already scheduled, then joins the workers. Nothing may
  // call Schedule or ParallelFor once destruction has begun.
  ~ComputePool();

  ComputePool(const ComputePool&) = delete;
  ComputePool& operator=(const ComputePool&) = delete;

  int num_threads() const { return static_cast<int>(workers_.size()); }

  // Runs `task` on a worker, after the tasks queued before it. A task holds
  // its worker until it returns, so a task that runs for long takes that
  // worker away from batch requests for as long.
  void Schedule(std::function<void()> task);

  // Calls body(begin, end) for consecutive chunks covering [0, n) exactly
  // once, on the calling thread and on pool workers at once, and returns
  // when every chunk that was started has finished. `grain` is the smallest
  // chunk worth handing out (0 counts as 1).
  //
  // `should_stop` (may be empty) is polled before each chunk, from several
  // threads at once; once it returns true no further chunk starts and the
  // call returns CANCELLED after the running chunks finish. `body` is also
  // called concurrently and must be safe for disjoint ranges.
  absl::Status ParallelFor(size_t n, size_t grain,
                           const std::function<void(size_t, size_t)>& body,
                           const std::function<bool()>& should_stop);

 private:
  struct Loop;

  void WorkerMain();
  // Runs chunks of `loop` on a worker; re-queues itself when others wait.
  void RunHelper(const std::shared_ptr<Loop>& loop);

  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // queue_.size(), readable without the lock: helpers poll it per chunk.
  std::atomic<size_t> queued_{0};
  std::vector<std::thread> workers_;
};

}  // namespace slope::jobs

#endif  // SLOPE_SERVER_JOBS_COMPUTE_POOL_H_
