// The one table of functions the expression language knows: name, arity,
// numeric kernel and derivative rule. The parser, the evaluators, the
// differentiators and GetServerInfo all read this table.
#ifndef SLOPE_SERVER_CALCULUS_FUNCTIONS_H_
#define SLOPE_SERVER_CALCULUS_FUNCTIONS_H_

#include <cstdint>
#include <string_view>

#include "absl/types/span.h"

namespace slope::calculus {

enum class Function : uint8_t {
  kSin, kCos, kTan, kAsin, kAcos, kAtan, kAtan2,
  kSinh, kCosh, kTanh, kAsinh, kAcosh, kAtanh,
  kExp, kExpm1, kLog, kLog1p, kLog2, kLog10,
  kSqrt, kCbrt, kAbs, kSign, kFloor, kCeil,
  kMin, kMax, kPow, kHypot,
  kSigmoid, kRelu, kSoftplus, kErf, kErfc,
};

struct FunctionSpec {
  Function id;
  std::string_view name;       // "sin"
  int arity;                   // 1 or 2
  std::string_view signature;  // "sin(u)"
  // The rule as users read it, e.g. "d/dx sin(u) = cos(u)*u'".
  std::string_view derivative;
  std::string_view description;
};

// Every function, in the order of the Function enum.
absl::Span<const FunctionSpec> AllFunctions();
const FunctionSpec& Spec(Function f);
// nullptr if there is no function of that name.
const FunctionSpec* FindFunction(std::string_view name);

// The numeric value of f at (a) or (a, b), IEEE-754 double semantics with
// the numerically stable forms (sigmoid, softplus) and the documented
// conventions. Second argument ignored for unary functions.
double EvaluateFunction(Function f, double a, double b = 0);

// Named constants: pi and e. Returns false if `name` is not a constant.
bool FindConstant(std::string_view name, double* value);

}  // namespace slope::calculus

#endif  // SLOPE_SERVER_CALCULUS_FUNCTIONS_H_
