#include "server/rpc/training_watch.h"

#include <utility>

#include "server/rpc/status.h"
#include "server/rpc/training_convert.h"

namespace slope::rpc {

JobWatchReactor::JobWatchReactor(std::shared_ptr<const jobs::EventLog> log,
                                 std::string job_id, uint32_t after_sequence,
                                 jobs::ComputePool* pump_thread)
    : log_(std::move(log)), job_id_(std::move(job_id)),
      pump_thread_(pump_thread), cursor_(after_sequence) {
  // Subscribe before the first Read, so an event appended in between wakes
  // us rather than being missed.
  subscription_ = log_->Subscribe([this] { WakeElsewhere(); });
  Wake();
}

void JobWatchReactor::Wake() {
  if (wakes_.fetch_add(1, std::memory_order_acq_rel) != 0) return;
  PumpWhileWoken();
}

void JobWatchReactor::WakeElsewhere() {
  if (wakes_.fetch_add(1, std::memory_order_acq_rel) != 0) return;
  // Taken before OnDone can drop gRPC's reference: OnDone first waits for
  // this callback to return (Subscription::Reset).
  refs_.fetch_add(1, std::memory_order_relaxed);
  pump_thread_->Schedule([this] {
    PumpWhileWoken();
    Unref();
  });
}

void JobWatchReactor::PumpWhileWoken() {
  // Requests that arrive meanwhile raise the count, and one more pump
  // serves them all: it reads whatever the log holds by then.
  uint32_t serving = 1;
  do {
    {
      absl::MutexLock lock(&mu_);
      PumpLocked();
    }
    serving = wakes_.fetch_sub(serving, std::memory_order_acq_rel) - serving;
  } while (serving != 0);
}

void JobWatchReactor::PumpLocked() {
  if (writing_ || finished_) return;
  if (buffered_.empty() && !end_of_log_) {
    absl::StatusOr<jobs::EventBatch> batch = log_->Read(
        cursor_, kReadBatch,
        first_read_ ? jobs::EventLog::Cursor::kFailIfEvicted
                    : jobs::EventLog::Cursor::kSkipEvicted);
    if (!batch.ok()) {
      FinishLocked(ToGrpcStatus(batch.status(), "after_sequence"));
      return;
    }
    first_read_ = false;
    end_of_log_ = batch->end_of_log;
    for (auto& event : batch->events) {
      // Evicted events leave a gap in the numbering right before the first
      // event retained after them: that event says how many were missed.
      const uint32_t gap = event->sequence - cursor_ - 1;
      cursor_ = event->sequence;
      buffered_.emplace_back(std::move(event), gap);
    }
  }
  if (!buffered_.empty()) {
    JobEventToProto(*buffered_.front().first, job_id_,
                    buffered_.front().second, &response_);
    buffered_.pop_front();
    writing_ = true;
    StartWrite(&response_);
    return;
  }
  if (end_of_log_) FinishLocked(grpc::Status::OK);
}

void JobWatchReactor::FinishLocked(const grpc::Status& status) {
  if (finished_) return;
  finished_ = true;
  Finish(status);
}

void JobWatchReactor::OnWriteDone(bool ok) {
  {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) {
      // The stream broke (client gone); OnCancel usually says so too.
      FinishLocked(grpc::Status::CANCELLED);
      return;
    }
  }
  Wake();
}

void JobWatchReactor::OnCancel() {
  absl::MutexLock lock(&mu_);
  FinishLocked(grpc::Status::CANCELLED);
}

void JobWatchReactor::OnDone() {
  // Waits for a wake-up callback that may be running; after this no new
  // pump is posted, and one already posted finds finished_ set.
  subscription_.Reset();
  Unref();
}

void JobWatchReactor::Unref() {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
}

}  // namespace slope::rpc
