// The function table and the numeric kernels. Kept in one place so that the
// parser, the evaluators, the differentiators and GetServerInfo can never
// disagree about what a function is called, how many arguments it takes or
// what it computes.
#include "server/calculus/functions.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace slope::calculus {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kE = 2.71828182845904523536;

// Indexed by Function; the order must match the enum (checked by tests).
constexpr std::array<FunctionSpec, 34> kFunctions = {{
    {Function::kSin, "sin", 1, "sin(u)", "d/dx sin(u) = cos(u)*u'",
     "Sine of u (radians)."},
    {Function::kCos, "cos", 1, "cos(u)", "d/dx cos(u) = -sin(u)*u'",
     "Cosine of u (radians)."},
    {Function::kTan, "tan", 1, "tan(u)", "d/dx tan(u) = u'/cos(u)^2",
     "Tangent of u (radians)."},
    {Function::kAsin, "asin", 1, "asin(u)",
     "d/dx asin(u) = u'/sqrt(1-u^2)", "Inverse sine; NaN outside [-1, 1]."},
    {Function::kAcos, "acos", 1, "acos(u)",
     "d/dx acos(u) = -u'/sqrt(1-u^2)",
     "Inverse cosine; NaN outside [-1, 1]."},
    {Function::kAtan, "atan", 1, "atan(u)", "d/dx atan(u) = u'/(1+u^2)",
     "Inverse tangent."},
    {Function::kAtan2, "atan2", 2, "atan2(u, v)",
     "d/dx atan2(u, v) = (v*u' - u*v')/(u^2+v^2)",
     "Angle of the point (v, u) in (-pi, pi]: atan2(y, x)."},
    {Function::kSinh, "sinh", 1, "sinh(u)", "d/dx sinh(u) = cosh(u)*u'",
     "Hyperbolic sine."},
    {Function::kCosh, "cosh", 1, "cosh(u)", "d/dx cosh(u) = sinh(u)*u'",
     "Hyperbolic cosine."},
    {Function::kTanh, "tanh", 1, "tanh(u)",
     "d/dx tanh(u) = (1-tanh(u)^2)*u'", "Hyperbolic tangent."},
    {Function::kAsinh, "asinh", 1, "asinh(u)",
     "d/dx asinh(u) = u'/sqrt(u^2+1)", "Inverse hyperbolic sine."},
    {Function::kAcosh, "acosh", 1, "acosh(u)",
     "d/dx acosh(u) = u'/sqrt(u^2-1)",
     "Inverse hyperbolic cosine; NaN below 1."},
    {Function::kAtanh, "atanh", 1, "atanh(u)",
     "d/dx atanh(u) = u'/(1-u^2)",
     "Inverse hyperbolic tangent; NaN outside [-1, 1]."},
    {Function::kExp, "exp", 1, "exp(u)", "d/dx exp(u) = exp(u)*u'",
     "e raised to u."},
    {Function::kExpm1, "expm1", 1, "expm1(u)", "d/dx expm1(u) = exp(u)*u'",
     "exp(u) - 1, accurate for small u."},
    {Function::kLog, "log", 1, "log(u)", "d/dx log(u) = u'/u",
     "Natural logarithm; NaN for negative u, -Infinity at 0."},
    {Function::kLog1p, "log1p", 1, "log1p(u)", "d/dx log1p(u) = u'/(1+u)",
     "log(1 + u), accurate for small u."},
    {Function::kLog2, "log2", 1, "log2(u)",
     "d/dx log2(u) = u'/(u*log(2))", "Base-2 logarithm."},
    {Function::kLog10, "log10", 1, "log10(u)",
     "d/dx log10(u) = u'/(u*log(10))", "Base-10 logarithm."},
    {Function::kSqrt, "sqrt", 1, "sqrt(u)", "d/dx sqrt(u) = u'/(2*sqrt(u))",
     "Square root; NaN for negative u. Its derivative at 0 is +Infinity."},
    {Function::kCbrt, "cbrt", 1, "cbrt(u)",
     "d/dx cbrt(u) = u'/(3*cbrt(u)^2)", "Real cube root."},
    {Function::kAbs, "abs", 1, "abs(u)", "d/dx abs(u) = sign(u)*u'",
     "Absolute value. Convention: its derivative at 0 is 0."},
    {Function::kSign, "sign", 1, "sign(u)", "d/dx sign(u) = 0",
     "-1, 0 or 1 by the sign of u. Convention: its derivative is 0 "
     "everywhere."},
    {Function::kFloor, "floor", 1, "floor(u)", "d/dx floor(u) = 0",
     "Largest integer not above u. Convention: its derivative is 0 "
     "everywhere."},
    {Function::kCeil, "ceil", 1, "ceil(u)", "d/dx ceil(u) = 0",
     "Smallest integer not below u. Convention: its derivative is 0 "
     "everywhere."},
    {Function::kMin, "min", 2, "min(u, v)",
     "d/dx min(u, v) = u' where u <= v, else v'",
     "The smaller of u and v; on a tie, the first argument (also for the "
     "derivative)."},
    {Function::kMax, "max", 2, "max(u, v)",
     "d/dx max(u, v) = u' where u >= v, else v'",
     "The larger of u and v; on a tie, the first argument (also for the "
     "derivative)."},
    {Function::kPow, "pow", 2, "pow(u, v)",
     "d/dx pow(u, v) = pow(u, v)*(v'*log(u) + v*u'/u)",
     "u raised to v, the same as u^v; for a constant v the rule is "
     "v*u^(v-1)*u'."},
    {Function::kHypot, "hypot", 2, "hypot(u, v)",
     "d/dx hypot(u, v) = (u*u' + v*v')/hypot(u, v)",
     "sqrt(u^2 + v^2) without overflow or underflow."},
    {Function::kSigmoid, "sigmoid", 1, "sigmoid(u)",
     "d/dx sigmoid(u) = sigmoid(u)*(1-sigmoid(u))*u'",
     "The logistic function 1/(1+exp(-u)), computed without overflow."},
    {Function::kRelu, "relu", 1, "relu(u)",
     "d/dx relu(u) = u' where u > 0, else 0",
     "max(u, 0). Convention: its derivative at 0 is 0."},
    {Function::kSoftplus, "softplus", 1, "softplus(u)",
     "d/dx softplus(u) = sigmoid(u)*u'",
     "log(1+exp(u)), computed as max(u,0) + log1p(exp(-|u|))."},
    {Function::kErf, "erf", 1, "erf(u)",
     "d/dx erf(u) = 2/sqrt(pi)*exp(-u^2)*u'", "The error function."},
    {Function::kErfc, "erfc", 1, "erfc(u)",
     "d/dx erfc(u) = -2/sqrt(pi)*exp(-u^2)*u'",
     "The complementary error function 1 - erf(u), accurate for large u."},
}};

