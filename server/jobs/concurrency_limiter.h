// Caps how many batch requests compute at once (--max_concurrent_batches),
// with a bounded FIFO of requests waiting for a slot.
//
// Why: ParallelFor already shares the pool fairly, but every running batch
// holds its inputs and outputs in memory and its caller's thread; bounding
// them keeps memory and latency predictable. Waiting requests are served
// first come first served, and when the wait queue itself is full a request
// is refused at once (RESOURCE_EXHAUSTED naming the limit) rather than
// piling up behind the others.
#ifndef SLOPE_SERVER_JOBS_CONCURRENCY_LIMITER_H_
#define SLOPE_SERVER_JOBS_CONCURRENCY_LIMITER_H_

#include <cstddef>
#include <functional>
#include <list>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace slope::jobs {

class ConcurrencyLimiter {
 public:
  // A slot, held until the permit is destroyed (or moved from). Must not
  // outlive its limiter.
  class Permit {
   public:
    Permit() = default;
    Permit(Permit&& other) noexcept;
    Permit& operator=(Permit&& other) noexcept;
    ~Permit();

    bool held() const { return limiter_ != nullptr; }

   private:
    friend class ConcurrencyLimiter;
    explicit Permit(ConcurrencyLimiter* limiter) : limiter_(limiter) {}
    ConcurrencyLimiter* limiter_ = nullptr;
  };

  // `limit_name` is the flag the operator sets (e.g.
  // "max_concurrent_batches"), named in RESOURCE_EXHAUSTED messages.
  // max_concurrent is at least 1.
  ConcurrencyLimiter(std::string limit_name, size_t max_concurrent,
                     size_t max_waiting);
  ~ConcurrencyLimiter();

  ConcurrencyLimiter(const ConcurrencyLimiter&) = delete;
  ConcurrencyLimiter& operator=(const ConcurrencyLimiter&) = delete;

  // Takes a slot, waiting in FIFO order for one if all are in use.
  // RESOURCE_EXHAUSTED at once if max_waiting requests already wait;
  // DEADLINE_EXCEEDED when `deadline` passes first; CANCELLED when
  // `should_stop` (may be empty; polled about every 10 ms, e.g. the RPC's
  // IsCancelled) turns true first.
  absl::StatusOr<Permit> Acquire(
      absl::Time deadline = absl::InfiniteFuture(),
      const std::function<bool()>& should_stop = nullptr);

  // Takes a slot only if one is free right now and nobody waits.
  absl::StatusOr<Permit> TryAcquire();

  size_t running() const;
  size_t waiting() const;
  size_t max_concurrent() const { return max_concurrent_; }

 private:
  struct Waiter {
    bool granted = false;
  };

  void Release();
  absl::Status Exhausted() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string limit_name_;
  const size_t max_concurrent_;
  const size_t max_waiting_;

  mutable absl::Mutex mu_;
  size_t running_ ABSL_GUARDED_BY(mu_) = 0;
  // Front is next. A released slot is handed straight to the front waiter
  // (granted = true), so a newcomer can never overtake someone waiting.
  std::list<Waiter> waiters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace slope::jobs

#endif  // SLOPE_SERVER_JOBS_CONCURRENCY_LIMITER_H_
