// The EvaluateStream call: chunks of points in, chunks of results out, in
// order, with a bounded number of chunks in flight.
//
// Flow control: the reactor starts the next read only while fewer than
// max_stream_chunks_in_flight chunks are received but not yet answered.
// Beyond that it simply stops reading; gRPC's own flow control then holds
// the sender back, so server memory stays bounded however fast it sends.
#ifndef SLOPE_SERVER_RPC_EVALUATE_STREAM_H_
#define SLOPE_SERVER_RPC_EVALUATE_STREAM_H_

#include <deque>
#include <map>
#include <optional>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/rpc/batch_compute.h"
#include "server/rpc/calculus_service.h"

namespace slope::rpc {

class EvaluateStreamReactor final
    : public grpc::ServerBidiReactor<slope::v1::EvaluateStreamRequest,
                                     slope::v1::EvaluateStreamResponse> {
 public:
  EvaluateStreamReactor(CalculusService* service,
                        grpc::CallbackServerContext* context);

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  struct Chunk {
    uint32_t index = 0;
    // Index of the chunk's first point over the whole stream; assigned when
    // the chunk is read, in order, since chunks may compute concurrently.
    uint64_t first_point = 0;
    slope::v1::EvaluateStreamRequest request;
    std::unique_ptr<slope::v1::EvaluateStreamResponse> response;
  };

  // Validates a chunk and computes it (inline when small, else on the
  // dispatcher); ChunkDone follows.
  void StartChunk(std::shared_ptr<Chunk> chunk);
  void ChunkDone(uint32_t index, grpc::Status status,
                 std::unique_ptr<slope::v1::EvaluateStreamResponse> response);
  // Reads, writes or finishes, whichever the state allows next.
  void Advance() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FailLocked(grpc::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  CalculusService* const service_;
  grpc::CallbackServerContext* const context_;
  slope::v1::EvaluateStreamRequest incoming_;

  absl::Mutex mu_;
  std::shared_ptr<const calculus::CompiledExpression> compiled_
      ABSL_GUARDED_BY(mu_);
  slope::v1::EvaluateStreamConfig config_ ABSL_GUARDED_BY(mu_);
  bool configured_ ABSL_GUARDED_BY(mu_) = false;
  bool reading_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  // Set on the first error or cancellation: no new work starts, and the
  // call finishes with it once nothing is left running.
  std::optional<grpc::Status> failure_ ABSL_GUARDED_BY(mu_);
  uint32_t next_chunk_ ABSL_GUARDED_BY(mu_) = 0;
  uint32_t next_to_write_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t points_seen_ ABSL_GUARDED_BY(mu_) = 0;
  // Chunks received and not yet written, and those computing right now.
  uint32_t in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  uint32_t computing_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<uint32_t, std::unique_ptr<slope::v1::EvaluateStreamResponse>> ready_
      ABSL_GUARDED_BY(mu_);
  std::unique_ptr<slope::v1::EvaluateStreamResponse> being_written_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace slope::rpc

#endif  // SLOPE_SERVER_RPC_EVALUATE_STREAM_H_
