#include "server/jobs/event_log.h"

#include <algorithm>
#include <atomic>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace slope::jobs {
namespace {

using EventPtr = std::shared_ptr<const JobEvent>;

bool IsPinned(const JobEvent& event) {
  return !std::holds_alternative<training::Progress>(event.kind);
}

// The first event of `events` with sequence > after.
std::deque<EventPtr>::const_iterator FirstAfter(
    const std::deque<EventPtr>& events, uint32_t after) {
  return std::upper_bound(
      events.begin(), events.end(), after,
      [](uint32_t seq, const EventPtr& event) { return seq < event->sequence; });
}

}  // namespace

// The per-subscriber lock is held while the callback runs, which is what
// lets Reset wait out a callback in flight. The log never takes it while
// holding its own lock (a callback may well call Read), so pruning reads
// the atomic flag instead.
struct EventLog::Subscription::Subscriber {
  explicit Subscriber(std::function<void()> fn)
      : on_new_events(std::move(fn)) {}

  absl::Mutex mu;
  std::atomic<bool> unsubscribed{false};  // written under mu
  const std::function<void()> on_new_events;

  bool Notify() {
    absl::MutexLock lock(&mu);
    if (unsubscribed.load(std::memory_order_relaxed)) return false;
    on_new_events();
    return true;
  }
};

EventLog::Subscription& EventLog::Subscription::operator=(
    Subscription&& other) noexcept {
  if (this != &other) {
    Reset();
    subscriber_ = std::move(other.subscriber_);
  }
  return *this;
}

EventLog::Subscription::~Subscription() { Reset(); }

void EventLog::Subscription::Reset() {
  if (subscriber_ == nullptr) return;
  {
    absl::MutexLock lock(&subscriber_->mu);
    subscriber_->unsubscribed.store(true, std::memory_order_relaxed);
  }
  // The log drops its reference lazily (see PruneSubscribers), so a
  // subscription needs no pointer back to the log and may outlive it.
  subscriber_.reset();
}

EventLog::EventLog(size_t max_events)
    : max_events_(std::max<size_t>(max_events, 1)),
      subscribers_(std::make_shared<const SubscriberList>()) {}

EventLog::~EventLog() = default;

uint32_t EventLog::Append(
    std::variant<training::Progress, StateChangeEvent, FinishedEvent> kind) {
  auto event = std::make_shared<JobEvent>();
  event->time = absl::Now();
  event->kind = std::move(kind);
  const bool finished = std::holds_alternative<FinishedEvent>(event->kind);

  std::shared_ptr<const SubscriberList> subscribers;
  uint32_t sequence = 0;
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return 0;
    sequence = event->sequence = ++last_sequence_;
    if (IsPinned(*event)) {
      pinned_.push_back(std::move(event));
    } else {
      progress_.push_back(std::move(event));
    }
    while (pinned_.size() + progress_.size() > max_events_ &&
           !progress_.empty()) {
      evicted_through_ = progress_.front()->sequence;
      progress_.pop_front();
    }
    if (finished) closed_ = true;
    subscribers = subscribers_;
  }

  bool saw_unsubscribed = false;
  for (const auto& subscriber : *subscribers) {
    if (!subscriber->Notify()) saw_unsubscribed = true;
  }
  if (saw_unsubscribed) PruneSubscribers();
  return sequence;
}

absl::StatusOr<EventBatch> EventLog::Read(uint32_t after_sequence,
                                          size_t max_events,
                                          Cursor cursor) const {
  EventBatch batch;
  // Shared: many watchers read after each event, and they must not queue
  // behind each other, nor keep the training thread's Append waiting long.
  absl::ReaderMutexLock lock(&mu_);
  if (after_sequence > last_sequence_) {
    return absl::OutOfRangeError(absl::StrFormat(
        "after_sequence %d is newer than the newest event, %d",
        after_sequence, last_sequence_));
  }
  if (cursor == Cursor::kFailIfEvicted && after_sequence != 0 &&
      after_sequence < evicted_through_) {
    return absl::OutOfRangeError(absl::StrFormat(
        "after_sequence %d is older than the retained history; the oldest "
        "retained event is %d",
        after_sequence, evicted_through_ + 1));
  }

  if (max_events == 0) max_events = pinned_.size() + progress_.size();
  auto pinned = FirstAfter(pinned_, after_sequence);
  auto progress = FirstAfter(progress_, after_sequence);
  while (batch.events.size() < max_events &&
         (pinned != pinned_.end() || progress != progress_.end())) {
    const bool take_pinned =
        progress == progress_.end() ||
        (pinned != pinned_.end() &&
         (*pinned)->sequence < (*progress)->sequence);
    batch.events.push_back(take_pinned ? *pinned++ : *progress++);
  }

  // Every sequence in (after, reached] was either returned or dropped.
  const uint32_t reached = (pinned == pinned_.end() &&
                            progress == progress_.end())
                               ? last_sequence_
                               : batch.events.back()->sequence;
  batch.skipped = reached - after_sequence -
                  static_cast<uint32_t>(batch.events.size());
  batch.last_sequence = last_sequence_;
  batch.end_of_log = closed_ && reached == last_sequence_;
  return batch;
}

EventLog::Subscription EventLog::Subscribe(
    std::function<void()> on_new_events) const {
  auto subscriber =
      std::make_shared<Subscription::Subscriber>(std::move(on_new_events));
  absl::MutexLock lock(&mu_);
  auto list = std::make_shared<SubscriberList>();
  list->reserve(subscribers_->size() + 1);
  for (const auto& existing : *subscribers_) {
    if (!existing->unsubscribed.load(std::memory_order_relaxed)) {
      list->push_back(existing);
    }
  }
  list->push_back(subscriber);
  subscribers_ = std::move(list);
  return Subscription(std::move(subscriber));
}

void EventLog::PruneSubscribers() const {
  absl::MutexLock lock(&mu_);
  auto list = std::make_shared<SubscriberList>();
  for (const auto& existing : *subscribers_) {
    if (!existing->unsubscribed.load(std::memory_order_relaxed)) {
      list->push_back(existing);
    }
  }
  subscribers_ = std::move(list);
}

uint32_t EventLog::last_sequence() const {
  absl::MutexLock lock(&mu_);
  return last_sequence_;
}

uint32_t EventLog::oldest_retained() const {
  absl::MutexLock lock(&mu_);
  return evicted_through_ + 1;
}

bool EventLog::closed() const {
  absl::MutexLock lock(&mu_);
  return closed_;
}

size_t EventLog::size() const {
  absl::MutexLock lock(&mu_);
  return pinned_.size() + progress_.size();
}

}  // namespace slope::jobs