double Sigmoid(double x) {
  // Never evaluate exp of a large positive number: for x < 0 use
  // exp(x)/(1+exp(x)), which underflows gracefully to 0.
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  double e = std::exp(x);
  return e / (1.0 + e);  // NaN falls through here and stays NaN
}

double Softplus(double x) {
  if (std::isnan(x)) return x;
  return std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x)));
}

}  // namespace

absl::Span<const FunctionSpec> AllFunctions() { return kFunctions; }

const FunctionSpec& Spec(Function f) {
  return kFunctions[static_cast<size_t>(f)];
}

const FunctionSpec* FindFunction(std::string_view name) {
  for (const FunctionSpec& spec : kFunctions) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

double EvaluateFunction(Function f, double a, double b) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  switch (f) {
    case Function::kSin: return std::sin(a);
    case Function::kCos: return std::cos(a);
    case Function::kTan: return std::tan(a);
    case Function::kAsin: return std::asin(a);
    case Function::kAcos: return std::acos(a);
    case Function::kAtan: return std::atan(a);
    case Function::kAtan2: return std::atan2(a, b);
    case Function::kSinh: return std::sinh(a);
    case Function::kCosh: return std::cosh(a);
    case Function::kTanh: return std::tanh(a);
    case Function::kAsinh: return std::asinh(a);
    case Function::kAcosh: return std::acosh(a);
    case Function::kAtanh: return std::atanh(a);
    case Function::kExp: return std::exp(a);
    case Function::kExpm1: return std::expm1(a);
    case Function::kLog: return std::log(a);
    case Function::kLog1p: return std::log1p(a);
    case Function::kLog2: return std::log2(a);
    case Function::kLog10: return std::log10(a);
    case Function::kSqrt: return std::sqrt(a);
    case Function::kCbrt: return std::cbrt(a);
    case Function::kAbs: return std::fabs(a);
    case Function::kSign:
      if (std::isnan(a)) return a;
      return a > 0 ? 1.0 : (a < 0 ? -1.0 : 0.0);
    case Function::kFloor: return std::floor(a);
    case Function::kCeil: return std::ceil(a);
    // min/max propagate NaN (unlike std::fmin) and pick the first argument
    // on a tie, which matters for min(0.0, -0.0) and for the derivative.
    case Function::kMin:
      if (std::isnan(a) || std::isnan(b)) return kNaN;
      return b < a ? b : a;
    case Function::kMax:
      if (std::isnan(a) || std::isnan(b)) return kNaN;
      return b > a ? b : a;
    case Function::kPow: return std::pow(a, b);
    case Function::kHypot: return std::hypot(a, b);
    case Function::kSigmoid: return Sigmoid(a);
    case Function::kRelu:
      if (std::isnan(a)) return a;
      return a > 0 ? a : 0.0;
    case Function::kSoftplus: return Softplus(a);
    case Function::kErf: return std::erf(a);
    case Function::kErfc: return std::erfc(a);
  }
  return kNaN;
}

bool FindConstant(std::string_view name, double* value) {
  if (name == "pi") {
    *value = kPi;
    return true;
  }
  if (name == "e") {
    *value = kE;
    return true;
  }
  return false;
}

}  // namespace slope::calculus
