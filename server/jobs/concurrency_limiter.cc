#include "server/jobs/concurrency_limiter.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace slope::jobs {
namespace {

// How often a waiter polls should_stop; bounds how long a cancelled RPC
// keeps its place in the queue.
constexpr absl::Duration kStopPollInterval = absl::Milliseconds(10);

}  // namespace

ConcurrencyLimiter::Permit::Permit(Permit&& other) noexcept
    : limiter_(std::exchange(other.limiter_, nullptr)) {}

ConcurrencyLimiter::Permit& ConcurrencyLimiter::Permit::operator=(
    Permit&& other) noexcept {
  if (this != &other) {
    if (limiter_ != nullptr) limiter_->Release();
    limiter_ = std::exchange(other.limiter_, nullptr);
  }
  return *this;
}

ConcurrencyLimiter::Permit::~Permit() {
  if (limiter_ != nullptr) limiter_->Release();
}

ConcurrencyLimiter::ConcurrencyLimiter(std::string limit_name,
                                       size_t max_concurrent,
                                       size_t max_waiting)
    : limit_name_(std::move(limit_name)),
      max_concurrent_(std::max<size_t>(max_concurrent, 1)),
      max_waiting_(max_waiting) {}

ConcurrencyLimiter::~ConcurrencyLimiter() = default;

absl::Status ConcurrencyLimiter::Exhausted() const {
  return absl::ResourceExhaustedError(absl::StrFormat(
      "too many requests at once: %s is %d and %d more requests are "
      "already waiting; retry later",
      limit_name_, max_concurrent_, waiters_.size()));
}

absl::StatusOr<ConcurrencyLimiter::Permit> ConcurrencyLimiter::TryAcquire() {
  absl::MutexLock lock(&mu_);
  if (running_ < max_concurrent_ && waiters_.empty()) {
    ++running_;
    return Permit(this);
  }
  return Exhausted();
}

absl::StatusOr<ConcurrencyLimiter::Permit> ConcurrencyLimiter::Acquire(
    absl::Time deadline, const std::function<bool()>& should_stop) {
  absl::MutexLock lock(&mu_);
  if (running_ < max_concurrent_ && waiters_.empty()) {
    ++running_;
    return Permit(this);
  }
  if (waiters_.size() >= max_waiting_) return Exhausted();

  auto me = waiters_.insert(waiters_.end(), Waiter{});
  absl::Status status;
  while (!me->granted) {
    const absl::Time now = absl::Now();
    if (now >= deadline) {
      status = absl::DeadlineExceededError(absl::StrFormat(
          "the deadline passed while waiting for one of the %d slots of %s",
          max_concurrent_, limit_name_));
      break;
    }
    // Check before waiting too, so an already cancelled call leaves at once.
    if (should_stop && should_stop()) {
      status = absl::CancelledError(absl::StrFormat(
          "cancelled while waiting for one of the %d slots of %s",
          max_concurrent_, limit_name_));
      break;
    }
    absl::Duration wait = deadline - now;
    if (should_stop) wait = std::min(wait, kStopPollInterval);
    mu_.AwaitWithTimeout(absl::Condition(&me->granted), wait);
  }
  if (me->granted) {
    // Granted, possibly just as we gave up: the slot is ours either way,
    // and taking it is simpler than handing it on.
    waiters_.erase(me);
    return Permit(this);
  }
  waiters_.erase(me);
  return status;
}

void ConcurrencyLimiter::Release() {
  absl::MutexLock lock(&mu_);
  // Hand the slot to the first waiter not yet granted; running_ stays the
  // same because the slot changes hands.
  for (Waiter& waiter : waiters_) {
    if (!waiter.granted) {
      waiter.granted = true;
      return;
    }
  }
  --running_;
}

size_t ConcurrencyLimiter::running() const {
  absl::MutexLock lock(&mu_);
  return running_;
}

size_t ConcurrencyLimiter::waiting() const {
  absl::MutexLock lock(&mu_);
  size_t count = 0;
  for (const Waiter& waiter : waiters_) count += waiter.granted ? 0 : 1;
  return count;
}

}  // namespace slope::jobs
