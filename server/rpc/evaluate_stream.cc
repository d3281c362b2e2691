#include "server/rpc/evaluate_stream.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/rpc/calculus_requests.h"
#include "server/rpc/status.h"

namespace slope::rpc {

EvaluateStreamReactor::EvaluateStreamReactor(CalculusService* service,
                                             grpc::CallbackServerContext* context)
    : service_(service), context_(context) {
  absl::MutexLock lock(&mu_);
  reading_ = true;
  StartRead(&incoming_);
}

void EvaluateStreamReactor::OnReadDone(bool ok) {
  absl::MutexLock lock(&mu_);
  // reading_ guards incoming_: while it is set, no other thread starts a
  // read into it. It is cleared only once incoming_ has been consumed, and
  // never while the lock is released below.
  if (!ok) {
    reading_ = false;
    reads_done_ = true;
    Advance();
    return;
  }
  if (failure_.has_value()) {
    reading_ = false;
    Advance();
    return;
  }
  if (!configured_) {
    if (!incoming_.has_config()) {
      FailLocked(InvalidArgument(
          "config", "the first request must carry the expression and variables"));
      reading_ = false;
      Advance();
      return;
    }
    config_ = incoming_.config();
    std::shared_ptr<const calculus::CompiledExpression> compiled;
    grpc::Status status = service_->Compile(
        config_.expression(), config_.variables(), "config.expression", &compiled);
    if (status.ok() &&
        compiled->tape->num_inputs() > static_cast<size_t>(config_.variables_size())) {
      status = InvalidArgument(
          "config.variables",
          absl::StrCat("does not list '",
                       compiled->tape->variables()[config_.variables_size()],
                       "', which the expression uses"),
          "MISSING_VARIABLE");
    }
    if (!status.ok()) {
      FailLocked(status);
      reading_ = false;
      Advance();
      return;
    }
    compiled_ = std::move(compiled);
    configured_ = true;
  }
  std::shared_ptr<Chunk> chunk;
  if (incoming_.points_size() > 0) {
    chunk = std::make_shared<Chunk>();
    chunk->index = next_chunk_++;
    chunk->first_point = points_seen_;
    // A chunk whose size is not a multiple of the variables fails its
    // check and ends the stream, so this count only matters when it fits.
    points_seen_ += static_cast<uint64_t>(incoming_.points_size()) /
                    std::max(1, config_.variables_size());
    chunk->request.mutable_points()->Swap(incoming_.mutable_points());
    ++in_flight_;
    ++computing_;
  }
  incoming_.Clear();
  reading_ = false;
  if (chunk != nullptr) {
    // Computing happens outside the lock (ChunkDone takes it again). The
    // next read may start meanwhile: incoming_ is free, and every chunk
    // carries its own index and first point.
    mu_.Unlock();
    StartChunk(std::move(chunk));
    mu_.Lock();
  }
  Advance();
}

void EvaluateStreamReactor::StartChunk(std::shared_ptr<Chunk> chunk) {
  std::shared_ptr<const calculus::CompiledExpression> compiled;
  slope::v1::EvaluateStreamConfig config;
  {
    absl::MutexLock lock(&mu_);
    compiled = compiled_;
    config = config_;
  }
  BatchShape shape;
  grpc::Status status = CheckBatch(
      *compiled, config.variables_size(), chunk->request.points(),
      config.gradient(), config.hessian(), service_->options_.calculus,
      "points", &shape);
  if (!status.ok()) {
    ChunkDone(chunk->index, status, nullptr);
    return;
  }
  auto response = std::make_unique<slope::v1::EvaluateStreamResponse>();
  response->set_chunk(chunk->index);
  response->set_first_point(chunk->first_point);
  response->set_count(shape.count);
  const size_t n = shape.inputs;
  response->mutable_values()->Resize(shape.count, 0.0);
  if (shape.gradient) response->mutable_gradients()->Resize(shape.count * n, 0.0);
  if (shape.hessian) response->mutable_hessians()->Resize(shape.count * n * n, 0.0);

  auto compute = [this, chunk, compiled, shape,
                  response = std::shared_ptr<slope::v1::EvaluateStreamResponse>(
                      std::move(response))]() mutable {
    calculus::BatchOutput output;
    output.values = absl::MakeSpan(response->mutable_values()->mutable_data(),
                                   response->values_size());
    output.gradients =
        absl::MakeSpan(response->mutable_gradients()->mutable_data(),
                       response->gradients_size());
    output.hessians = absl::MakeSpan(response->mutable_hessians()->mutable_data(),
                                     response->hessians_size());
    std::vector<calculus::EvalWarning> warnings;
    grpc::CallbackServerContext* context = context_;
    absl::Status status = ComputeBatch(
        *service_->pool_, *compiled->tape, chunk->request.points(), shape,
        output, &warnings, [context] { return context->IsCancelled(); });
    AddWarnings(warnings, response->mutable_warnings());
    auto owned = std::make_unique<slope::v1::EvaluateStreamResponse>();
    owned->Swap(response.get());
    ChunkDone(chunk->index, ToGrpcStatus(status), std::move(owned));
  };
  if (shape.count <= CalculusService::kInlineBatchPoints) {
    compute();
    return;
  }
  const uint32_t index = chunk->index;
  service_->dispatcher_->Dispatch(
      [this, index, compute = std::move(compute)](const absl::Status& slot) mutable {
        if (!slot.ok()) {
          ChunkDone(index, ToGrpcStatus(slot), nullptr);
          return;
        }
        compute();
      },
      absl::InfiniteFuture(), [context = context_] { return context->IsCancelled(); });
}

void EvaluateStreamReactor::ChunkDone(
    uint32_t index, grpc::Status status,
    std::unique_ptr<slope::v1::EvaluateStreamResponse> response) {
  absl::MutexLock lock(&mu_);
  --computing_;
  if (!status.ok()) {
    FailLocked(status);
  } else {
    ready_[index] = std::move(response);
  }
  Advance();
}

void EvaluateStreamReactor::OnWriteDone(bool ok) {
  absl::MutexLock lock(&mu_);
  writing_ = false;
  being_written_.reset();
  --in_flight_;
  if (!ok) FailLocked(grpc::Status(grpc::StatusCode::CANCELLED, "the client went away"));
  Advance();
}

void EvaluateStreamReactor::OnCancel() {
  absl::MutexLock lock(&mu_);
  FailLocked(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client"));
  Advance();
}

void EvaluateStreamReactor::FailLocked(grpc::Status status) {
  if (!failure_.has_value()) failure_ = std::move(status);
}

void EvaluateStreamReactor::Advance() {
  if (finished_) return;
  if (failure_.has_value()) {
    // Finish once no computation or write still refers to us; a pending
    // read simply completes with ok=false afterwards.
    if (computing_ == 0 && !writing_) {
      finished_ = true;
      Finish(*failure_);
    }
    return;
  }
  if (!writing_) {
    auto it = ready_.find(next_to_write_);
    if (it != ready_.end()) {
      being_written_ = std::move(it->second);
      ready_.erase(it);
      ++next_to_write_;
      writing_ = true;
      StartWrite(being_written_.get());
    }
  }
  if (!reading_ && !reads_done_ &&
      in_flight_ < service_->options_.calculus.max_stream_chunks_in_flight) {
    reading_ = true;
    StartRead(&incoming_);
  }
  if (reads_done_ && in_flight_ == 0 && !writing_ && !reading_) {
    finished_ = true;
    Finish(grpc::Status::OK);
  }
}

void EvaluateStreamReactor::OnDone() { delete this; }

grpc::ServerBidiReactor<CalculusService::StreamRequest,
                        CalculusService::StreamResponse>*
CalculusService::EvaluateStream(grpc::CallbackServerContext* context) {
  return new EvaluateStreamReactor(this, context);
}

}  // namespace slope::rpc
