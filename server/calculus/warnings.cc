// Wording and aggregation of evaluation warnings.
#include "server/calculus/warnings.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"

namespace slope::calculus {

namespace {

// Operators read better as words in a sentence: "addition overflows".
std::string_view Noun(std::string_view operation) {
  if (operation == "+") return "addition";
  if (operation == "-") return "subtraction";
  if (operation == "*") return "multiplication";
  if (operation == "/") return "division";
  if (operation == "^") return "power";
  if (operation == "negate") return "negation";
  return operation;
}

}  // namespace

std::string DescribeWarning(WarningKind kind, std::string_view op) {
  // This Abseil's StrCat takes absl::string_view, not std::string_view.
  const std::string operation(Noun(op));
  switch (kind) {
    case WarningKind::kDivisionByZero:
      return "division by zero gives inf";
    case WarningKind::kZeroOverZero:
      return "0/0 gives NaN";
    case WarningKind::kOverflow:
      return absl::StrCat(operation, " overflows to inf");
    case WarningKind::kLogOfZero:
      return absl::StrCat(operation, " of 0 gives -inf");
    case WarningKind::kLogOfNegative:
      return absl::StrCat(operation, " of a negative number gives NaN");
    case WarningKind::kSqrtOfNegative:
      return absl::StrCat(operation, " of a negative number gives NaN");
    case WarningKind::kOutsideUnitRange:
      return absl::StrCat(operation, " of a number outside [-1, 1] gives NaN");
    case WarningKind::kPole:
      return absl::StrCat(operation, " at a pole gives an infinite value");
    case WarningKind::kBelowOne:
      return absl::StrCat(operation, " of a number below 1 gives NaN");
    case WarningKind::kNegativeBase:
      return "a negative number to a non-integer power gives NaN";
    case WarningKind::kZeroToNegative:
      return "0 to a negative power gives inf";
    case WarningKind::kNaN:
      return absl::StrCat(operation, " gives NaN");
    case WarningKind::kInfinite:
      return absl::StrCat(operation, " gives inf");
  }
  return absl::StrCat(operation, " gives a non-finite value");
}

void WarningCollector::Add(uint32_t instruction, WarningKind kind,
                           SourcePos pos, std::string_view operation,
                           uint32_t count) {
  Entry& entry = entries_[{instruction, kind}];
  if (entry.count == 0) {
    entry.pos = pos;
    entry.operation = std::string(operation);
  }
  entry.count += count;
}

void WarningCollector::Merge(const WarningCollector& other) {
  for (const auto& [key, entry] : other.entries_) {
    Entry& mine = entries_[key];
    if (mine.count == 0) {
      mine.pos = entry.pos;
      mine.operation = entry.operation;
    }
    mine.count += entry.count;
  }
}

std::vector<EvalWarning> WarningCollector::ToWarnings() const {
  std::vector<std::pair<std::pair<uint32_t, WarningKind>, const Entry*>>
      sorted;
  sorted.reserve(entries_.size());
  for (const auto& [key, entry] : entries_) sorted.push_back({key, &entry});
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<EvalWarning> warnings;
  warnings.reserve(sorted.size());
  for (const auto& [key, entry] : sorted) {
    EvalWarning warning;
    warning.message = DescribeWarning(key.second, entry->operation);
    warning.pos = entry->pos;
    warning.operation = entry->operation;
    // The wire format counts in 32 bits; a batch beyond that saturates.
    warning.count = static_cast<uint32_t>(std::min<uint64_t>(
        entry->count, std::numeric_limits<uint32_t>::max()));
    warnings.push_back(std::move(warning));
  }
  return warnings;
}

}  // namespace slope::calculus
