// The bounded, numbered event history of one job, which WatchJob replays
// from a cursor and then follows live.
//
// Writers never wait for readers. Append takes the log's mutex only to
// push a pointer (and maybe drop the oldest progress event), then calls the
// subscribers' wake-up callbacks outside the lock. Readers pull: a wake-up
// only says "there is something new", and the reader calls Read when it is
// ready, so a slow reader costs the writer nothing.
//
// Retention: the log keeps at most `max_events` events. When full, the
// oldest *progress* event is dropped. State changes and the final event are
// never dropped (a job has at most four of them: QUEUED, RUNNING, its final
// state and FINISHED), so a replay always shows how the job began and
// ended, while the progress history becomes a window of the latest reports.
// Events that were dropped leave gaps in the sequence; everything newer
// than the last gap ("the oldest retained event") is contiguous.
#ifndef SLOPE_SERVER_JOBS_EVENT_LOG_H_
#define SLOPE_SERVER_JOBS_EVENT_LOG_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/jobs/job_snapshot.h"
#include "server/training/progress.h"

namespace slope::jobs {

struct StateChangeEvent {
  JobState state = JobState::kQueued;
  std::string message;
};

// The last event of a job: its final state and result.
struct FinishedEvent {
  JobSnapshot job;
};

struct JobEvent {
  uint32_t sequence = 0;  // 1, 2, 3, ... with no gaps as appended
  absl::Time time;
  std::variant<training::Progress, StateChangeEvent, FinishedEvent> kind;
};

// What one Read returns.
struct EventBatch {
  // In sequence order. Events are immutable and shared between readers, so
  // a Read copies pointers, not payloads.
  std::vector<std::shared_ptr<const JobEvent>> events;
  // Progress events after the cursor that were dropped before this reader
  // got to them (only with Cursor::kSkipEvicted, or from 0).
  uint32_t skipped = 0;
  // The newest sequence in the log at the time of the read.
  uint32_t last_sequence = 0;
  // True when the log is closed and this batch reaches its end: nothing
  // will follow, the watcher can finish.
  bool end_of_log = false;
};

class EventLog {
 public:
  // How Read treats a cursor whose next events were dropped.
  enum class Cursor {
    // A cursor the client supplied: OUT_OF_RANGE, naming the oldest
    // retained event, so the client knows it missed history. 0 is always
    // accepted: it means "everything still retained".
    kFailIfEvicted,
    // A cursor the server has been advancing for a live watcher that fell
    // behind: jump to what is retained and report the count in `skipped`.
    kSkipEvicted,
  };

  // Unsubscribes when destroyed or Reset. After that the callback is not
  // running and will not be called again. Must not be destroyed from inside
  // its own callback (that would wait for itself). May outlive the log.
  class Subscription {
   public:
    Subscription() = default;
    Subscription(Subscription&& other) noexcept = default;
    Subscription& operator=(Subscription&& other) noexcept;
    ~Subscription();

    void Reset();

   private:
    friend class EventLog;
    struct Subscriber;
    explicit Subscription(std::shared_ptr<Subscriber> subscriber)
        : subscriber_(std::move(subscriber)) {}
    std::shared_ptr<Subscriber> subscriber_;
  };

  // max_events < 1 counts as 1.
  explicit EventLog(size_t max_events = 1000);
  ~EventLog();

  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Appends an event with the next sequence number and the current time and
  // wakes the subscribers. Appending a FinishedEvent closes the log; appends
  // to a closed log are ignored and return 0. Otherwise returns the
  // sequence number given to the event.
  uint32_t Append(
      std::variant<training::Progress, StateChangeEvent, FinishedEvent> kind);

  // Up to max_events (0: no limit) retained events with sequence >
  // after_sequence, oldest first. OUT_OF_RANGE when after_sequence is newer
  // than the newest event, or (with kFailIfEvicted) older than the retained
  // history.
  absl::StatusOr<EventBatch> Read(uint32_t after_sequence, size_t max_events,
                                  Cursor cursor) const;

  // Calls on_new_events (from the appending thread, outside the log's lock)
  // after every append. It must be cheap and non-blocking: typically it
  // schedules a Read. Subscribe before the first Read so nothing is missed.
  // Callbacks of one subscription never run concurrently with each other.
  // Const because watching does not change the history: a watcher is handed
  // a const log.
  Subscription Subscribe(std::function<void()> on_new_events) const;

  uint32_t last_sequence() const;
  // The oldest sequence from which the log is contiguous (1 if nothing was
  // ever dropped; last_sequence() + 1 if the log is empty).
  uint32_t oldest_retained() const;
  bool closed() const;
  size_t size() const;

 private:
  using SubscriberList =
      std::vector<std::shared_ptr<Subscription::Subscriber>>;

  // Drops unsubscribed entries from subscribers_.
  void PruneSubscribers() const;

  const size_t max_events_;

  mutable absl::Mutex mu_;
  uint32_t last_sequence_ ABSL_GUARDED_BY(mu_) = 0;
  // The highest sequence dropped so far (0: none).
  uint32_t evicted_through_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  // Both ordered by sequence; a read merges them.
  std::deque<std::shared_ptr<const JobEvent>> pinned_ ABSL_GUARDED_BY(mu_);
  std::deque<std::shared_ptr<const JobEvent>> progress_ ABSL_GUARDED_BY(mu_);
  // Copy-on-write so that Append grabs the list with one pointer copy.
  mutable std::shared_ptr<const SubscriberList> subscribers_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace slope::jobs

#endif  // SLOPE_SERVER_JOBS_EVENT_LOG_H_
