#include "server/training/dataset_store.h"

#include <algorithm>
#include <random>

#include "absl/strings/str_format.h"
#include "server/training/random.h"

namespace slope::training {

DatasetStore::DatasetStore(Options options) : options_(std::move(options)) {
  // Ids need not be secret, only unique and unguessable enough not to be
  // reused across restarts by accident.
  std::random_device device;
  id_state_ = (static_cast<uint64_t>(device()) << 32) ^ device();
}

absl::StatusOr<DatasetInfo> DatasetStore::Put(std::string_view name,
                                              std::string_view csv_text) {
  // Parse outside the lock: it is the slow part.
  absl::StatusOr<Dataset> parsed = ParseCsv(csv_text, options_.per_dataset);
  if (!parsed.ok()) return parsed.status();
  auto data = std::make_shared<const Dataset>(*std::move(parsed));
  DatasetInfo info;
  info.name = std::string(name);
  info.rows = static_cast<uint64_t>(data->rows());
  info.columns = data->column_names();
  info.bytes = csv_text.size();

  absl::MutexLock lock(&mu_);
  if (total_bytes_ + data->bytes() > options_.max_total_bytes) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "the data set store is full: %d bytes stored, %d more would exceed "
        "the limit of %d; delete a data set first",
        total_bytes_, data->bytes(), options_.max_total_bytes));
  }
  do {
    id_state_ = MixSeed(id_state_, 0);
    info.id = absl::StrFormat("ds-%08x", id_state_ & 0xffffffffu);
  } while (entries_.contains(info.id));
  total_bytes_ += data->bytes();
  entries_[info.id] = Entry{info, std::move(data)};
  return info;
}

absl::StatusOr<std::shared_ptr<const Dataset>> DatasetStore::Get(
    std::string_view id) const {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(absl::string_view(id.data(), id.size()));
  if (it == entries_.end()) {
    return absl::NotFoundError(absl::StrFormat("no data set '%s'", id));
  }
  return it->second.data;
}

absl::StatusOr<DatasetInfo> DatasetStore::Info(std::string_view id) const {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(absl::string_view(id.data(), id.size()));
  if (it == entries_.end()) {
    return absl::NotFoundError(absl::StrFormat("no data set '%s'", id));
  }
  return it->second.info;
}

absl::Status DatasetStore::Delete(std::string_view id) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(absl::string_view(id.data(), id.size()));
  if (it == entries_.end()) {
    return absl::NotFoundError(absl::StrFormat("no data set '%s'", id));
  }
  total_bytes_ -= it->second.data->bytes();
  entries_.erase(it);
  return absl::OkStatus();
}

std::vector<DatasetInfo> DatasetStore::List() const {
  std::vector<DatasetInfo> out;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, entry] : entries_) out.push_back(entry.info);
  }
  std::sort(out.begin(), out.end(),
            [](const DatasetInfo& a, const DatasetInfo& b) { return a.id < b.id; });
  return out;
}

uint64_t DatasetStore::total_bytes() const {
  absl::MutexLock lock(&mu_);
  return total_bytes_;
}

}  // namespace slope::training
