#include "server/training/dataset.h"

#include <cmath>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace slope::training {
namespace {

absl::Status CheckShape(uint64_t rows, uint64_t cols,
                        const DatasetLimits& limits) {
  if (cols > limits.max_columns) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "data: %d columns exceed the limit of %d (max_dataset_columns)", cols,
        limits.max_columns));
  }
  if (rows > limits.max_rows) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "data: %d rows exceed the limit of %d (max_dataset_rows)", rows,
        limits.max_rows));
  }
  if (rows * cols * sizeof(double) > limits.max_bytes) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "data: %d values (%d bytes) exceed the limit of %d bytes "
        "(max_dataset_bytes)",
        rows * cols, rows * cols * sizeof(double), limits.max_bytes));
  }
  return absl::OkStatus();
}

absl::string_view Trim(absl::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

absl::StatusOr<Dataset> Dataset::FromColumns(
    std::vector<std::pair<std::string, std::vector<double>>> columns,
    const DatasetLimits& limits) {
  if (columns.empty()) {
    return absl::InvalidArgumentError("data: no columns given");
  }
  absl::flat_hash_set<std::string> seen;
  const auto& [first_name, first_values] = columns.front();
  for (const auto& [name, values] : columns) {
    if (name.empty()) {
      return absl::InvalidArgumentError("data: a column has an empty name");
    }
    if (!seen.insert(name).second) {
      return absl::InvalidArgumentError(
          absl::StrFormat("data: column '%s' appears twice", name));
    }
    if (values.size() != first_values.size()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "data: column '%s' has %d rows, '%s' has %d", name, values.size(),
          first_name, first_values.size()));
    }
  }
  if (first_values.empty()) {
    return absl::InvalidArgumentError("data: the columns have no rows");
  }
  const uint64_t rows = first_values.size();
  if (absl::Status s = CheckShape(rows, columns.size(), limits); !s.ok()) {
    return s;
  }
  Eigen::MatrixXd values(rows, columns.size());
  std::vector<std::string> names;
  names.reserve(columns.size());
  for (size_t c = 0; c < columns.size(); ++c) {
    const std::vector<double>& column = columns[c].second;
    for (size_t r = 0; r < rows; ++r) {
      if (!std::isfinite(column[r])) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "data: column '%s' row %d is %g; values must be finite",
            columns[c].first, r + 1, column[r]));
      }
      values(r, c) = column[r];
    }
    names.push_back(std::move(columns[c].first));
  }
  return FromMatrix(std::move(names), std::move(values));
}

absl::StatusOr<Dataset> Dataset::FromColumns(
    const std::map<std::string, std::vector<double>>& columns,
    const DatasetLimits& limits) {
  return FromColumns(
      std::vector<std::pair<std::string, std::vector<double>>>(
          columns.begin(), columns.end()),
      limits);
}

Dataset Dataset::FromMatrix(std::vector<std::string> names,
                            Eigen::MatrixXd values) {
  Dataset d;
  d.names_ = std::move(names);
  d.values_ = std::move(values);
  return d;
}

std::optional<int64_t> Dataset::ColumnIndex(std::string_view name) const {
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return static_cast<int64_t>(i);
  }
  return std::nullopt;
}

absl::StatusOr<Dataset> ParseCsv(std::string_view std_text,
                                 const DatasetLimits& limits) {
  // Debian's Abseil has its own string_view type; work in that one.
  const absl::string_view text(std_text.data(), std_text.size());
  if (text.size() > limits.max_bytes) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "data: the CSV text has %d bytes, more than the limit of %d "
        "(max_dataset_bytes)",
        text.size(), limits.max_bytes));
  }
  std::vector<std::string> names;
  std::vector<std::vector<double>> columns;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    absl::ConsumeSuffix(&line, "\r");
    if (Trim(line).empty()) continue;
    std::vector<absl::string_view> fields = absl::StrSplit(line, ',');
    if (names.empty()) {
      absl::flat_hash_set<std::string> seen;
      for (size_t i = 0; i < fields.size(); ++i) {
        absl::string_view name = Trim(fields[i]);
        if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
          name = Trim(name.substr(1, name.size() - 2));
        }
        if (name.empty()) {
          return absl::InvalidArgumentError(absl::StrFormat(
              "line %d: header field %d is empty; every column needs a name",
              line_number, i + 1));
        }
        if (!seen.insert(std::string(name)).second) {
          return absl::InvalidArgumentError(absl::StrFormat(
              "line %d: column '%s' appears twice in the header", line_number,
              name));
        }
        names.emplace_back(name);
      }
      if (names.size() > limits.max_columns) {
        return absl::ResourceExhaustedError(absl::StrFormat(
            "data: %d columns exceed the limit of %d (max_dataset_columns)",
            names.size(), limits.max_columns));
      }
      columns.resize(names.size());
      continue;
    }
    if (fields.size() != names.size()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("line %d: expected %d fields, found %d", line_number,
                          names.size(), fields.size()));
    }
    const uint64_t rows = columns[0].size() + 1;
    if (rows > limits.max_rows) {
      return absl::ResourceExhaustedError(absl::StrFormat(
          "data: more than %d rows (max_dataset_rows)", limits.max_rows));
    }
    for (size_t i = 0; i < fields.size(); ++i) {
      absl::string_view field = Trim(fields[i]);
      double value = 0;
      if (!absl::SimpleAtod(field, &value)) {
        return absl::InvalidArgumentError(
            absl::StrFormat("line %d, column '%s': '%s' is not a number",
                            line_number, names[i], field));
      }
      if (!std::isfinite(value)) {
        return absl::InvalidArgumentError(
            absl::StrFormat("line %d, column '%s': '%s' is not a finite number",
                            line_number, names[i], field));
      }
      columns[i].push_back(value);
    }
  }
  if (names.empty()) {
    return absl::InvalidArgumentError("data: the CSV text has no header row");
  }
  if (columns[0].empty()) {
    return absl::InvalidArgumentError(
        "data: the CSV text has a header but no data rows");
  }
  const uint64_t rows = columns[0].size();
  if (absl::Status s = CheckShape(rows, names.size(), limits); !s.ok()) {
    return s;
  }
  Eigen::MatrixXd values(rows, names.size());
  for (size_t c = 0; c < columns.size(); ++c) {
    values.col(c) = Eigen::Map<const Eigen::VectorXd>(columns[c].data(), rows);
    std::vector<double>().swap(columns[c]);  // release as we go
  }
  return Dataset::FromMatrix(std::move(names), std::move(values));
}

}  // namespace slope::training
