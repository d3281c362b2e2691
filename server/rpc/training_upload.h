// The server side of UploadDataset: collects CSV chunks up to a byte limit,
// then parses and stores the data set once the client half-closes.
#ifndef SLOPE_SERVER_RPC_TRAINING_UPLOAD_H_
#define SLOPE_SERVER_RPC_TRAINING_UPLOAD_H_

#include <cstdint>
#include <string>

#include "grpcpp/support/server_callback.h"
#include "server/training/dataset_store.h"
#include "slope/v1/training.pb.h"

namespace slope::rpc {

// Reads are strictly sequential (the next StartRead is issued from
// OnReadDone), so no lock is needed. A stream that exceeds max_bytes is
// answered RESOURCE_EXHAUSTED at once, without reading the rest, so an
// oversized upload costs the server at most max_bytes of memory.
class DatasetUploadReactor final
    : public grpc::ServerReadReactor<slope::v1::UploadDatasetRequest> {
 public:
  DatasetUploadReactor(training::DatasetStore* store, uint64_t max_bytes,
                       slope::v1::Dataset* response);

  void OnReadDone(bool ok) override;
  void OnCancel() override {}
  void OnDone() override { delete this; }

 private:
  ~DatasetUploadReactor() override = default;

  // The client half-closed: parse, store, answer.
  void Complete();

  training::DatasetStore* const store_;
  const uint64_t max_bytes_;
  slope::v1::Dataset* const response_;
  slope::v1::UploadDatasetRequest request_;
  std::string name_;
  std::string csv_;
  bool first_ = true;
};

}  // namespace slope::rpc

#endif  // SLOPE_SERVER_RPC_TRAINING_UPLOAD_H_
