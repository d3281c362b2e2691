#include "server/rpc/training_upload.h"

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "server/rpc/status.h"
#include "server/rpc/training_convert.h"

namespace slope::rpc {

DatasetUploadReactor::DatasetUploadReactor(training::DatasetStore* store,
                                           uint64_t max_bytes,
                                           slope::v1::Dataset* response)
    : store_(store), max_bytes_(max_bytes), response_(response) {
  StartRead(&request_);
}

void DatasetUploadReactor::OnReadDone(bool ok) {
  if (!ok) {
    Complete();
    return;
  }
  if (first_) {
    name_ = request_.name();
    first_ = false;
  }
  if (csv_.size() + request_.csv_chunk().size() > max_bytes_) {
    Finish(ToGrpcStatus(
        absl::ResourceExhaustedError(absl::StrFormat(
            "the upload exceeds the limit of %d bytes (max_dataset_bytes)",
            max_bytes_)),
        "csv_chunk"));
    return;
  }
  csv_.append(request_.csv_chunk());
  StartRead(&request_);
}

void DatasetUploadReactor::Complete() {
  // Parsing a large upload takes a moment; it runs on this gRPC thread
  // once, after the last chunk, which is the cost of the call itself.
  absl::StatusOr<training::DatasetInfo> info = store_->Put(name_, csv_);
  csv_.clear();
  csv_.shrink_to_fit();
  if (!info.ok()) {
    Finish(ToGrpcStatus(info.status(), "csv_chunk"));
    return;
  }
  DatasetInfoToProto(*info, response_);
  Finish(grpc::Status::OK);
}

}  // namespace slope::rpc
