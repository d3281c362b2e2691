// Aligned plain-text tables for the CLI's human output.
#ifndef SLOPE_CLIENT_TABLE_H_
#define SLOPE_CLIENT_TABLE_H_

#include <string>
#include <vector>

namespace slope::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  // Columns are left-aligned for text and right-aligned for numbers.
  std::string Render() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// A double as the shortest text that reads back to the same value
// ("0.1", "6", "-inf", "nan").
std::string FormatNumber(double value);

}  // namespace slope::cli

#endif  // SLOPE_CLIENT_TABLE_H_
