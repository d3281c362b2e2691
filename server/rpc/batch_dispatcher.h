// Runs large batch computations off gRPC's threads.
//
// gRPC's callback threads are few and shared by every call: a handler that
// computed a million points on one would stall small calls queued behind
// it. Large batches therefore run on a thread of their own, which waits for
// one of max_concurrent_batches slots (FIFO, a bounded number may wait;
// beyond that RESOURCE_EXHAUSTED) and then drives a ParallelFor on the
// compute pool, working alongside the pool's workers. Small batches never
// come here: they run inline on the calling thread, with no hand-off.
#ifndef SLOPE_SERVER_RPC_BATCH_DISPATCHER_H_
#define SLOPE_SERVER_RPC_BATCH_DISPATCHER_H_

#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/jobs/concurrency_limiter.h"

namespace slope::rpc {

class BatchDispatcher {
 public:
  BatchDispatcher(size_t max_concurrent, size_t max_waiting);
  // Waits for every dispatched batch to finish.
  ~BatchDispatcher();

  BatchDispatcher(const BatchDispatcher&) = delete;
  BatchDispatcher& operator=(const BatchDispatcher&) = delete;

  // Calls work(status) on a new thread once a slot is held (status OK), or
  // with the reason no slot was had: RESOURCE_EXHAUSTED naming
  // max_concurrent_batches, DEADLINE_EXCEEDED at `deadline`, CANCELLED when
  // `cancelled` turns true. `work` must finish the call either way.
  void Dispatch(std::function<void(const absl::Status&)> work,
                absl::Time deadline, std::function<bool()> cancelled);

  // Blocks until every dispatched batch has finished.
  void WaitIdle();

 private:
  struct Worker {
    std::thread thread;
    std::atomic<bool> done{false};
  };
  // Joins the workers that have finished; keeps the list short.
  void ReapLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  jobs::ConcurrencyLimiter limiter_;
  absl::Mutex mu_;
  std::list<std::unique_ptr<Worker>> workers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace slope::rpc

#endif  // SLOPE_SERVER_RPC_BATCH_DISPATCHER_H_
