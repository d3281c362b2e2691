// Non-fatal observations made while evaluating a compiled expression: a
// domain error gives NaN or +/-Inf per IEEE-754 and one of these, never a
// failed call or an exception.
#ifndef SLOPE_SERVER_CALCULUS_WARNINGS_H_
#define SLOPE_SERVER_CALCULUS_WARNINGS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "server/calculus/ast.h"

namespace slope::calculus {

struct EvalWarning {
  std::string message;    // "log of 0 gives -inf"
  SourcePos pos;          // where the operation is in the source
  std::string operation;  // "log", "/", "^", ...
  uint32_t count = 1;     // how many points of a batch gave this warning
};

// Why an operation produced a non-finite value from finite operands.
enum class WarningKind : uint8_t {
  kDivisionByZero,    // x/0, x != 0
  kZeroOverZero,      // 0/0
  kOverflow,          // a finite result too large for a double
  kLogOfZero,         // log(0) = -inf
  kLogOfNegative,     // log(-1) = NaN
  kSqrtOfNegative,    // sqrt(-1) = NaN
  kOutsideUnitRange,  // asin(2), acos(2), atanh(2) = NaN
  kPole,              // atanh(1) = inf, tan at a pole, log1p(-1) = -inf
  kBelowOne,          // acosh(0.5) = NaN
  kNegativeBase,      // (-2)^0.5 = NaN
  kZeroToNegative,    // 0^-1 = inf
  kNaN,               // any other NaN
  kInfinite,          // any other infinity
};

// "log of 0 gives -inf" for operation "log".
std::string DescribeWarning(WarningKind kind, std::string_view operation);

// Counts warnings by (instruction, kind) so that a batch reports each
// distinct problem once with the number of points that hit it. Chunks of a
// batch evaluated on different threads each fill their own collector and
// are merged afterwards.
class WarningCollector {
 public:
  void Add(uint32_t instruction, WarningKind kind, SourcePos pos,
           std::string_view operation, uint32_t count = 1);
  void Merge(const WarningCollector& other);
  bool empty() const { return entries_.empty(); }
  // One warning per distinct (instruction, kind), in instruction order, so
  // the first operation to go wrong comes first.
  std::vector<EvalWarning> ToWarnings() const;

 private:
  struct Entry {
    SourcePos pos;
    std::string operation;
    uint64_t count = 0;
  };
  absl::flat_hash_map<std::pair<uint32_t, WarningKind>, Entry> entries_;
};

}  // namespace slope::calculus

#endif  // SLOPE_SERVER_CALCULUS_WARNINGS_H_
