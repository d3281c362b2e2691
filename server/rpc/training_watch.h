// The server side of WatchJob and Train: streams one job's event log to a
// client, first the retained history after a cursor, then live events,
// ending OK after the job's finished event.
#ifndef SLOPE_SERVER_RPC_TRAINING_WATCH_H_
#define SLOPE_SERVER_RPC_TRAINING_WATCH_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/support/server_callback.h"
#include "server/jobs/compute_pool.h"
#include "server/jobs/event_log.h"
#include "slope/v1/training.pb.h"

namespace slope::rpc {

// Pull-based, so that the training loop never waits for a client:
//  - every reason to look at the log (a new event, a completed write) goes
//    through Wake, where one thread at a time pumps and the others only
//    count their request and return;
//  - the log's wake-up callback runs on the training thread, so it pumps
//    nowhere: it counts its request and, unless a pump is already running,
//    posts one to the server's watch-pump thread. Starting a write makes
//    gRPC do transport work on the calling thread, and with 100 watchers
//    that was 100 writes per event on the training thread;
//  - when a write is in flight a pump does nothing, and the next Read
//    happens when that write completes (OnWriteDone, on a gRPC thread);
//  - at most one write is in flight, and events are read from the log in
//    small batches as writes complete, so a slow client holds at most one
//    batch of pointers, never a growing queue;
//  - a client so slow that the log evicted the progress events after its
//    position jumps to what is retained, and the first event after the gap
//    carries the number it missed in `skipped`.
// Client cancellation and server shutdown (which cancels every job, so
// every log ends) finish the stream; OnDone unsubscribes and drops gRPC's
// reference; a pump still posted holds another.
class JobWatchReactor final
    : public grpc::ServerWriteReactor<slope::v1::JobEvent> {
 public:
  // Starts streaming events with sequence > after_sequence. A cursor into
  // evicted history ends the call with OUT_OF_RANGE naming the oldest
  // retained event. Pumps the log asks for run on `pump_thread`, which must
  // outlive the call and run every task it was given before it goes.
  JobWatchReactor(std::shared_ptr<const jobs::EventLog> log, std::string job_id,
                  uint32_t after_sequence, jobs::ComputePool* pump_thread);

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  // Events read per Read: enough to keep the stream busy, few enough that
  // a slow watcher pins little of the log.
  static constexpr size_t kReadBatch = 32;

  ~JobWatchReactor() override = default;

  // Pumps, or if another thread is pumping, makes it pump once more.
  void Wake();
  // The log's wake-up callback: like Wake, but pumps on pump_thread_.
  void WakeElsewhere();
  // Pumps until every wake-up counted in wakes_ has been served; called by
  // whoever raised wakes_ from 0.
  void PumpWhileWoken();
  // Drops one reference; the last deletes the reactor.
  void Unref();

  // Starts the next write if none is in flight, reading from the log when
  // nothing is buffered; finishes once the log's end has been written.
  void PumpLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishLocked(const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::shared_ptr<const jobs::EventLog> log_;
  const std::string job_id_;
  jobs::ComputePool* const pump_thread_;
  // Set in the constructor, reset in OnDone (never inside its callback).
  jobs::EventLog::Subscription subscription_;

  // Pump requests not yet served; whoever raises it from 0 pumps until it
  // is back to 0. Never waits, unlike taking mu_ behind a running pump.
  std::atomic<uint32_t> wakes_{0};
  // gRPC's until OnDone, plus one per pump posted to pump_thread_.
  std::atomic<uint32_t> refs_{1};

  absl::Mutex mu_;
  uint32_t cursor_ ABSL_GUARDED_BY(mu_);
  // The first Read checks the client's cursor; later ones follow ours.
  bool first_read_ ABSL_GUARDED_BY(mu_) = true;
  // Read but not yet written, each with the count of evicted events
  // right before it (its `skipped`).
  std::deque<std::pair<std::shared_ptr<const jobs::JobEvent>, uint32_t>>
      buffered_ ABSL_GUARDED_BY(mu_);
  bool end_of_log_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  slope::v1::JobEvent response_ ABSL_GUARDED_BY(mu_);
};

}  // namespace slope::rpc

#endif  // SLOPE_SERVER_RPC_TRAINING_WATCH_H_
