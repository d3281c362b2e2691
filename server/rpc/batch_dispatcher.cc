#include "server/rpc/batch_dispatcher.h"

#include <utility>

namespace slope::rpc {

BatchDispatcher::BatchDispatcher(size_t max_concurrent, size_t max_waiting)
    : limiter_("max_concurrent_batches", max_concurrent, max_waiting) {}

BatchDispatcher::~BatchDispatcher() { WaitIdle(); }

void BatchDispatcher::Dispatch(std::function<void(const absl::Status&)> work,
                               absl::Time deadline,
                               std::function<bool()> cancelled) {
  auto worker = std::make_unique<Worker>();
  Worker* raw = worker.get();
  absl::MutexLock lock(&mu_);
  ReapLocked();
  raw->thread = std::thread([this, raw, work = std::move(work), deadline,
                             cancelled = std::move(cancelled)] {
    {
      auto permit = limiter_.Acquire(deadline, cancelled);
      work(permit.status());
    }  // the slot is released here
    raw->done.store(true, std::memory_order_release);
  });
  workers_.push_back(std::move(worker));
}

void BatchDispatcher::ReapLocked() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if ((*it)->done.load(std::memory_order_acquire)) {
      (*it)->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

void BatchDispatcher::WaitIdle() {
  std::list<std::unique_ptr<Worker>> workers;
  {
    absl::MutexLock lock(&mu_);
    workers.swap(workers_);
  }
  for (auto& worker : workers) worker->thread.join();
}

}  // namespace slope::rpc
