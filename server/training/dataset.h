// A table of doubles with named columns, the input of every training job.
// Stored column-major (each column contiguous) because jobs select columns
// by name; the trainer then packs the features it needs sample-per-column.
#ifndef SLOPE_SERVER_TRAINING_DATASET_H_
#define SLOPE_SERVER_TRAINING_DATASET_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "Eigen/Core"
#include "absl/status/statusor.h"

namespace slope::training {

// Bounds on a data set built from client input.
struct DatasetLimits {
  uint64_t max_rows = 1'000'000;
  uint64_t max_bytes = 64ull << 20;  // of CSV text, and of 8-byte values
  uint64_t max_columns = 10000;
};

class Dataset {
 public:
  Dataset() = default;

  // Columns in the given order. All must have the same, non-zero, length;
  // names must be distinct and non-empty; values finite. Errors name the
  // offending column ("data: column 'y' has 10 rows, 'x' has 9").
  static absl::StatusOr<Dataset> FromColumns(
      std::vector<std::pair<std::string, std::vector<double>>> columns,
      const DatasetLimits& limits = {});
  // Same, in name order.
  static absl::StatusOr<Dataset> FromColumns(
      const std::map<std::string, std::vector<double>>& columns,
      const DatasetLimits& limits = {});
  // Takes ownership of a rows x columns matrix; names.size() == cols.
  static Dataset FromMatrix(std::vector<std::string> names,
                            Eigen::MatrixXd values);

  int64_t rows() const { return values_.rows(); }
  int64_t cols() const { return values_.cols(); }
  const std::vector<std::string>& column_names() const { return names_; }
  // rows x cols, column-major.
  const Eigen::MatrixXd& values() const { return values_; }
  // The column's index, or nullopt.
  std::optional<int64_t> ColumnIndex(std::string_view name) const;
  // Memory held by the values.
  uint64_t bytes() const {
    return static_cast<uint64_t>(values_.size()) * sizeof(double);
  }

 private:
  std::vector<std::string> names_;
  Eigen::MatrixXd values_;
};

// Parses CSV text: a header row of column names, then one row of numbers per
// line, comma separated. Blank lines are skipped, fields may be padded with
// spaces, header names may be double-quoted, CRLF line ends are accepted.
// INVALID_ARGUMENT with the place, e.g.
//   "line 3, column 'x': 'abc' is not a number"
//   "line 4: expected 3 fields, found 2"
// RESOURCE_EXHAUSTED when the text, the row count or the value count exceeds
// `limits`.
absl::StatusOr<Dataset> ParseCsv(std::string_view text,
                                 const DatasetLimits& limits = {});

}  // namespace slope::training

#endif  // SLOPE_SERVER_TRAINING_DATASET_H_
