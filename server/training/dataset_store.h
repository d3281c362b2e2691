// Uploaded data sets, kept in memory for jobs to refer to by id.
#ifndef SLOPE_SERVER_TRAINING_DATASET_STORE_H_
#define SLOPE_SERVER_TRAINING_DATASET_STORE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/training/dataset.h"

namespace slope::training {

// What the store knows about one data set; mirrors slope.v1.Dataset.
struct DatasetInfo {
  std::string id;  // "ds-1a2b3c4d"
  std::string name;
  uint64_t rows = 0;
  std::vector<std::string> columns;
  uint64_t bytes = 0;  // of the uploaded CSV text
};

// Thread-safe. Data sets are immutable once stored and handed out by
// shared_ptr, so a job keeps its data even if the set is deleted meanwhile.
class DatasetStore {
 public:
  struct Options {
    // Total memory of all stored values (8 bytes each).
    uint64_t max_total_bytes = 256ull << 20;
    DatasetLimits per_dataset;
  };

  DatasetStore() : DatasetStore(Options{}) {}
  explicit DatasetStore(Options options);

  // Parses and stores a CSV upload. INVALID_ARGUMENT for bad CSV (see
  // ParseCsv), RESOURCE_EXHAUSTED if it is too big or the store is full.
  absl::StatusOr<DatasetInfo> Put(std::string_view name,
                                  std::string_view csv_text);
  // NOT_FOUND for unknown ids.
  absl::StatusOr<std::shared_ptr<const Dataset>> Get(std::string_view id) const;
  absl::StatusOr<DatasetInfo> Info(std::string_view id) const;
  // NOT_FOUND for unknown ids.
  absl::Status Delete(std::string_view id);
  std::vector<DatasetInfo> List() const;
  uint64_t total_bytes() const;

 private:
  struct Entry {
    DatasetInfo info;
    std::shared_ptr<const Dataset> data;
  };

  const Options options_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  uint64_t total_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t id_state_ ABSL_GUARDED_BY(mu_);
};

}  // namespace slope::training

#endif  // SLOPE_SERVER_TRAINING_DATASET_STORE_H_
